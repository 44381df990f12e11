package org.specula.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.floats;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** QuickTheories properties of {@link Sampler}, with fixed seeds. */
class SamplerProperties {
    private static final long SEED = 0x5A3B1E5L;
    /** The length about which the long rows are generated: ties there leave thousands of candidates. */
    private static final int LONG_ROW = 4096;

    /** Logits on a coarse grid (many ties) with some -Infinity; vocab 1..40. */
    private static Gen<float[]> logits() {
        return lists().of(integers().between(-7, 6)).ofSizeBetween(1, 40).map(values -> {
            float[] logits = new float[values.size()];
            for (int i = 0; i < logits.length; i++) {
                int v = values.get(i);
                logits[i] = v == -7 ? Float.NEGATIVE_INFINITY : v * 0.5f;
            }
            return logits;
        }).assuming(logits -> Arrays.stream(toDoubles(logits)).anyMatch(Double::isFinite));
    }

    private static Gen<SamplingParams> params() {
        Gen<Float> temperature = floats().between(0.05f, 3f).mix(Generate.constant(0f), 10);
        Gen<Integer> topK = integers().between(0, 12).mix(Generate.constant(0), 40);
        Gen<Float> topP = floats().between(0.01f, 1f).mix(Generate.constant(1f), 40);
        Gen<Float> minP = floats().between(0f, 1f).mix(Generate.constant(0f), 40);
        return temperature.zip(topK, topP, minP, SamplingParams::new);
    }

    @Test
    void distributionSumsToOneAndEqualsAReferenceImplementation() {
        qt().withFixedSeed(SEED).withExamples(3000).forAll(logits(), params()).checkAssert((logits, params) -> {
            double[] probs = new double[logits.length];
            Sampler.distribution(probs, logits, 0, logits.length, params);
            double[] expected = reference(logits, params);
            double mass = 0;
            for (int i = 0; i < probs.length; i++) {
                mass += probs[i];
                assertTrue(probs[i] >= 0);
                if (expected[i] == 0) {
                    assertEquals(0.0, probs[i], params + " must zero token " + i + " outside the kept set");
                } else {
                    assertEquals(expected[i], probs[i], 1e-12, params + " token " + i);
                }
            }
            assertEquals(1.0, mass, 1e-12, params + " on " + Arrays.toString(logits));
        });
    }

    /**
     * Rows with top-k on skip the dense passes: the same bits as the dense path, on tied grids (with zeros of both
     * signs and infinities), on rows of distinct values long enough to have a tail past the last group of four, and
     * on long rows with so many ties that the candidates are too many for the rank sort.
     */
    @Test
    void topKRowsEqualTheDensePathBitForBit() {
        Gen<float[]> grid = lists().of(integers().between(-9, 8)).ofSizeBetween(2, 60).map(values -> {
            float[] logits = new float[values.size()];
            for (int i = 0; i < logits.length; i++) {
                int v = values.get(i);
                logits[i] = switch (v) {
                    case -9 -> Float.NEGATIVE_INFINITY;
                    case 8 -> Float.POSITIVE_INFINITY;
                    case -8 -> -0.0f;
                    default -> v * 0.37f;
                };
            }
            return logits;
        });
        Gen<float[]> spread = integers().between(2, 700).zip(integers().all(), (vocab, seed) -> {
            java.util.Random random = new java.util.Random(seed);
            float[] logits = new float[vocab];
            for (int i = 0; i < vocab; i++) logits[i] = (float) (random.nextGaussian() * 4 + (seed % 3 == 0 ? i * 0.05 : 0));
            if (seed % 5 == 0) logits[random.nextInt(vocab)] = 3e4f; // a huge gap below the max
            return logits;
        });
        // long rows, ascending like a real row's byte tokens, and with huge gaps
        Gen<float[]> long_ = integers().between(LONG_ROW - 3, LONG_ROW + 300)
                .zip(integers().all(), (vocab, seed) -> {
                    java.util.Random random = new java.util.Random(seed);
                    float[] logits = new float[vocab];
                    for (int i = 0; i < vocab; i++) {
                        logits[i] = (float) (random.nextGaussian() * 3 + (seed % 3 == 0 ? i * 0.01 : 0));
                    }
                    if (seed % 5 == 0) logits[random.nextInt(vocab)] = 3e4f;
                    return logits;
                });
        // long rows of a few values: thousands of ties at the k-th logit, all of them candidates
        Gen<float[]> tied = integers().between(LONG_ROW + 1, 3 * LONG_ROW)
                .zip(integers().all(), (vocab, seed) -> {
                    java.util.Random random = new java.util.Random(seed);
                    float[] logits = new float[vocab];
                    for (int i = 0; i < vocab; i++) logits[i] = random.nextInt(2) * 0.75f;
                    for (int n = 0; n < 3; n++) logits[random.nextInt(vocab)] = 2f; // a few above the ties
                    return logits;
                });
        int[] sortedRows = new int[1]; // rows whose candidates were too many for the rank sort
        Gen<SamplingParams> params = floats().between(0.05f, 3f).zip(integers().between(1, 50),
                floats().between(0.01f, 1f).mix(Generate.constant(1f), 30),
                floats().between(0f, 0.5f).mix(Generate.constant(0f), 30), SamplingParams::new);
        qt().withFixedSeed(SEED).withExamples(4000).forAll(grid.mix(spread, 50).mix(long_, 10).mix(tied, 5), params)
                .assuming((logits, p) -> p.topK() < logits.length
                        && Arrays.stream(toDoubles(logits)).anyMatch(x -> x > Double.NEGATIVE_INFINITY))
                .checkAssert((logits, p) -> {
                    float max = (float) Arrays.stream(toDoubles(logits)).max().orElseThrow();
                    if (max < Float.POSITIVE_INFINITY && Ranking.candidates(logits, 0, logits.length, p.topK(), max)
                            .length > Ranking.RANK_SORT_MAX) {
                        sortedRows[0]++;
                    }
                    double[] sparse = new double[logits.length];
                    double[] dense = new double[logits.length];
                    Sampler.distribution(sparse, logits, 0, logits.length, p);
                    DenseRow.write(dense, logits, 0, logits.length, p, max);
                    for (int i = 0; i < logits.length; i++) {
                        assertEquals(Double.doubleToRawLongBits(dense[i]), Double.doubleToRawLongBits(sparse[i]),
                                p + " token " + i + " of " + logits.length + ": " + dense[i] + " vs " + sparse[i]);
                    }
                });
        assertTrue(sortedRows[0] >= 30, "only " + sortedRows[0] + " rows had too many candidates for the rank sort");
    }

    /** sampleDistribution is distribution then sample: the same row bit for bit and the same token, for every route. */
    @Test
    void sampleDistributionIsDistributionThenSample() {
        Gen<float[]> rows = integers().between(1, 700).zip(integers().all(), (vocab, seed) -> {
            java.util.Random random = new java.util.Random(seed);
            float[] logits = new float[vocab];
            for (int i = 0; i < vocab; i++) {
                logits[i] = Math.floorMod(seed, 4) == 0 ? random.nextInt(5) * 0.5f : (float) random.nextGaussian() * 4;
            }
            if (Math.floorMod(seed, 7) == 0) logits[random.nextInt(vocab)] = Float.POSITIVE_INFINITY;
            if (Math.floorMod(seed, 5) == 0) logits[random.nextInt(vocab)] = Float.NEGATIVE_INFINITY;
            return logits;
        }).assuming(logits -> Arrays.stream(toDoubles(logits)).anyMatch(x -> x > Double.NEGATIVE_INFINITY));
        Gen<Double> u = doubles().between(0, Math.nextDown(1.0))
                .mix(Generate.pick(List.of(0.0, Math.nextDown(1.0))), 10);
        qt().withFixedSeed(SEED).withExamples(3000).forAll(rows, params(), u).checkAssert((logits, p, coin) -> {
            double[] expected = new double[logits.length];
            Sampler.distribution(expected, logits, 0, logits.length, p);
            double[] row = new double[logits.length];
            int token = Sampler.sampleDistribution(row, logits, 0, logits.length, p, coin);
            for (int i = 0; i < row.length; i++) {
                assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(row[i]),
                        p + " token " + i);
            }
            assertEquals(Sampler.sample(expected, coin), token, p + ", u = " + coin);
        });
    }

    @Test
    void sampleReturnsAPositiveProbabilityIndexForEveryU() {
        Gen<double[]> probs = lists().of(doubles().between(0, 1).mix(Generate.constant(0.0), 50))
                .ofSizeBetween(1, 20).map(values -> values.stream().mapToDouble(Double::doubleValue).toArray())
                .assuming(values -> Arrays.stream(values).sum() > 0);
        Gen<Double> u = doubles().between(0, Math.nextDown(1.0))
                .mix(Generate.pick(List.of(0.0, Math.nextDown(1.0), 0.5)), 20);
        qt().withFixedSeed(SEED).withExamples(5000).forAll(probs, u).checkAssert((row, coin) -> {
            int token = Sampler.sample(row, coin);
            assertTrue(token >= 0 && token < row.length && row[token] > 0,
                    "u = " + coin + " gave " + token + " of " + Arrays.toString(row));
        });
    }

    /** The documented pipeline written the obvious way: a full sort by (logit desc, id asc). */
    private static double[] reference(float[] logits, SamplingParams params) {
        int vocab = logits.length;
        double[] probs = new double[vocab];
        if (params.isGreedy()) {
            int best = 0;
            for (int i = 1; i < vocab; i++) if (logits[i] > logits[best]) best = i;
            probs[best] = 1;
            return probs;
        }
        double max = Double.NEGATIVE_INFINITY, mass = 0;
        for (float logit : logits) max = Math.max(max, logit / (double) params.temperature());
        for (int i = 0; i < vocab; i++) mass += probs[i] = Math.exp(logits[i] / (double) params.temperature() - max);
        for (int i = 0; i < vocab; i++) probs[i] /= mass;
        List<Integer> ranked = new ArrayList<>();
        for (int i = 0; i < vocab; i++) ranked.add(i);
        ranked.sort(Comparator.<Integer>comparingDouble(i -> -logits[i]).thenComparingInt(i -> i));
        int limit = params.topK() > 0 ? Math.min(params.topK(), vocab) : vocab;
        double limitMass = 0;
        if (limit == vocab) {
            for (double prob : probs) limitMass += prob;
        } else {
            for (int n = 0; n < limit; n++) limitMass += probs[ranked.get(n)];
        }
        int kept = 0;
        double keptMass = 0;
        while (kept < limit && (kept == 0 || params.topP() == 1 || keptMass < params.topP() * limitMass)) {
            keptMass += probs[ranked.get(kept++)];
        }
        for (int n = kept; n < vocab; n++) probs[ranked.get(n)] = 0;
        double top = Arrays.stream(probs).max().orElseThrow();
        for (int i = 0; i < vocab; i++) if (probs[i] < params.minP() * top) probs[i] = 0;
        double total = Arrays.stream(probs).sum();
        for (int i = 0; i < vocab; i++) probs[i] /= total;
        return probs;
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) out[i] = values[i];
        return out;
    }
}
