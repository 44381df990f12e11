package org.specula.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.specula.sampling.Sampler;
import org.specula.speculative.Rows.Kind;
import org.specula.speculative.SpeculativeSampling.TargetRows;
import org.specula.speculative.SpeculativeSampling.Verdict;
import org.specula.speculative.TreeSampling.TreeVerdict;

/**
 * Layer 1 of the proof for trees (SPECULATIVE.md, "Trees"): exact laws, no sampling. Given the uniforms of the depths
 * above, {@link TreeSampling#verify} depends on the uniform of depth d only through which cell of the current node's
 * CDF it falls in. So walking those cells depth by depth, calling the real verify once per cell (at its midpoint) and
 * weighting by cell widths, integrates over the uniforms exactly: it gives the law of the committed tokens (the
 * accepted path's, then the emitted one). The cells' ends are computed as the sampler computes its thresholds, so a
 * misjudged cell is one of width a few ulps: at most ~1e-15 of mass per node, far inside the 1e-12 tolerance.
 *
 * <p>The reference is the target's autoregressive law, the row after a prefix being the node's row when the prefix is
 * a path of the tree and an off-tree row (its own, random, per prefix) otherwise. Trees have 0..7 nodes over 2..8
 * tokens, shapes at random, candidates half the time drawn from their parent's row (so long paths are accepted), rows
 * of every {@link Kind} (zeros, ties, certain tokens).
 */
class TreeSamplingProperties {
    private static final long SEED = 0x7EE5L;
    private static final double TOLERANCE = 1e-12;

    private static final Gen<Integer> VOCAB = integers().between(2, 8);
    private static final Gen<Integer> NODES = integers().between(0, 7);
    private static final Gen<Kind> KIND = Generate.enumValues(Kind.class);

    @Test
    void committedTokensHaveTheTargetsAutoregressiveLaw() {
        AtomicInteger deep = new AtomicInteger(); // examples that commit 4 tokens or more with positive probability
        qt().withFixedSeed(SEED).withExamples(600).forAll(VOCAB, NODES, longs().all(), KIND)
                .checkAssert((vocab, nodes, seed, kind) -> {
                    TreeModel model = new TreeModel(seed, kind, vocab, nodes);
                    Map<List<Integer>, Double> law = exactVerifyLaw(model);
                    for (int m = 1; m <= model.tree.maxDepth() + 1; m++) {
                        assertLawsEqual(targetLaw(model, m), completedLaw(model, law, m), kind + ", vocab " + vocab
                                + ", " + model.tree.count() + " nodes " + Arrays.toString(model.tree.parents())
                                + ", length " + m);
                    }
                    if (law.keySet().stream().anyMatch(committed -> committed.size() >= 4)) deep.incrementAndGet();
                });
        assertTrue(deep.get() >= 50, "only " + deep + " of 600 trees reach depth 3");
    }

    /** The token-for-token identity: committed token d is sample(row after tokens 0..d−1, u[d]), plain decoding's. */
    @Test
    void committedTokensArePlainSamplingsWithTheSameUniforms() {
        qt().withFixedSeed(SEED).withExamples(3000).forAll(VOCAB, NODES, longs().all(), KIND)
                .checkAssert((vocab, nodes, seed, kind) -> {
                    TreeModel model = new TreeModel(seed, kind, vocab, nodes);
                    double[] u = uniforms(new SplittableRandom(~seed), model.tree.maxDepth() + 1);
                    int[] committed = TreeSampling.verify(model.tree, TargetRows.of(model.rows), u)
                            .committedTokens(model.tree);
                    List<Integer> prefix = new ArrayList<>();
                    for (int d = 0; d < committed.length; d++) {
                        assertEquals(Sampler.sample(model.rowAt(prefix), u[d]), committed[d], "depth " + d);
                        prefix.add(committed[d]);
                    }
                });
    }

    /** verifyGreedy against verify with one-hot rows at random argmaxes (half the time a child's token). */
    @Test
    void greedyVerifyEqualsVerifyWithOneHotTargetRows() {
        qt().withFixedSeed(SEED).withExamples(3000).forAll(VOCAB, NODES, longs().all(), KIND)
                .checkAssert((vocab, nodes, seed, kind) -> {
                    TreeModel model = new TreeModel(seed, kind, vocab, nodes);
                    SplittableRandom random = new SplittableRandom(~seed);
                    DraftTree tree = model.tree;
                    int[] argmax = new int[tree.count() + 1];
                    double[][] oneHot = new double[tree.count() + 1][];
                    for (int r = 0; r <= tree.count(); r++) {
                        int child = tree.firstChild(r - 1);
                        argmax[r] = child >= 0 && random.nextBoolean() ? tree.tokens()[child] : random.nextInt(vocab);
                        oneHot[r] = Rows.oneHot(vocab, argmax[r]);
                    }
                    double[] u = uniforms(random, tree.maxDepth() + 1);
                    assertSameVerdict(TreeSampling.verify(tree, TargetRows.of(oneHot), u),
                            TreeSampling.verifyGreedy(tree, r -> argmax[r]), tree);
                });
    }

    /**
     * A chain as a one-branch tree gives the chain rule's verdict: {@link SpeculativeSampling#verify} with one-hot
     * draft rows and sampleU = u, at any temperature, and {@link SpeculativeSampling#verifyGreedy} at temperature 0.
     */
    @Test
    void aChainTreeGivesTheChainRulesVerdict() {
        qt().withFixedSeed(SEED).withExamples(3000).forAll(VOCAB, integers().between(0, 5), longs().all(), KIND)
                .checkAssert((vocab, k, seed, kind) -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    double[][] targetRows = new double[k + 1][];
                    for (int i = 0; i <= k; i++) targetRows[i] = Rows.pair(kind, random, vocab).targetRow();
                    int[] drafts = new int[k];
                    double[][] draftRows = new double[k][];
                    for (int i = 0; i < k; i++) {
                        drafts[i] = random.nextBoolean() ? Sampler.sample(targetRows[i], random.nextDouble())
                                : random.nextInt(vocab);
                        draftRows[i] = Rows.oneHot(vocab, drafts[i]);
                    }
                    double[] u = uniforms(random, k + 1);
                    DraftTree chain = DraftTree.chain(drafts, k);
                    Verdict expected = SpeculativeSampling.verify(drafts, draftRows, TargetRows.of(targetRows), k,
                            uniforms(random, k), u, new Residual(vocab));
                    TreeVerdict actual = TreeSampling.verify(chain, TargetRows.of(targetRows), u);
                    assertEquals(expected, new Verdict(actual.length(), actual.emittedToken(), actual.bonus()));
                    int[] argmax = new int[k + 1];
                    for (int i = 0; i <= k; i++) argmax[i] = Sampler.sample(targetRows[i], u[i]);
                    Verdict greedy = SpeculativeSampling.verifyGreedy(drafts, k, i -> argmax[i]);
                    TreeVerdict treeGreedy = TreeSampling.verifyGreedy(chain, i -> argmax[i]);
                    assertEquals(greedy, new Verdict(treeGreedy.length(), treeGreedy.emittedToken(),
                            treeGreedy.bonus()));
                });
    }

    /**
     * A random tree with a target row for the root, each node and every prefix off the tree. Siblings never repeat a
     * token: a candidate whose token its siblings hold takes the next free one, and a parent with every token taken
     * ends the tree.
     */
    static final class TreeModel {
        final int vocab;
        final DraftTree tree;
        final double[][] rows; // [1 + count][vocab]: the root's, then node i's at 1 + i
        private final long seed;
        private final Map<List<Integer>, double[]> offTree = new HashMap<>();

        TreeModel(long seed, Kind dominant, int vocab, int nodes) {
            this.seed = seed;
            this.vocab = vocab;
            SplittableRandom random = new SplittableRandom(seed);
            List<double[]> rowList = new ArrayList<>();
            rowList.add(row(dominant, random));
            int[] tokens = new int[nodes], parents = new int[nodes];
            int count = 0;
            for (; count < nodes; count++) {
                int parent = random.nextInt(count + 1) - 1;
                double[] parentRow = rowList.get(parent + 1);
                int token = random.nextBoolean() ? Sampler.sample(parentRow, random.nextDouble())
                        : random.nextInt(vocab);
                int tries = 0;
                while (tries < vocab && taken(tokens, parents, count, parent, token)) {
                    token = (token + 1) % vocab;
                    tries++;
                }
                if (tries == vocab) break;
                tokens[count] = token;
                parents[count] = parent;
                rowList.add(row(dominant, random));
            }
            tree = new DraftTree(tokens, parents, count);
            rows = rowList.toArray(double[][]::new);
        }

        private static boolean taken(int[] tokens, int[] parents, int count, int parent, int token) {
            for (int j = 0; j < count; j++) if (parents[j] == parent && tokens[j] == token) return true;
            return false;
        }

        private double[] row(Kind dominant, SplittableRandom random) {
            Kind[] kinds = Kind.values();
            Kind kind = random.nextBoolean() ? dominant : kinds[random.nextInt(kinds.length)];
            return Rows.pair(kind, random, vocab).targetRow();
        }

        /** The target's row after prefix: a node's while the prefix follows the tree, else the prefix's own. */
        double[] rowAt(List<Integer> prefix) {
            int node = DraftTree.ROOT;
            for (int token : prefix) {
                node = tree.child(node, token);
                if (node < 0) {
                    return offTree.computeIfAbsent(List.copyOf(prefix), key -> Rows.dense(
                            new SplittableRandom(seed + 0x9E3779B97F4A7C15L * (key.hashCode() + 1L)), vocab));
                }
            }
            return rows[node + 1];
        }
    }

    /** The exact law of the committed tokens of one verify call, by walking the cells of u[0], u[1], … */
    static Map<List<Integer>, Double> exactVerifyLaw(TreeModel model) {
        Map<List<Integer>, Double> law = new HashMap<>();
        double[] u = new double[model.tree.maxDepth() + 1];
        walk(model, DraftTree.ROOT, 0, 1.0, u, new ArrayList<>(), law);
        return law;
    }

    /** u[0 .. depth) reach node by the path's tokens; weight is the probability of that. */
    private static void walk(TreeModel model, int node, int depth, double weight, double[] u, List<Integer> path,
                             Map<List<Integer>, Double> law) {
        DraftTree tree = model.tree;
        double[] row = model.rows[node + 1];
        Map<Integer, double[]> reached = new LinkedHashMap<>(); // child → {weight, a uniform that reaches it}
        for (double[] cell : cells(row)) {
            u[depth] = Math.min(cell[0] + (cell[1] - cell[0]) / 2, Math.nextDown(1.0));
            Arrays.fill(u, depth + 1, u.length, 0.5);
            TreeVerdict verdict = TreeSampling.verify(tree, TargetRows.of(model.rows), u);
            double cellWeight = weight * (cell[1] - cell[0]);
            for (int d = 0; d < depth; d++) assertEquals(tree.tokens()[verdict.path()[d]], path.get(d), "path");
            if (verdict.length() > depth) {
                int child = verdict.path()[depth];
                assertEquals(node, tree.parents()[child], "a child of the current node");
                reached.computeIfAbsent(child, c -> new double[] {0, u[depth]})[0] += cellWeight;
            } else {
                assertEquals(depth, verdict.length(), "the walk stopped above the current node");
                assertEquals(tree.firstChild(node) < 0, verdict.bonus(), "bonus exactly at a leaf");
                assertEquals(-1, tree.child(node, verdict.emittedToken()), "a candidate's token is accepted");
                List<Integer> committed = new ArrayList<>(path);
                committed.add(verdict.emittedToken());
                law.merge(committed, cellWeight, Double::sum);
            }
        }
        reached.forEach((child, weightAndU) -> {
            u[depth] = weightAndU[1];
            path.add(tree.tokens()[child]);
            walk(model, child, depth + 1, weightAndU[0], u, path, law);
            path.removeLast();
        });
    }

    /** The cells of [0, 1) that the row's cumulative sums, over their total, cut it into. */
    private static List<double[]> cells(double[] row) {
        TreeSet<Double> points = new TreeSet<>(List.of(0.0, 1.0));
        double total = 0, cumulative = 0;
        for (double value : row) total += value;
        for (double value : row) {
            cumulative += value;
            points.add(Math.min(1, cumulative / total));
        }
        List<double[]> cells = new ArrayList<>();
        Double previous = null;
        for (double point : points) {
            if (previous != null && point > previous) cells.add(new double[] {previous, point});
            previous = point;
        }
        return cells;
    }

    /** Laws.completed over this model's target rows. */
    static Map<List<Integer>, Double> completedLaw(TreeModel model, Map<List<Integer>, Double> stepLaw, int m) {
        return Laws.completed(model::rowAt, model.vocab, stepLaw, m);
    }

    /** Laws.target over this model's target rows. */
    static Map<List<Integer>, Double> targetLaw(TreeModel model, int m) {
        return Laws.target(model::rowAt, model.vocab, m);
    }

    private static void assertLawsEqual(Map<List<Integer>, Double> expected, Map<List<Integer>, Double> actual,
                                        String what) {
        Laws.assertEqual(expected, actual, TOLERANCE, what);
    }

    private static void assertSameVerdict(TreeVerdict expected, TreeVerdict actual, DraftTree tree) {
        assertEquals(expected.length(), actual.length(), "length");
        assertArrayEquals(Arrays.copyOf(expected.path(), expected.length()), Arrays.copyOf(actual.path(),
                actual.length()), "path");
        assertEquals(expected.emittedToken(), actual.emittedToken(), "emitted token");
        assertEquals(expected.bonus(), actual.bonus(), "bonus");
        assertArrayEquals(expected.committedTokens(tree), actual.committedTokens(tree));
    }

    private static double[] uniforms(SplittableRandom random, int n) {
        double[] u = new double[n];
        for (int i = 0; i < n; i++) u[i] = random.nextDouble();
        return u;
    }
}
