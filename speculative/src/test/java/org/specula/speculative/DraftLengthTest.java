package org.specula.speculative;

import org.junit.jupiter.api.Test;
import org.specula.speculative.SpeculativeSampling.Verdict;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DraftLength.Adaptive} driven with synthetic figures: the k it picks for cheap or dear drafts and
 * verification, high or no acceptance, and the estimates it keeps. Times are in nanoseconds of a made-up clock.
 */
class DraftLengthTest {

    /** Feeds steps of k drafts where the first {@code accepted} of them are accepted, at the given costs. */
    private static void run(DraftLength.Adaptive policy, int steps, int k, int accepted, long draftPerToken,
                            long verifyBase, long verifyPerToken) {
        for (int s = 0; s < steps; s++) {
            policy.update(k, k, Math.min(accepted, k), k * draftPerToken, verifyBase + verifyPerToken * k);
        }
    }

    @Test
    void asksForOneDraftUntilADraftHasBeenTimed() {
        DraftLength.Adaptive policy = new DraftLength.Adaptive(8, () -> 0);
        assertEquals(1, policy.next());
        policy.update(0, 0, 0, 0, 1000); // a step the loop clamped to k = 0 times no draft
        assertEquals(1, policy.next());
    }

    @Test
    void draftsNothingWhenNothingIsAcceptedAndVerificationCostsMore() {
        DraftLength.Adaptive policy = new DraftLength.Adaptive(8, () -> 0);
        for (int k = 1; k <= 8; k++) {
            run(policy, 20, k, 0, 100, 1000, 300); // every draft rejected, each verified position +30 %
        }
        run(policy, 5, 0, 0, 100, 1000, 300);
        assertEquals(0, policy.next());
    }

    @Test
    void draftsOneWhenTheFirstDraftIsAcceptedAndTheSecondNever() {
        DraftLength.Adaptive policy = new DraftLength.Adaptive(8, () -> 0);
        for (int s = 0; s < 100; s++) {
            for (int k = 1; k <= 3; k++) {
                policy.update(k, k, 1, k * 50L, 1000 + 100L * k);
            }
        }
        assertEquals(1, policy.next());
    }

    @Test
    void draftsTheMaxWhenEveryDraftIsAcceptedAndVerificationIsCheap() {
        DraftLength.Adaptive policy = new DraftLength.Adaptive(8, () -> 0);
        run(policy, 30, 1, 1, 50, 1000, 20); // memory-bound: a verified position costs 2 % of a pass
        run(policy, 30, 8, 8, 50, 1000, 20);
        assertEquals(8, policy.next());
    }

    @Test
    void aDearDraftShortensTheDraftAtTheSameAcceptance() {
        DraftLength.Adaptive cheap = new DraftLength.Adaptive(8, () -> 0);
        DraftLength.Adaptive dear = new DraftLength.Adaptive(8, () -> 0);
        SplittableRandom random = new SplittableRandom(7);
        for (int k = 1; k <= 8; k++) { // each draft accepted with probability 0.8 after an accepted prefix
            for (int s = 0; s < 100; s++) {
                int accepted = 0;
                while (accepted < k && random.nextDouble() < 0.8) accepted++;
                cheap.update(k, k, accepted, 20L * k, 1000 + 50L * k);
                dear.update(k, k, accepted, 300L * k, 1000 + 50L * k);
            }
        }
        assertTrue(cheap.next() > dear.next(), "cheap " + cheap.next() + ", dear " + dear.next());
        assertTrue(dear.next() >= 1, "dear " + dear.next());
    }

    @Test
    void acceptanceIsConditionalOnThePrefixAndPositionsAfterARejectionKeepTheirEstimate() {
        DraftLength.Adaptive policy = new DraftLength.Adaptive(4, () -> 0);
        policy.update(4, 4, 1, 400, 1000); // position 0 accepted, 1 rejected, 2 and 3 not reached
        assertEquals(DraftLength.Adaptive.PRIOR_ACCEPTANCE + DraftLength.Adaptive.RATE
                * (1 - DraftLength.Adaptive.PRIOR_ACCEPTANCE), policy.acceptance(0), 1e-12);
        assertEquals(DraftLength.Adaptive.PRIOR_ACCEPTANCE * (1 - DraftLength.Adaptive.RATE), policy.acceptance(1),
                1e-12);
        assertEquals(DraftLength.Adaptive.PRIOR_ACCEPTANCE, policy.acceptance(2), 1e-12);
        assertEquals(DraftLength.Adaptive.PRIOR_ACCEPTANCE, policy.acceptance(3), 1e-12);
    }

    @Test
    void stepsThatDraftNothingLeadBackToThePrior() {
        DraftLength.Adaptive policy = new DraftLength.Adaptive(4, () -> 0);
        run(policy, 200, 1, 0, 100, 1000, 300);
        double low = policy.acceptance(0);
        assertTrue(low < 0.01, "acceptance " + low);
        run(policy, 50, 0, 0, 100, 1000, 300);
        assertTrue(policy.acceptance(0) > low + 0.3, "acceptance " + policy.acceptance(0));
    }

    @Test
    void verificationCostIsInterpolatedBetweenAndExtrapolatedBeyondTheMeasuredSizes() {
        DraftLength.Adaptive policy = new DraftLength.Adaptive(8, () -> 0);
        policy.update(1, 1, 1, 100, 1200); // verify(2) = 1200
        assertEquals(600, policy.verifyCost(1), 1e-9); // one size measured: proportional below, flat above
        assertEquals(1200, policy.verifyCost(9), 1e-9);
        policy.update(3, 3, 3, 300, 1600); // verify(4) = 1600
        assertEquals(1400, policy.verifyCost(3), 1e-9);
        assertEquals(2600, policy.verifyCost(9), 1e-9);
        assertEquals(1000, policy.verifyCost(1), 1e-9); // the slope of verify(2) and verify(4), above 1200 / 2
        policy.update(0, 0, 0, 0, 900); // verify(1) measured
        assertEquals(900, policy.verifyCost(1), 1e-9);
    }

    @Test
    void aStaleEstimateIsReadOffTheFreshOnesAndMeasuredAgain() {
        DraftLength.Adaptive policy = new DraftLength.Adaptive(8, () -> 0);
        policy.update(0, 0, 0, 0, 50_000); // verify(1) while the JIT was cold
        run(policy, DraftLength.Adaptive.STALE_STEPS, 3, 1, 800, 1000, 250); // verify(4) = 1750, acceptance 1/3 down
        assertEquals(1750, policy.verifyCost(1), 1e-9); // held to the bound: no dearer than verify(4)
        run(policy, 1, 3, 1, 800, 1000, 250);
        assertEquals(1750.0 / 4, policy.verifyCost(1), 1e-9); // stale: the proportional bound below verify(4)
        assertEquals(0, policy.next()); // which makes a step without drafts worth measuring again
        policy.update(0, 0, 0, 0, 1000);
        assertEquals(1000, policy.verifyCost(1), 1e-9); // from this measurement, not from the stale one
    }

    @Test
    void anEstimateOutOfLineWithItsNeighboursIsHeldToTheBlockBounds() {
        DraftLength.Adaptive policy = new DraftLength.Adaptive(4, () -> 0);
        policy.update(0, 0, 0, 0, 1000);         // verify(1) = 1000
        policy.update(1, 1, 1, 100, 8_000_000); // verify(2) timed while the JIT compiled it
        policy.update(3, 3, 3, 300, 1500);      // verify(4) = 1500
        assertEquals(1000, policy.verifyCost(1), 1e-9);
        assertEquals(1500, policy.verifyCost(2), 1e-9); // no dearer than verify(4)
        assertEquals(1500, policy.verifyCost(3), 1e-9);
        assertEquals(1500, policy.verifyCost(4), 1e-9);
        assertEquals(1500, policy.verifyCost(5), 1e-9); // beyond the largest: never below it
        policy.update(1, 1, 1, 100, 1200);
        assertEquals(1200, policy.verifyCost(2), 1e-9); // under half the estimate: it replaces it
        policy.update(1, 1, 1, 100, 1300);
        assertEquals(1210, policy.verifyCost(2), 1e-9); // then the mean moves on from it
    }

    @Test
    void theObserverTimesDraftingAndVerificationWithTheGivenClock() {
        long[] now = {0};
        DraftLength.Adaptive policy = new DraftLength.Adaptive(4, () -> now[0]);
        SpeculativeDecoder.StepObserver o = policy.observer();
        Draft draft = new Draft(new int[]{5, 6}, new double[2][1], 2);
        o.drafting(2);
        now[0] += 600; // two draft tokens: 300 each
        o.proposed(draft);
        now[0] += 2000;
        o.scored();
        o.verified(draft, new Verdict(2, 7, true));
        now[0] += 100;
        o.committed(new int[0], 0);
        assertEquals(300, policy.draftCost(), 1e-9);
        assertEquals(2100, policy.verifyCost(3), 1e-9);
        assertEquals(DraftLength.Adaptive.PRIOR_ACCEPTANCE + DraftLength.Adaptive.RATE
                * (1 - DraftLength.Adaptive.PRIOR_ACCEPTANCE), policy.acceptance(1), 1e-12);
        assertTrue(policy.next() >= 0);
    }

    @Test
    void afterAStretchWithoutDraftsItAsksForOne() {
        DraftLength.Adaptive policy = new DraftLength.Adaptive(8, () -> 0);
        run(policy, 50, 1, 0, 100, 1000, 300);
        for (int s = 0; s < DraftLength.Adaptive.PROBE_INTERVAL; s++) {
            assertEquals(0, policy.next(), "step " + s);
            policy.update(0, 0, 0, 0, 1000);
        }
        assertEquals(1, policy.next());
        policy.update(1, 1, 0, 100, 1300);
        assertEquals(0, policy.next());
        for (int s = 0; s < 2 * DraftLength.Adaptive.PROBE_INTERVAL; s++) { // the probe changed nothing: twice as long
            assertEquals(0, policy.next(), "step " + s);
            policy.update(0, 0, 0, 0, 1000);
        }
        assertEquals(1, policy.next());
    }

    @Test
    void theDraftCostFallsQuicklyAndRisesSlowlyAndVerifyCostsAreMeans() {
        DraftLength.Adaptive policy = new DraftLength.Adaptive(8, () -> 0);
        policy.update(1, 1, 1, 1000, 2000);
        policy.update(1, 1, 1, 100, 1000);
        assertEquals(1000 - DraftLength.Adaptive.COST_RATE_DOWN * 900, policy.draftCost(), 1e-9);
        assertEquals(2000 - DraftLength.Adaptive.COST_RATE * 1000, policy.verifyCost(2), 1e-9);
        policy.update(1, 1, 1, 100, 3900);
        assertEquals(1900 + DraftLength.Adaptive.COST_RATE * 2000, policy.verifyCost(2), 1e-9);
        double before = policy.draftCost();
        policy.update(1, 1, 1, 100_000, 1000); // a collector pause, say
        assertEquals(before + DraftLength.Adaptive.COST_RATE_UP * (100_000 - before), policy.draftCost(), 1e-9);
    }

    @Test
    void theFirstStepOfARunIsNotTimedForDrafting() {
        long[] now = {0};
        DraftLength.Adaptive policy = new DraftLength.Adaptive(4, () -> now[0]);
        SpeculativeDecoder.StepObserver o = policy.observer();
        Draft draft = new Draft(new int[]{5}, new double[1][1], 1);
        o.started();
        for (long draftTime : new long[]{1_000_000, 200}) { // a draft model feeds the whole prompt first
            o.drafting(1);
            now[0] += draftTime;
            o.proposed(draft);
            now[0] += 1000;
            o.verified(draft, new Verdict(1, 7, true));
            o.committed(new int[0], 0);
        }
        assertEquals(200, policy.draftCost(), 1e-9);
    }

    @Test
    void aFixedLengthIsItsKAndRefusesANegativeOne() {
        assertEquals(3, DraftLength.fixed(3).next());
        assertEquals(3, DraftLength.fixed(3).max());
        assertThrows(IllegalArgumentException.class, () -> DraftLength.fixed(-1));
        assertThrows(IllegalArgumentException.class, () -> DraftLength.adaptive(0));
    }
}
