package org.specula.speculative;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link DraftLength.Adaptive} under random step histories (max 1 to 12, up to 80 steps of random asked, drafted and
 * accepted counts and random costs, some steps asking none and some drafts untimed): k stays in 0..max, it is the argmax of the rule in the class comment over the
 * policy's own estimates, and dearer drafts never lengthen it.
 */
class DraftLengthProperties {
    private static final long SEED = 0xD1AL;

    /**
     * Two policies fed one random history, the second with every draft time multiplied by dearer (≥ 1); whether the
     * last {@link DraftLength.Adaptive#PROBE_INTERVAL} steps or more asked for no draft (the next may be a probe),
     * into probe[0].
     */
    private static DraftLength.Adaptive[] history(int max, int steps, long seed, int dearer, boolean[] probe) {
        DraftLength.Adaptive cheap = new DraftLength.Adaptive(max, () -> 0);
        DraftLength.Adaptive dear = new DraftLength.Adaptive(max, () -> 0);
        SplittableRandom random = new SplittableRandom(seed);
        int undrafted = 0;
        for (int s = 0; s < steps; s++) {
            int asked = random.nextInt(4) == 0 ? 0 : random.nextInt(max + 1);
            undrafted = asked == 0 ? undrafted + 1 : 0;
            int drafted = random.nextInt(asked + 1);
            int accepted = random.nextInt(drafted + 1);
            long draftTime = random.nextInt(10) == 0 ? -1 : random.nextLong(1, 1_000_000); // -1: not timed
            long verifyTime = random.nextLong(1, 10_000_000);
            cheap.update(asked, drafted, accepted, draftTime, verifyTime);
            dear.update(asked, drafted, accepted, draftTime * dearer, verifyTime);
        }
        probe[0] = undrafted >= DraftLength.Adaptive.PROBE_INTERVAL;
        return new DraftLength.Adaptive[]{cheap, dear};
    }

    @Test
    void kIsInRangeAndMaximisesExpectedTokensPerUnitOfTime() {
        qt().withFixedSeed(SEED).withExamples(2000)
                .forAll(integers().between(1, 12), integers().between(0, 80), longs().all())
                .checkAssert((max, steps, seed) -> {
                    boolean[] probe = new boolean[1];
                    DraftLength.Adaptive policy = history(max, steps, seed, 1, probe)[0];
                    int k = policy.next();
                    assertTrue(k >= 0 && k <= max, "k " + k + " of max " + max);
                    // untimed, or after a run of steps without drafts (a probe): one draft
                    if (probe[0] && k == 1) {
                        return;
                    }
                    int expected = Double.isNaN(policy.draftCost()) ? 1 : argmax(policy);
                    assertEquals(expected, k, "max " + max + ", steps " + steps + ", seed " + seed);
                });
    }

    @Test
    void dearerDraftsNeverLengthenTheDraft() {
        qt().withFixedSeed(SEED).withExamples(2000)
                .forAll(integers().between(1, 12), integers().between(1, 60), longs().all(), integers().between(1, 50))
                .checkAssert((max, steps, seed, dearer) -> {
                    DraftLength.Adaptive[] p = history(max, steps, seed, dearer, new boolean[1]);
                    assertTrue(p[1].next() <= p[0].next(), "cheap " + p[0].next() + ", " + dearer + "x dearer "
                            + p[1].next());
                });
    }

    /** The rule by its formula, recomputed from the policy's estimates; ties to the smaller k. */
    private static int argmax(DraftLength.Adaptive policy) {
        double draftCost = policy.draftCost();
        int best = 0;
        double bestRate = -1;
        for (int k = 0; k <= policy.max(); k++) {
            double tokens = 1;
            for (int i = 0; i < k; i++) {
                double reached = 1;
                for (int j = 0; j <= i; j++) {
                    reached *= policy.acceptance(j);
                }
                tokens += reached;
            }
            double rate = tokens / (k * draftCost + policy.verifyCost(k + 1));
            if (rate > bestRate * (1 + 1e-12)) {
                best = k;
                bestRate = rate;
            }
        }
        return best;
    }
}
