package org.specula.speculative;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.specula.sampling.Sampler;
import org.specula.speculative.SpeculativeSampling.TargetRows;
import org.specula.speculative.SpeculativeSamplingChiSquareTest.Check;
import org.specula.speculative.TreeSampling.TreeVerdict;

/**
 * Layer 2 of the proof for trees (SPECULATIVE.md, "Trees"): the real {@link TreeSampling#verify}, {@link Sampler} and
 * {@link org.specula.sampling.Uniforms}, drawn as the decoder draws them: step after step, u[d] =
 * {@code TreeSampling.uniform(seed, L, d)} with L the tokens committed so far. Vocab 8, N = 100 000 observations per
 * output position (the first committed token, the token emitted off the tree at the root, the token after an accepted
 * root child, the bonus token after the deepest leaf), each checked as {@link SpeculativeSamplingChiSquareTest} checks
 * the chain's: chi-square at α = 1e-4, total variation below 0.007, no zero-probability token. A wrong rule (siblings
 * tried with one uniform that is never renormalised, then a draw from the whole row) must fail the same check.
 */
class TreeSamplingChiSquareTest {
    private static final int N = 100_000;

    // Root children: token 4 (node 0), token 3 (node 1, which the root gives probability 0), token 6 (node 2).
    // Node 0 has children 2 (node 3) and 7 (node 4); node 3 has child 5 (node 5), the deepest leaf.
    private static final DraftTree TREE = new DraftTree(new int[] {4, 3, 6, 2, 7, 5}, new int[] {-1, -1, -1, 0, 0, 3},
            6);
    private static final double[] ROOT = {0.20, 0.05, 0.15, 0, 0.40, 0.05, 0.10, 0.05};
    // ROOT without its children's tokens 4, 3 and 6, over the remaining 0.5.
    private static final double[] OFF_TREE = {0.40, 0.10, 0.30, 0, 0, 0.10, 0, 0.10};
    private static final double[] AFTER_4 = {0.05, 0.10, 0.45, 0.05, 0.05, 0.10, 0.05, 0.15};
    private static final double[] AFTER_4_2 = {0.05, 0.05, 0.05, 0.05, 0.05, 0.55, 0.10, 0.10};
    private static final double[] BONUS = {0.30, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10};
    private static final double[] UNIFORM = {0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125};
    // Row 0 the root's, row 1 + i node i's. Reaching node 5 has probability 0.4 · 0.45 · 0.55 ≈ 0.1.
    private static final double[][] ROWS = {ROOT, AFTER_4, UNIFORM, UNIFORM, AFTER_4_2, UNIFORM, BONUS};

    /** What a step committed: the accepted path's tokens then the emitted one, and whether that was a bonus. */
    record Outcome(int[] committed, boolean bonus) {}

    @FunctionalInterface
    interface Rule {
        Outcome verify(DraftTree tree, double[][] rows, double[] u);
    }

    static Outcome real(DraftTree tree, double[][] rows, double[] u) {
        TreeVerdict verdict = TreeSampling.verify(tree, TargetRows.of(rows), u);
        return new Outcome(verdict.committedTokens(tree), verdict.bonus());
    }

    /** A plausible bug: siblings tried in order against one u that is never renormalised, then a draw from all of p. */
    static Outcome unrenormalised(DraftTree tree, double[][] rows, double[] u) {
        int[] committed = new int[tree.maxDepth() + 1];
        int node = DraftTree.ROOT, depth = 0;
        while (true) {
            double[] row = rows[node + 1];
            int accepted = -1;
            for (int c = tree.firstChild(node); c >= 0 && accepted < 0; c = tree.nextSibling(c)) {
                if (u[depth] < row[tree.tokens()[c]]) accepted = c;
            }
            if (accepted < 0) {
                committed[depth] = Sampler.sample(row, u[depth]);
                return new Outcome(Arrays.copyOf(committed, depth + 1), tree.firstChild(node) < 0);
            }
            committed[depth++] = tree.tokens()[accepted];
            node = accepted;
        }
    }

    enum Observed { FIRST, OFF_TREE, AFTER_4, BONUS }

    @Test
    void theRealRuleMatchesTheExactLawAtEveryOutputPosition() {
        check(TreeSamplingChiSquareTest::real, Observed.FIRST, 31, ROOT).assertPasses();
        check(TreeSamplingChiSquareTest::real, Observed.OFF_TREE, 32, OFF_TREE).assertPasses();
        check(TreeSamplingChiSquareTest::real, Observed.AFTER_4, 33, AFTER_4).assertPasses();
        check(TreeSamplingChiSquareTest::real, Observed.BONUS, 34, BONUS).assertPasses();
    }

    @Test
    void theCheckRejectsARuleThatDoesNotRenormalise() {
        Check first = check(TreeSamplingChiSquareTest::unrenormalised, Observed.FIRST, 31, ROOT);
        Check offTree = check(TreeSamplingChiSquareTest::unrenormalised, Observed.OFF_TREE, 32, OFF_TREE);
        assertFalse(first.passes(), "the check must catch the wrong rule at the first token: " + first);
        assertFalse(offTree.passes(), "the check must catch the wrong rule off the tree: " + offTree);
        assertTrue(first.totalVariation() > 0.1, first.toString());
    }

    @Test
    void theRowsAreDistributions() {
        for (double[] row : new double[][] {ROOT, OFF_TREE, AFTER_4, AFTER_4_2, BONUS, UNIFORM}) {
            double mass = 0;
            for (double p : row) mass += p;
            assertEquals(1, mass, 1e-12);
        }
    }

    /** Decodes step after step, as the decoder would, until N tokens have been observed at {@code observed}. */
    private static Check check(Rule rule, Observed observed, long seed, double[] exactLaw) {
        long[] counts = new long[exactLaw.length];
        double[] u = new double[TREE.maxDepth() + 1];
        int seen = 0;
        for (int committedLength = 0; seen < N; ) {
            for (int d = 0; d < u.length; d++) u[d] = TreeSampling.uniform(seed, committedLength, d);
            Outcome outcome = rule.verify(TREE, ROWS, u);
            int[] committed = outcome.committed();
            committedLength += committed.length;
            int token = switch (observed) {
                case FIRST -> committed[0];
                case OFF_TREE -> committed.length == 1 ? committed[0] : -1;
                case AFTER_4 -> committed.length >= 2 && committed[0] == 4 ? committed[1] : -1;
                case BONUS -> committed.length == 4 && outcome.bonus() ? committed[3] : -1;
            };
            if (token >= 0) {
                counts[token]++;
                seen++;
            }
        }
        return Check.of(observed.toString(), counts, exactLaw);
    }
}
