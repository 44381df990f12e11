package org.specula.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.specula.sampling.Sampler;
import org.specula.sampling.SamplingParams;
import org.specula.sampling.Uniforms;
import org.specula.speculative.SpeculativeSampling.TargetRows;
import org.specula.speculative.SpeculativeSampling.Verdict;

/** Table tests in the manner of vLLM's rejection-sampler tests. */
class SpeculativeSamplingTest {
    private static final double[] UNIFORM4 = {0.25, 0.25, 0.25, 0.25};
    private static final double LAST_U = Math.nextDown(1.0);

    @Test
    void perfectMatchAcceptsEverythingAndEmitsTheBonus() {
        // targetProb >= draftProb at every draft: accepted even with the largest acceptU.
        double[][] targetProbs = {{0, 0.5, 0.5, 0}, {0.1, 0.1, 0.7, 0.1}, {0, 0, 0.5, 0.5}, {0, 0, 1, 0}};
        double[][] draftProbs = {UNIFORM4, UNIFORM4, UNIFORM4};
        Verdict verdict = verify(new int[] {1, 2, 3}, draftProbs, targetProbs, 3, fill(3, LAST_U), fill(4, 0.3));
        assertEquals(new Verdict(3, 2, true), verdict);
    }

    @Test
    void earlyMismatchStopsAtTheFirstRejectionAndEmitsAResidualToken() {
        double[][] targetProbs = {{0, 0.5, 0.5, 0}, {0, 0.5, 0.5, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}};
        double[][] draftProbs = {UNIFORM4, UNIFORM4, UNIFORM4};
        // Draft 1 (token 0) has targetProb 0: rejected even with acceptU = 0. Residual = (0, 0.5, 0.5, 0).
        double[] sampleU = {0.9, 0.7, 0.1, 0.1};
        Verdict verdict = verify(new int[] {1, 0, 0}, draftProbs, targetProbs, 3, fill(3, 0.0), sampleU);
        assertEquals(new Verdict(1, 2, false), verdict);
        sampleU[1] = 0.2;
        assertEquals(new Verdict(1, 1, false), verify(new int[] {1, 0, 0}, draftProbs, targetProbs, 3, fill(3, 0.0),
                sampleU));
    }

    @Test
    void kZeroIsJustTheBonusFromTheFirstTargetRow() {
        double[][] targetProbs = {{0.1, 0.2, 0.3, 0.4}};
        for (double u : new double[] {0, 0.05, 0.15, 0.35, 0.65, LAST_U}) {
            Verdict verdict = verify(new int[0], new double[0][], targetProbs, 0, new double[0], new double[] {u});
            assertEquals(new Verdict(0, Sampler.sample(targetProbs[0], u), true), verdict, "sampleU = " + u);
        }
    }

    @Test
    void kOneAcceptsExactlyWhenAcceptUIsBelowTargetOverDraft() {
        // targetProb 0.3 / draftProb 0.6: accept iff acceptU < 0.5; the residual is one-hot at token 1.
        double[][] targetProbs = {{0.3, 0.7}, {0.9, 0.1}};
        double[][] draftProbs = {{0.6, 0.4}};
        double[] sampleU = {0.0, 0.5};
        assertEquals(new Verdict(1, 0, true), verify(new int[] {0}, draftProbs, targetProbs, 1, new double[] {0.0},
                sampleU));
        assertEquals(new Verdict(1, 0, true), verify(new int[] {0}, draftProbs, targetProbs, 1, new double[] {0.49},
                sampleU));
        assertEquals(new Verdict(0, 1, false), verify(new int[] {0}, draftProbs, targetProbs, 1, new double[] {0.5},
                sampleU));
        assertEquals(new Verdict(0, 1, false), verify(new int[] {0}, draftProbs, targetProbs, 1,
                new double[] {LAST_U}, sampleU));
        // Draft token 1: targetProb 0.7 >= draftProb 0.4, always accepted; the bonus comes from row 1.
        assertEquals(new Verdict(1, 1, true), verify(new int[] {1}, draftProbs, targetProbs, 1, new double[] {LAST_U},
                new double[] {0, 0.95}));
    }

    @Test
    void residualIsTheNormalisedPositivePartOfTargetMinusDraft() {
        double[] out = new double[4];
        Rows.residual(out, new double[] {0.5, 0.3, 0.2, 0}, new double[] {0.2, 0.3, 0.4, 0.1});
        assertArrayEquals(new double[] {1, 0, 0, 0}, out, 1e-15);
        double[] out3 = new double[3];
        Rows.residual(out3, new double[] {0.5, 0.5, 0}, new double[] {0.1, 0.2, 0.7});
        assertArrayEquals(new double[] {0.4 / 0.7, 0.3 / 0.7, 0}, out3, 1e-15);
    }

    @Test
    void residualWithNearZeroMassFallsBackToTheTarget() {
        double[] targetRow = {0.5 - 1e-14, 0.5 + 1e-14}, draftRow = {0.5, 0.5};
        double[] out = new double[2];
        Rows.residual(out, targetRow, draftRow); // mass 1e-14 <= 1e-12
        assertArrayEquals(targetRow, out);
        // Rejected only for acceptU >= 1 − 2e-14; the fallback then samples p itself (token 0 at sampleU 0.25,
        // where the raw residual would have been one-hot at token 1).
        Verdict verdict = verify(new int[] {0}, new double[][] {draftRow}, new double[][] {targetRow, {1, 0}}, 1,
                new double[] {LAST_U}, new double[] {0.25, 0.5});
        assertEquals(new Verdict(0, 0, false), verdict);
    }

    @Test
    void zeroResidualNeverEmitsAnOutOfRangeToken() {
        // p == q, and the draft token has draftProb 0 (a caller bug): rejected, residual mass exactly 0 → p.
        double[] row = {0.5, 0, 0.5};
        for (double u : new double[] {0, 0.5, LAST_U}) {
            Verdict verdict = verify(new int[] {1}, new double[][] {row}, new double[][] {row, row}, 1,
                    new double[] {0}, new double[] {u, 0});
            assertEquals(0, verdict.acceptedCount());
            assertTrue(verdict.emittedToken() == 0 || verdict.emittedToken() == 2, verdict.toString());
        }
    }

    @Test
    void oneHotDraftsAreTokenIdenticalToPlainSamplingWithTheSameSampleU() {
        SplittableRandom random = new SplittableRandom(42);
        int vocab = 6;
        for (int trial = 0; trial < 2000; trial++) {
            int k = random.nextInt(5);
            double[][] targetProbs = new double[k + 1][];
            double[][] draftProbs = new double[k][vocab];
            int[] draftTokens = new int[k];
            double[] sampleU = new double[k + 1], acceptU = new double[k];
            int[] plain = new int[k + 1]; // what plain decoding samples at each position
            for (int i = 0; i <= k; i++) {
                targetProbs[i] = randomRow(random, vocab);
                sampleU[i] = Uniforms.at(7, 100L * trial + i, Uniforms.SAMPLE);
                plain[i] = Sampler.sample(targetProbs[i], sampleU[i]);
                if (i < k) {
                    // Half the time draft what the target will sample, to reach long accepted runs.
                    draftTokens[i] = random.nextBoolean() ? plain[i] : random.nextInt(vocab);
                    draftProbs[i][draftTokens[i]] = 1;
                    acceptU[i] = random.nextDouble(); // ignored on the one-hot path
                }
            }
            Verdict verdict = verify(draftTokens, draftProbs, targetProbs, k, acceptU, sampleU);
            int expectedAccepted = 0;
            while (expectedAccepted < k && draftTokens[expectedAccepted] == plain[expectedAccepted]) expectedAccepted++;
            assertEquals(new Verdict(expectedAccepted, plain[expectedAccepted], expectedAccepted == k), verdict,
                    "trial " + trial);
        }
    }

    @Test
    void greedyAcceptsExactlyTheTargetArgmax() {
        float[][] targetLogits = {{0, 1, 5, 2}, {3, 1, 1, 0}, {0, 0, 0, 4}, {0, 7, 0, 0}}; // argmax 2, 0, 3, 1
        double[][] targetProbs = new double[4][4];
        for (int i = 0; i < 4; i++) Sampler.distribution(targetProbs[i], targetLogits[i], 0, 4, SamplingParams.GREEDY);
        int[][] draftTable = {{2, 0, 1}, {2, 0, 3}, {1, 0, 3}, {2, 2, 2}};
        Verdict[] expected = {new Verdict(2, 3, false), new Verdict(3, 1, true), new Verdict(0, 2, false),
            new Verdict(1, 0, false)};
        for (int row = 0; row < draftTable.length; row++) {
            double[][] draftProbs = new double[3][4];
            for (int i = 0; i < 3; i++) draftProbs[i][draftTable[row][i]] = 1;
            for (double u : new double[] {0, 0.5, LAST_U}) {
                Verdict verdict = verify(draftTable[row], draftProbs, targetProbs, 3, fill(3, u), fill(4, u));
                assertEquals(expected[row], verdict, "drafts " + Arrays.toString(draftTable[row]) + ", u = " + u);
            }
        }
    }

    @Test
    void deterministicForTheSameUniformsWhateverTheScratchHolds() {
        SplittableRandom random = new SplittableRandom(3);
        int vocab = 5, k = 3;
        for (int trial = 0; trial < 500; trial++) {
            double[][] targetProbs = new double[k + 1][], draftProbs = new double[k][];
            int[] draftTokens = new int[k];
            for (int i = 0; i <= k; i++) targetProbs[i] = randomRow(random, vocab);
            for (int i = 0; i < k; i++) {
                draftProbs[i] = randomRow(random, vocab);
                draftTokens[i] = Sampler.sample(draftProbs[i], random.nextDouble());
            }
            double[] acceptU = fill(k, random.nextDouble()), sampleU = fill(k + 1, random.nextDouble());
            Residual scratch = new Residual(vocab);
            Verdict first = SpeculativeSampling.verify(draftTokens, draftProbs, TargetRows.of(targetProbs), k, acceptU,
                    sampleU, scratch);
            Arrays.fill(scratch.row(), 123.0);
            assertEquals(first, SpeculativeSampling.verify(draftTokens, draftProbs, TargetRows.of(targetProbs), k,
                    acceptU, sampleU, scratch));
        }
    }

    @Test
    void shapesAreChecked() {
        double[][] rows = {UNIFORM4, UNIFORM4};
        assertThrows(IllegalArgumentException.class, () -> verify(new int[0], rows, rows, -1, fill(1, 0), fill(1, 0)));
        assertThrows(IllegalArgumentException.class, () -> verify(new int[] {0, 1}, rows, rows, 2, fill(2, 0),
                fill(3, 0)));
        assertThrows(IllegalArgumentException.class, () -> verify(new int[] {4}, rows, rows, 1, fill(1, 0), fill(2,
                0)));
        assertThrows(IllegalArgumentException.class, () -> SpeculativeSampling.verify(new int[] {0}, rows,
                TargetRows.of(rows), 1, fill(1, 0), fill(2, 0), new Residual(3)));
        assertThrows(IllegalArgumentException.class, () -> verify(new int[] {0}, rows, rows, 1, fill(1, 0), fill(2,
                1.0)));
    }

    private static Verdict verify(int[] draftTokens, double[][] draftProbs, double[][] targetProbs, int k,
                                  double[] acceptU, double[] sampleU) {
        Residual scratch = new Residual(targetProbs[0].length);
        return SpeculativeSampling.verify(draftTokens, draftProbs, TargetRows.of(targetProbs), k, acceptU, sampleU,
                scratch);
    }

    private static double[] fill(int n, double value) {
        double[] out = new double[n];
        Arrays.fill(out, value);
        return out;
    }

    /** A random row with about a third of its entries zero (at least one nonzero). */
    private static double[] randomRow(SplittableRandom random, int vocab) {
        double[] row = new double[vocab];
        double mass = 0;
        for (int j = 0; j < vocab; j++) mass += row[j] = random.nextInt(3) == 0 ? 0 : random.nextDouble();
        if (mass == 0) mass = row[random.nextInt(vocab)] = 1;
        for (int j = 0; j < vocab; j++) row[j] /= mass;
        return row;
    }
}
