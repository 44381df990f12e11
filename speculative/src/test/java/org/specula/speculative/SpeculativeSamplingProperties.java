package org.specula.speculative;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.specula.sampling.Sampler;
import org.specula.sampling.SamplingParams;
import org.specula.speculative.Rows.Kind;
import org.specula.speculative.Rows.Pair;
import org.specula.speculative.SpeculativeSampling.TargetRows;
import org.specula.speculative.SpeculativeSampling.Verdict;

/**
 * Layer 1 of the proof (SPECULATIVE.md): exact laws, no sampling. A verify step is a deterministic function of its
 * uniforms, piecewise constant on cells bounded by the acceptance thresholds min(1, p/q) and the CDF points of the
 * target and residual rows. Calling the real {@link SpeculativeSampling#verify} once per cell (at its midpoint) and
 * weighting by cell width gives the exact law of what it emits, which must equal the target's law to 1e-12.
 */
class SpeculativeSamplingProperties {
    private static final long SEED = 0x5BEC5L;
    private static final double TOLERANCE = 1e-12;

    private static final Gen<Integer> VOCAB = integers().between(2, 8);
    private static final Gen<Kind> KIND = Generate.enumValues(Kind.class);

    @Test
    void residualIsADistributionSupportedWhereTargetExceedsDraft() {
        qt().withFixedSeed(SEED).withExamples(2000).forAll(VOCAB, longs().all(), KIND).checkAssert((vocab, seed,
                kind) -> {
            Pair pair = Rows.pair(kind, new SplittableRandom(seed), vocab);
            double[] out = new double[vocab];
            Rows.residual(out, pair.targetRow(), pair.draftRow());
            double mass = 0, rawMass = 0;
            for (int j = 0; j < vocab; j++) {
                mass += out[j];
                rawMass += Math.max(0, pair.targetRow()[j] - pair.draftRow()[j]);
            }
            assertEquals(1.0, mass, TOLERANCE);
            for (int j = 0; j < vocab; j++) {
                double expected = rawMass <= 1e-12 ? pair.targetRow()[j]
                        : Math.max(0, pair.targetRow()[j] - pair.draftRow()[j]) / rawMass;
                assertEquals(expected, out[j], TOLERANCE, kind + " token " + j);
            }
        });
    }

    /**
     * Residual.sample against the residual as stated, then sample: the same row bit for bit and the same token, on
     * rows of every kind up to 300 tokens and uniforms at the ends too.
     */
    @Test
    void residualSampleIsResidualThenSample() {
        Gen<Double> u = doubles().between(0, Math.nextDown(1.0)).mix(Generate.pick(List.of(0.0, Math.nextDown(1.0))), 10);
        qt().withFixedSeed(SEED).withExamples(3000).forAll(integers().between(2, 300), longs().all(), KIND, u)
                .checkAssert((vocab, seed, kind, coin) -> {
                    Pair pair = Rows.pair(kind, new SplittableRandom(seed), vocab);
                    double[] expected = new double[vocab];
                    Residual residual = new Residual(vocab);
                    Rows.residual(expected, pair.targetRow(), pair.draftRow());
                    int token = residual.sample(pair.targetRow(), pair.draftRow(), coin);
                    double[] row = residual.row();
                    for (int j = 0; j < vocab; j++) {
                        assertEquals(Double.doubleToRawLongBits(expected[j]), Double.doubleToRawLongBits(row[j]),
                                kind + " token " + j + " of " + vocab);
                    }
                    assertEquals(Sampler.sample(expected, coin), token, kind + ", u = " + coin);
                });
    }

    /**
     * The decoder's target rows draw a row they only sample from without building and scanning it (top-k rows);
     * verify must give the verdict it gives with rows built in full. Logit rows of 2..600 tokens, filters at random
     * (high min-p makes one-hot draft rows, which take the draw), uniforms at random.
     */
    @Test
    void drawingTargetRowsGivesTheVerdictOfFullRows() {
        Gen<SamplingParams> params = integers().between(1, 8).zip(integers().between(0, 50), integers().between(0, 3),
                (t, topK, minP) -> new SamplingParams(t * 0.25f, topK, topK % 3 == 0 ? 1f : 0.9f,
                        new float[]{0f, 0.05f, 0.3f, 0.9f}[minP]));
        qt().withFixedSeed(SEED).withExamples(1500).forAll(integers().between(2, 600), integers().between(0, 5),
                longs().all(), params).checkAssert((vocab, k, seed, p) -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    float[] targetLogits = new float[(k + 1) * vocab];
                    for (int i = 0; i < targetLogits.length; i++) targetLogits[i] = (float) (random.nextDouble() * 12);
                    int[] drafts = new int[k];
                    double[][] draftRows = new double[k][vocab];
                    double[] acceptU = new double[k + 1], sampleU = new double[k + 1];
                    for (int i = 0; i < k; i++) {
                        float[] draftLogits = new float[vocab];
                        for (int j = 0; j < vocab; j++) {
                            // the draft often agrees with the target, so verdicts reach later positions
                            draftLogits[j] = targetLogits[i * vocab + j] + (float) (random.nextDouble() * 2);
                        }
                        drafts[i] = Sampler.sampleDistribution(draftRows[i], draftLogits, 0, vocab, p,
                                random.nextDouble());
                    }
                    for (int i = 0; i <= k; i++) {
                        acceptU[i] = random.nextDouble();
                        sampleU[i] = random.nextDouble();
                    }
                    double[][] full = new double[k + 1][vocab];
                    for (int i = 0; i <= k; i++) Sampler.distribution(full[i], targetLogits, i * vocab, vocab, p);
                    Verdict expected = SpeculativeSampling.verify(drafts, draftRows, TargetRows.of(full), k, acceptU,
                            sampleU, new Residual(vocab));
                    double[][] lazy = new double[k + 1][vocab];
                    TargetRows rows = new TargetRows() {
                        @Override
                        public double[] row(int i) {
                            Sampler.distribution(lazy[i], targetLogits, i * vocab, vocab, p);
                            return lazy[i];
                        }

                        @Override
                        public int draw(int i, double u) {
                            return Sampler.sampleDistribution(lazy[i], targetLogits, i * vocab, vocab, p, u);
                        }
                    };
                    assertEquals(expected, SpeculativeSampling.verify(drafts, draftRows, rows, k, acceptU, sampleU,
                            new Residual(vocab)), p + ", k = " + k + ", vocab " + vocab);
                });
    }

    /**
     * The greedy shortcut against the general rule: for one-hot target rows, random draft laws of every kind (drafts
     * drawn where q &gt; 0, so sometimes the target's token and sometimes not) and random uniforms, verifyGreedy gives
     * the verdict verify gives.
     */
    @Test
    void greedyVerifyEqualsVerifyWithOneHotTargetRows() {
        qt().withFixedSeed(SEED).withExamples(3000).forAll(VOCAB, longs().all(), KIND, integers().between(0, 4))
                .checkAssert((vocab, seed, kind, k) -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    int[] targetTokens = new int[k + 1];
                    double[][] targetRows = new double[k + 1][];
                    for (int i = 0; i <= k; i++) {
                        targetTokens[i] = random.nextInt(vocab);
                        targetRows[i] = Rows.oneHot(vocab, targetTokens[i]);
                    }
                    int[] drafts = new int[k];
                    double[][] draftRows = new double[k][];
                    for (int i = 0; i < k; i++) {
                        draftRows[i] = Rows.pair(kind, random, vocab).draftRow();
                        // the target's token when the law allows it, half the time: long accepted runs occur
                        boolean hit = draftRows[i][targetTokens[i]] > 0 && random.nextBoolean();
                        drafts[i] = hit ? targetTokens[i] : drawn(draftRows[i], random.nextDouble());
                    }
                    double[] acceptU = new double[k + 1], sampleU = new double[k + 1];
                    for (int i = 0; i <= k; i++) {
                        acceptU[i] = random.nextDouble();
                        sampleU[i] = random.nextDouble();
                    }
                    Verdict general = SpeculativeSampling.verify(drafts, draftRows, TargetRows.of(targetRows), k,
                            acceptU, sampleU, new Residual(vocab));
                    Verdict greedy = SpeculativeSampling.verifyGreedy(drafts, k, i -> targetTokens[i]);
                    assertEquals(general, greedy, kind + " k = " + k);
                });
    }

    // The index where u falls in row's cumulative mass: a token the row gives positive probability.
    private static int drawn(double[] row, double u) {
        double total = 0;
        for (double p : row) total += p;
        double cumulative = 0;
        int last = -1;
        for (int j = 0; j < row.length; j++) {
            if (row[j] > 0) {
                last = j;
                cumulative += row[j];
                if (cumulative > u * total) return j;
            }
        }
        return last;
    }

    /** P(emit y) = Σ_x q(x)·[min(1, p(x)/q(x))·[x = y] + (1 − min(1, p(x)/q(x)))·residual(y)] = p(y). */
    @Test
    void oneStepLawByTheAcceptanceFormulaIsTheTargetRow() {
        qt().withFixedSeed(SEED).withExamples(3000).forAll(VOCAB, longs().all(), KIND).checkAssert((vocab, seed,
                kind) -> {
            Pair pair = Rows.pair(kind, new SplittableRandom(seed), vocab);
            double[] targetRow = pair.targetRow(), draftRow = pair.draftRow(), residual = new double[vocab];
            Rows.residual(residual, targetRow, draftRow);
            double[] law = new double[vocab];
            for (int x = 0; x < vocab; x++) {
                if (draftRow[x] == 0) continue;
                double acceptance = Math.min(1, targetRow[x] / draftRow[x]);
                law[x] += draftRow[x] * acceptance;
                for (int y = 0; y < vocab; y++) law[y] += draftRow[x] * (1 - acceptance) * residual[y];
            }
            for (int y = 0; y < vocab; y++) assertEquals(targetRow[y], law[y], TOLERANCE, kind + " token " + y);
        });
    }

    /** k = 1 through the real verify: the first emitted token has law p; the bonus, given acceptance, p of row 1. */
    @Test
    void oneVerifyStepThroughTheRealCodeEmitsTheTargetLaw() {
        qt().withFixedSeed(SEED).withExamples(1000).forAll(VOCAB, longs().all(), KIND).checkAssert((vocab, seed,
                kind) -> {
            PrefixModel model = new PrefixModel(seed, kind, vocab);
            Map<List<Integer>, Double> law = exactBlockLaw(model, 1);
            assertLawsEqual(targetLaw(model, 1), completedLaw(model, law, 1), kind + " first token");
        });
    }

    /**
     * The whole k-block (k = 0..3), every draft sequence enumerated with its q-probability, rows depending on the
     * prefix: the emitted sequence, completed by the target's own continuation where the block stopped early, has the
     * target's autoregressive law for every length m = 1..k+1 (m = 1 is the law of the first emitted token).
     */
    @Test
    void wholeBlockEmitsTheTargetsAutoregressiveLaw() {
        qt().withFixedSeed(SEED).withExamples(300)
                .forAll(VOCAB, integers().between(0, 3), longs().all(), KIND)
                .checkAssert((vocab, k, seed, kind) -> {
                    PrefixModel model = new PrefixModel(seed, kind, vocab);
                    Map<List<Integer>, Double> law = exactBlockLaw(model, k);
                    for (int m = 1; m <= k + 1; m++) {
                        assertLawsEqual(targetLaw(model, m), completedLaw(model, law, m),
                                kind + ", vocab " + vocab + ", k " + k + ", length " + m);
                    }
                });
    }

    /**
     * A deterministic drafter's block, every draft row one-hot (n-gram lookup, argmax heads): the drafted token is a
     * function of the prefix, half the time one the target may emit, so long accepted runs occur. k = 0..4; the same
     * law as any other block.
     */
    @Test
    void wholeBlockOfOneHotDraftsEmitsTheTargetsAutoregressiveLaw() {
        qt().withFixedSeed(SEED).withExamples(500)
                .forAll(VOCAB, integers().between(0, 4), longs().all(), KIND)
                .checkAssert((vocab, k, seed, kind) -> {
                    PrefixModel model = new PrefixModel(seed, kind, vocab, true);
                    Map<List<Integer>, Double> law = exactBlockLaw(model, k);
                    for (int m = 1; m <= k + 1; m++) {
                        assertLawsEqual(targetLaw(model, m), completedLaw(model, law, m),
                                "one-hot drafts, target rows " + kind + ", vocab " + vocab + ", k " + k
                                        + ", length " + m);
                    }
                });
    }

    /**
     * Target and draft rows as a function of the prefix drafted so far (a seeded function, memoised): the pair at each
     * prefix is of the dominant kind half the time and of a random kind otherwise; with oneHotDrafts every draft row
     * is a point mass instead.
     */
    static final class PrefixModel {
        final int vocab;
        private final long seed;
        private final Kind dominant;
        private final boolean oneHotDrafts;
        private final Map<List<Integer>, Pair> pairs = new HashMap<>();

        PrefixModel(long seed, Kind dominant, int vocab) {
            this(seed, dominant, vocab, false);
        }

        PrefixModel(long seed, Kind dominant, int vocab, boolean oneHotDrafts) {
            this.seed = seed;
            this.dominant = dominant;
            this.vocab = vocab;
            this.oneHotDrafts = oneHotDrafts;
        }

        Pair at(List<Integer> prefix) {
            return pairs.computeIfAbsent(List.copyOf(prefix), key -> {
                SplittableRandom random = new SplittableRandom(seed + 0x9E3779B97F4A7C15L * (key.hashCode() + 1L));
                Kind[] kinds = Kind.values();
                Kind kind = key.isEmpty() || random.nextBoolean() ? dominant : kinds[random.nextInt(kinds.length)];
                Pair pair = Rows.pair(kind, random, vocab);
                if (!oneHotDrafts) {
                    return pair;
                }
                int token = random.nextBoolean() ? drawn(pair.targetRow(), random.nextDouble())
                        : random.nextInt(vocab);
                return new Pair(pair.targetRow(), Rows.oneHot(vocab, token));
            });
        }
    }

    /** The exact law of the tokens one verify call emits (accepted drafts, then the residual or bonus token). */
    static Map<List<Integer>, Double> exactBlockLaw(PrefixModel model, int k) {
        Map<List<Integer>, Double> law = new HashMap<>();
        enumerateDrafts(model, k, new ArrayList<>(), 1.0, law);
        return law;
    }

    private static void enumerateDrafts(PrefixModel model, int k, List<Integer> drafts, double weight,
                                        Map<List<Integer>, Double> law) {
        if (drafts.size() == k) {
            new CellWalk(model, drafts, law).walk(0, weight);
            return;
        }
        double[] draftRow = model.at(drafts).draftRow();
        for (int x = 0; x < model.vocab; x++) {
            if (draftRow[x] == 0) continue;
            drafts.add(x);
            enumerateDrafts(model, k, drafts, weight * draftRow[x], law);
            drafts.removeLast();
        }
    }

    /** Walks the cells of (acceptU[i], sampleU[i]) position by position for one fixed draft sequence. */
    private static final class CellWalk {
        private final int k;
        private final int[] draftTokens;
        private final double[][] draftProbs, targetProbs;
        private final double[] acceptU, sampleU;
        private final Residual scratch;
        private final List<Integer> drafts;
        private final Map<List<Integer>, Double> law;

        CellWalk(PrefixModel model, List<Integer> drafts, Map<List<Integer>, Double> law) {
            this.k = drafts.size();
            this.drafts = drafts;
            this.law = law;
            draftTokens = drafts.stream().mapToInt(Integer::intValue).toArray();
            draftProbs = new double[k][];
            targetProbs = new double[k + 1][];
            for (int i = 0; i <= k; i++) {
                Pair pair = model.at(drafts.subList(0, i));
                targetProbs[i] = pair.targetRow();
                if (i < k) draftProbs[i] = pair.draftRow();
            }
            acceptU = new double[k];
            sampleU = new double[k + 1];
            scratch = new Residual(model.vocab);
        }

        /** Positions before {@code level} hold uniforms that accept; weight is the mass of reaching here. */
        void walk(int level, double weight) {
            List<double[]> acceptCells = level < k ? cells(acceptanceBreakpoints(level)) : List.of(new double[] {0, 1});
            List<double[]> sampleCells = cells(sampleBreakpoints(level));
            double acceptedWeight = 0, acceptingU = 0, acceptingSampleU = 0;
            for (double[] acceptCell : acceptCells) {
                for (double[] sampleCell : sampleCells) {
                    if (level < k) acceptU[level] = midpoint(acceptCell);
                    sampleU[level] = midpoint(sampleCell);
                    for (int later = level + 1; later <= k; later++) {
                        sampleU[later] = 0.5;
                        if (later < k) acceptU[later] = 0.5;
                    }
                    Verdict verdict = SpeculativeSampling.verify(draftTokens, draftProbs, TargetRows.of(targetProbs),
                            k, acceptU, sampleU, scratch);
                    double cellWeight = weight * width(acceptCell) * width(sampleCell);
                    if (verdict.acceptedCount() > level) {
                        acceptedWeight += cellWeight;
                        acceptingU = level < k ? acceptU[level] : 0;
                        acceptingSampleU = sampleU[level];
                    } else {
                        assertEquals(level, verdict.acceptedCount(), "verdict skipped a position");
                        assertEquals(level == k, verdict.bonus(), "bonus flag");
                        List<Integer> emitted = new ArrayList<>(drafts.subList(0, level));
                        emitted.add(verdict.emittedToken());
                        law.merge(emitted, cellWeight, Double::sum);
                    }
                }
            }
            if (acceptedWeight > 0) {
                acceptU[level] = acceptingU;
                sampleU[level] = acceptingSampleU;
                walk(level + 1, acceptedWeight);
            }
        }

        private TreeSet<Double> acceptanceBreakpoints(int level) {
            TreeSet<Double> points = unitEnds();
            double draftProb = draftProbs[level][draftTokens[level]];
            if (draftProb > 0) points.add(Math.min(1, targetProbs[level][draftTokens[level]] / draftProb));
            return points;
        }

        private TreeSet<Double> sampleBreakpoints(int level) {
            TreeSet<Double> points = unitEnds();
            addCdf(points, targetProbs[level]);
            if (level < k) {
                double[] residual = new double[targetProbs[level].length];
                for (int j = 0; j < residual.length; j++) {
                    residual[j] = Math.max(0, targetProbs[level][j] - draftProbs[level][j]);
                }
                addCdf(points, residual);
            }
            return points;
        }
    }

    private static TreeSet<Double> unitEnds() {
        TreeSet<Double> points = new TreeSet<>();
        points.add(0.0);
        points.add(1.0);
        return points;
    }

    private static void addCdf(Set<Double> points, double[] row) {
        double total = 0, cumulative = 0;
        for (double value : row) total += value;
        if (total == 0) return;
        for (double value : row) {
            cumulative += value;
            points.add(Math.min(1, cumulative / total));
        }
    }

    private static List<double[]> cells(TreeSet<Double> points) {
        List<double[]> cells = new ArrayList<>();
        Double previous = null;
        for (double point : points) {
            if (previous != null && point > previous) cells.add(new double[] {previous, point});
            previous = point;
        }
        return cells;
    }

    private static double midpoint(double[] cell) {
        return Math.min(cell[0] + (cell[1] - cell[0]) / 2, Math.nextDown(1.0));
    }

    private static double width(double[] cell) {
        return cell[1] - cell[0];
    }

    /** Laws.completed over this model's target rows. */
    static Map<List<Integer>, Double> completedLaw(PrefixModel model, Map<List<Integer>, Double> stepLaw, int m) {
        return Laws.completed(prefix -> model.at(prefix).targetRow(), model.vocab, stepLaw, m);
    }

    /** Laws.target over this model's target rows. */
    static Map<List<Integer>, Double> targetLaw(PrefixModel model, int m) {
        return Laws.target(prefix -> model.at(prefix).targetRow(), model.vocab, m);
    }

    private static void assertLawsEqual(Map<List<Integer>, Double> expected, Map<List<Integer>, Double> actual,
                                        String what) {
        Laws.assertEqual(expected, actual, TOLERANCE, what);
    }
}
