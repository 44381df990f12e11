package org.specula.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Table tests: logits are ln(weights), so each expected row is the kept weights renormalised. */
class SamplerTest {
    private static final double TOL = 1e-6; // ln(w) is rounded to float

    private static final float[] W1234 = logOf(1, 2, 3, 4); // probs 0.1, 0.2, 0.3, 0.4 at temperature 1

    @Test
    void temperatureOneIsPlainSoftmax() {
        assertRow(W1234, new SamplingParams(1f, 0, 1f, 0f), 0.1, 0.2, 0.3, 0.4);
    }

    @Test
    void temperatureTwoTakesTheSquareRootOfTheWeights() {
        double r2 = Math.sqrt(2), r3 = Math.sqrt(3), sum = 1 + r2 + r3 + 2;
        assertRow(W1234, new SamplingParams(2f, 0, 1f, 0f), 1 / sum, r2 / sum, r3 / sum, 2 / sum);
    }

    @Test
    void topKKeepsTheKMostProbable() {
        assertRow(W1234, new SamplingParams(1f, 2, 1f, 0f), 0, 0, 3 / 7.0, 4 / 7.0);
        assertRow(W1234, new SamplingParams(1f, 1, 1f, 0f), 0, 0, 0, 1);
        assertRow(W1234, new SamplingParams(1f, 4, 1f, 0f), 0.1, 0.2, 0.3, 0.4);
        assertRow(W1234, new SamplingParams(1f, 99, 1f, 0f), 0.1, 0.2, 0.3, 0.4);
    }

    @Test
    void topKBreaksTiesByLowerIndex() {
        assertRow(new float[] {1, 1, 1, 0}, new SamplingParams(1f, 2, 1f, 0f), 0.5, 0.5, 0, 0);
        assertRow(new float[] {0, 1, 0, 1}, new SamplingParams(1f, 1, 1f, 0f), 0, 1, 0, 0);
    }

    @Test
    void topPKeepsTheSmallestSetReachingTheMass() {
        assertRow(W1234, new SamplingParams(1f, 0, 0.5f, 0f), 0, 0, 3 / 7.0, 4 / 7.0);
        assertRow(W1234, new SamplingParams(1f, 0, 0.75f, 0f), 0, 2 / 9.0, 3 / 9.0, 4 / 9.0);
        assertRow(W1234, new SamplingParams(1f, 0, 0.35f, 0f), 0, 0, 0, 1);
    }

    @Test
    void topPAlwaysKeepsAtLeastOneToken() {
        assertRow(W1234, new SamplingParams(1f, 0, Float.MIN_VALUE, 0f), 0, 0, 0, 1);
    }

    @Test
    void topPBreaksTiesByLowerIndex() {
        assertRow(new float[] {0, 0, 0, 0}, new SamplingParams(1f, 0, 0.3f, 0f), 0.5, 0.5, 0, 0);
    }

    @Test
    void minPKeepsTokensWithinAFactorOfTheMax() {
        assertRow(W1234, new SamplingParams(1f, 0, 1f, 0.6f), 0, 0, 3 / 7.0, 4 / 7.0);
        assertRow(W1234, new SamplingParams(1f, 0, 1f, 0.2f), 0.1, 0.2, 0.3, 0.4);
        assertRow(W1234, new SamplingParams(1f, 0, 1f, 1f), 0, 0, 0, 1);
    }

    @Test
    void topPMeasuresMassWithinTheTopKSet() {
        // top-k 3 leaves 0.2, 0.3, 0.4 of mass 0.9; 0.4/0.9 < 0.75 <= 0.7/0.9, so top-p keeps two.
        // (Measured against the full mass, 0.7 < 0.75 would have kept three.)
        assertRow(W1234, new SamplingParams(1f, 3, 0.75f, 0f), 0, 0, 3 / 7.0, 4 / 7.0);
    }

    @Test
    void temperatureIsAppliedBeforeTopP() {
        assertRow(W1234, new SamplingParams(1f, 0, 0.65f, 0f), 0, 0, 3 / 7.0, 4 / 7.0);
        double r2 = Math.sqrt(2), r3 = Math.sqrt(3), sum = r2 + r3 + 2; // at T = 2, 0.33 + 0.28 < 0.65
        assertRow(W1234, new SamplingParams(2f, 0, 0.65f, 0f), 0, r2 / sum, r3 / sum, 2 / sum);
    }

    @Test
    void allFiltersTogether() {
        float[] logits = logOf(1, 2, 3, 4, 5, 6, 7, 8); // mass 36
        // top-k 6 → 3..8 (mass 33); top-p 0.8 → 8, 7, 6, 5 (26/33 >= 0.8 > 21/33); min-p 0.7 → >= 5.6: 8, 7, 6.
        assertRow(logits, new SamplingParams(1f, 6, 0.8f, 0.7f), 0, 0, 0, 0, 0, 6 / 21.0, 7 / 21.0, 8 / 21.0);
    }

    @Test
    void greedyIsOneHotAtTheLowestArgmax() {
        assertRow(new float[] {1, 3, 3, 2}, SamplingParams.GREEDY, 0, 1, 0, 0);
        assertRow(new float[] {-1, -1}, new SamplingParams(0f, 1, 0.1f, 0.9f), 1, 0);
    }

    @Test
    void greedyTokenIsTheOneHotRowsToken() {
        float[] logits = {7, 1, 3, 3, 2, -0.0f, 0.0f, 3};
        assertEquals(1, Sampler.greedy(logits, 1, 4)); // 1, 3, 3, 2: the first of the tied 3s
        assertEquals(0, Sampler.greedy(logits, 5, 2)); // -0 and +0 tie: the lower index
        assertEquals(0, Sampler.greedy(new float[] {Float.NEGATIVE_INFINITY}, 0, 1));
        assertEquals("logits contain NaN", assertThrows(IllegalArgumentException.class,
                () -> Sampler.greedy(new float[] {0, Float.NaN, 1}, 0, 3)).getMessage());
        for (int off = 0; off < 4; off++) {
            double[] row = new double[4];
            Sampler.distribution(row, logits, off, 4, SamplingParams.GREEDY);
            assertEquals(Sampler.sample(row, 0.5), Sampler.greedy(logits, off, 4));
        }
    }

    @Test
    void honoursTheOffset() {
        float[] logits = {99, 99, 0, (float) Math.log(3), 99};
        double[] probs = new double[2];
        Sampler.distribution(probs, logits, 2, 2, new SamplingParams(1f, 0, 1f, 0f));
        assertArrayEquals(new double[] {0.25, 0.75}, probs, TOL);
        Sampler.distribution(probs, logits, 2, 2, SamplingParams.GREEDY);
        assertArrayEquals(new double[] {0, 1}, probs);
        assertEquals(1, Sampler.argmax(logits, 2, 2));
    }

    @Test
    void infiniteLogits() {
        float inf = Float.POSITIVE_INFINITY;
        assertRow(new float[] {-inf, 0, -inf, 0}, new SamplingParams(1f, 0, 1f, 0f), 0, 0.5, 0, 0.5);
        assertRow(new float[] {inf, 0, inf, 5}, new SamplingParams(1f, 0, 1f, 0f), 0.5, 0, 0.5, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sampler.distribution(new double[2], new float[] {-inf, -inf}, 0, 2, new SamplingParams(1f, 0,
                        1f, 0f)));
        assertEquals("logits are all -Infinity", e.getMessage());
    }

    @Test
    void nanLogitsAreRejected() {
        float[] logits = {0, Float.NaN, 1};
        for (SamplingParams params : new SamplingParams[] {SamplingParams.GREEDY, new SamplingParams(1f, 2, 0.9f,
                0.1f)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Sampler.distribution(new double[3], logits, 0, 3, params));
            assertEquals("logits contain NaN", e.getMessage());
        }
    }

    @Test
    void shapesAreChecked() {
        SamplingParams params = new SamplingParams(1f, 0, 1f, 0f);
        assertThrows(IllegalArgumentException.class, () -> Sampler.distribution(new double[3], new float[4], 0, 4,
                params));
        assertThrows(IllegalArgumentException.class, () -> Sampler.distribution(new double[0], new float[4], 0, 0,
                params));
        assertThrows(IndexOutOfBoundsException.class, () -> Sampler.distribution(new double[4], new float[4], 1, 4,
                params));
    }

    @Test
    void sampleIsTheInverseCdf() {
        double[] probs = {0.1, 0.2, 0.3, 0.4};
        double[][] table = {{0, 0}, {0.05, 0}, {0.15, 1}, {0.35, 2}, {0.65, 3}, {0.99, 3}, {Math.nextDown(1.0), 3}};
        for (double[] row : table) assertEquals((int) row[1], Sampler.sample(probs, row[0]), "u = " + row[0]);
        assertEquals(1, Sampler.sample(new double[] {2, 6}, 0.3), "need not be normalised");
    }

    @Test
    void sampleNeverReturnsAZeroProbabilityIndex() {
        double[] probs = {0, 0.5, 0, 0.5, 0};
        assertEquals(1, Sampler.sample(probs, 0));
        assertEquals(1, Sampler.sample(probs, 0.49));
        assertEquals(3, Sampler.sample(probs, 0.5));
        assertEquals(3, Sampler.sample(probs, Math.nextDown(1.0)));
        double[] tenths = new double[10];
        Arrays.fill(tenths, 0.1); // sums to 0.9999999999999999: round-off at the top falls back to the last index
        assertEquals(9, Sampler.sample(tenths, Math.nextDown(1.0)));
    }

    @Test
    void sampleRejectsBadInput() {
        double[] probs = {0.5, 0.5};
        for (double u : new double[] {-0.1, 1.0, Double.NaN}) {
            assertThrows(IllegalArgumentException.class, () -> Sampler.sample(probs, u), "u = " + u);
        }
        assertThrows(IllegalArgumentException.class, () -> Sampler.sample(new double[] {0, 0}, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Sampler.sample(new double[] {0.5, -0.5, 1}, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Sampler.sample(new double[] {0.5, Double.NaN}, 0.5));
    }

    @Test
    void argmaxTakesTheLowestIndexOnTies() {
        assertEquals(1, Sampler.argmax(new float[] {0, 2, 2, 1}, 0, 4));
        assertEquals(0, Sampler.argmax(new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, 0, 2));
    }

    private static float[] logOf(double... weights) {
        float[] logits = new float[weights.length];
        for (int i = 0; i < weights.length; i++) logits[i] = (float) Math.log(weights[i]);
        return logits;
    }

    private static void assertRow(float[] logits, SamplingParams params, double... expected) {
        double[] probs = new double[logits.length];
        Arrays.fill(probs, Double.NaN); // every entry must be written
        Sampler.distribution(probs, logits, 0, logits.length, params);
        assertArrayEquals(expected, probs, TOL,
                params + " on " + Arrays.toString(logits) + " gave " + Arrays.toString(probs));
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == 0) assertEquals(0.0, probs[i], params + ": token " + i + " must be exactly 0");
        }
    }
}
