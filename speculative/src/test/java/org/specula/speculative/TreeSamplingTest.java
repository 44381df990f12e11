package org.specula.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.specula.sampling.Sampler;
import org.specula.sampling.Uniforms;
import org.specula.speculative.SpeculativeSampling.TargetRows;
import org.specula.speculative.TreeSampling.TreeVerdict;

/** Table tests of {@link DraftTree} and {@link TreeSampling}: shapes, helpers and the rule's edge cases. */
class TreeSamplingTest {
    private static final double LAST_U = Math.nextDown(1.0);

    // Root children: token 2 (node 0), token 0 (node 1), token 3 (node 2); node 0 has children 1 (node 3) and 3
    // (node 4); node 3 has child 2 (node 5). Depths 1, 1, 1, 2, 2, 3.
    private static final DraftTree TREE = new DraftTree(new int[] {2, 0, 3, 1, 3, 2}, new int[] {-1, -1, -1, 0, 0, 3},
            6);

    @Test
    void helpersFollowTheParents() {
        assertEquals(List.of(1, 1, 1, 2, 2, 3), List.of(TREE.depth(0), TREE.depth(1), TREE.depth(2), TREE.depth(3),
                TREE.depth(4), TREE.depth(5)));
        assertEquals(3, TREE.maxDepth());
        assertEquals(List.of(0, 1, 2), children(TREE, DraftTree.ROOT));
        assertEquals(List.of(3, 4), children(TREE, 0));
        assertEquals(List.of(5), children(TREE, 3));
        assertEquals(List.of(), children(TREE, 5));
        assertEquals(4, TREE.child(0, 3));
        assertEquals(-1, TREE.child(0, 2));
        assertEquals(2, TREE.child(DraftTree.ROOT, 3));
        assertEquals(0, DraftTree.EMPTY.maxDepth());
        assertEquals(-1, DraftTree.EMPTY.firstChild(DraftTree.ROOT));
        DraftTree chain = DraftTree.chain(new int[] {5, 6, 7, 9}, 3);
        assertArrayEquals(new int[] {-1, 0, 1}, chain.parents());
        assertEquals(3, chain.maxDepth());
    }

    @Test
    void badShapesAreRefusedNamingTheNode() {
        IllegalArgumentException duplicate = assertThrows(IllegalArgumentException.class,
                () -> new DraftTree(new int[] {2, 0, 2}, new int[] {-1, -1, -1}, 3));
        assertTrue(duplicate.getMessage().contains("node 2 repeats token 2 of its sibling 0"), duplicate.getMessage());
        // the same token under different parents is fine
        new DraftTree(new int[] {2, 2, 2}, new int[] {-1, 0, 1}, 3);
        IllegalArgumentException forward = assertThrows(IllegalArgumentException.class,
                () -> new DraftTree(new int[] {1, 2}, new int[] {1, -1}, 2));
        assertTrue(forward.getMessage().contains("node 0 has parent 1"), forward.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DraftTree(new int[] {1}, new int[] {-2}, 1));
        assertThrows(IllegalArgumentException.class, () -> new DraftTree(new int[] {-1}, new int[] {-1}, 1));
        assertThrows(IllegalArgumentException.class, () -> new DraftTree(new int[] {1}, new int[] {-1, 0}, 2));
        assertThrows(IllegalArgumentException.class, () -> new DraftTree(new int[0], new int[0], -1));
        assertThrows(IllegalArgumentException.class, () -> TREE.depth(6));
        // uniforms: one per depth 0 .. maxDepth; the verdict must hold the deepest path
        TargetRows rows = i -> new double[] {0.25, 0.25, 0.25, 0.25};
        assertThrows(IllegalArgumentException.class, () -> TreeSampling.verify(TREE, rows, new double[3]));
        assertThrows(IllegalArgumentException.class, () -> TreeSampling.verify(TREE, rows, new double[4],
                new TreeVerdict(2)));
        TreeSampling.verify(TREE, rows, new double[4], new TreeVerdict(3));
    }

    @Test
    void emptyTreeIsAPlainStep() {
        double[] row = {0.1, 0.2, 0.3, 0.4};
        for (double u : new double[] {0, 0.05, 0.15, 0.35, 0.65, LAST_U}) {
            TreeVerdict verdict = TreeSampling.verify(DraftTree.EMPTY, TargetRows.of(new double[][] {row}),
                    new double[] {u});
            assertEquals(0, verdict.length());
            assertTrue(verdict.bonus());
            assertEquals(Sampler.sample(row, u), verdict.emittedToken(), "u = " + u);
        }
    }

    @Test
    void allChildrenRejectedEmitsTheTargetsTokenOffTheTree() {
        // Root children are tokens 2, 0, 3; the root row puts 0.5 on token 1, the only token off the tree.
        double[][] rows = uniformRows(0.1, 0.5, 0.2, 0.2);
        for (double u : new double[] {0.11, 0.3, 0.59}) {
            TreeVerdict verdict = TreeSampling.verify(TREE, TargetRows.of(rows), new double[] {u, 0, 0, 0});
            assertEquals(0, verdict.length(), "u = " + u);
            assertEquals(1, verdict.emittedToken());
            assertTrue(!verdict.bonus(), "a node with children emits a residual token, not a bonus");
        }
    }

    @Test
    void acceptedChildrenLeadToTheirOwnRowsAndALeafEmitsTheBonus() {
        double[][] rows = new double[7][];
        rows[0] = new double[] {0, 0, 1, 0};       // root: token 2, node 0, for certain
        rows[1] = new double[] {0, 0.5, 0, 0.5};   // node 0: token 1 (node 3) or 3 (node 4)
        for (int i = 2; i < 7; i++) rows[i] = new double[] {0.25, 0.25, 0.25, 0.25};
        rows[4] = new double[] {0, 0, 1, 0};       // node 3: token 2 (node 5) for certain
        rows[6] = new double[] {0, 0, 0, 1};       // node 5, a leaf: its bonus is token 3
        TreeVerdict verdict = TreeSampling.verify(TREE, TargetRows.of(rows), new double[] {LAST_U, 0.2, 0.9, 0.5});
        assertArrayEquals(new int[] {0, 3, 5}, Arrays.copyOf(verdict.path(), verdict.length()));
        assertEquals(3, verdict.emittedToken());
        assertTrue(verdict.bonus());
        assertArrayEquals(new int[] {2, 1, 2, 3}, verdict.committedTokens(TREE));
        // the other branch at node 0: node 4 is a leaf, whose row (5) is uniform; u[2] = 0.9 draws token 3
        verdict = TreeSampling.verify(TREE, TargetRows.of(rows), new double[] {0, 0.7, 0.9, 0.5});
        assertArrayEquals(new int[] {2, 3, 3}, verdict.committedTokens(TREE));
        assertTrue(verdict.bonus());
    }

    @Test
    void aCertainChildIsAlwaysAcceptedAndAnImpossibleOneNever() {
        double[][] rows = uniformRows(0, 0, 0, 1); // the root is certain of token 3 (node 2, the last sibling)
        double[][] impossible = uniformRows(0, 0.5, 0.5, 0); // token 0 (node 1) and 3 (node 2) have p = 0
        for (double u : new double[] {0, 0.3, 0.5, LAST_U}) {
            TreeVerdict verdict = TreeSampling.verify(TREE, TargetRows.of(rows), new double[] {u, u, u, u});
            assertArrayEquals(new int[] {2}, Arrays.copyOf(verdict.path(), verdict.length()), "u = " + u);
            verdict = TreeSampling.verify(TREE, TargetRows.of(impossible), new double[] {u, u, u, u});
            assertTrue(verdict.length() == 0 || verdict.path()[0] == 0, "u = " + u + ": " + verdict);
            assertTrue(verdict.length() > 0 || verdict.emittedToken() == 1, "u = " + u + ": " + verdict);
        }
    }

    @Test
    void onlyTheRowsOnTheAcceptedPathAreAskedFor() {
        double[][] rows = uniformRows(0.25, 0.25, 0.25, 0.25);
        List<Integer> asked = new ArrayList<>();
        TargetRows logging = new TargetRows() {
            @Override
            public double[] row(int i) {
                throw new AssertionError("verify draws; it never needs a whole row");
            }

            @Override
            public int draw(int i, double u) {
                asked.add(i);
                return Sampler.sample(rows[i], u);
            }
        };
        // u = 0.6 draws token 2 at the root (node 0), then 0.3 token 1 at node 0 (node 3), then 0.9 token 3 off it
        TreeVerdict verdict = TreeSampling.verify(TREE, logging, new double[] {0.6, 0.3, 0.9, 0.1});
        assertEquals(List.of(0, 1, 4), asked);
        assertArrayEquals(new int[] {2, 1, 3}, verdict.committedTokens(TREE));
    }

    @Test
    void aVerdictIsReusedAndOverwritten() {
        double[][] rows = uniformRows(0.25, 0.25, 0.25, 0.25);
        TreeVerdict verdict = new TreeVerdict(TREE.count());
        assertSame(verdict, TreeSampling.verify(TREE, TargetRows.of(rows), new double[] {0.6, 0.3, 0.9, 0.1},
                verdict));
        assertEquals(2, verdict.length());
        TreeSampling.verify(TREE, TargetRows.of(rows), new double[] {0.3, 0.3, 0.9, 0.1}, verdict);
        assertEquals(0, verdict.length());
        assertEquals(1, verdict.emittedToken());
    }

    @Test
    void greedyWalksTheTargetsArgmax() {
        // row r's argmax: root → 2 (node 0), node 0 → 3 (node 4, a leaf), node 4 → 0, the bonus
        int[] argmax = {2, 3, 0, 0, 0, 0, 0};
        TreeVerdict verdict = TreeSampling.verifyGreedy(TREE, r -> argmax[r]);
        assertArrayEquals(new int[] {2, 3, 0}, verdict.committedTokens(TREE));
        assertTrue(verdict.bonus());
        argmax[0] = 1; // off the tree at once
        verdict = TreeSampling.verifyGreedy(TREE, r -> argmax[r]);
        assertArrayEquals(new int[] {1}, verdict.committedTokens(TREE));
        assertTrue(!verdict.bonus());
    }

    @Test
    void theDecodersUniformIsPlainDecodingsAtThatPosition() {
        assertEquals(Uniforms.at(7, 12, Uniforms.SAMPLE), TreeSampling.uniform(7, 10, 2));
    }

    private static List<Integer> children(DraftTree tree, int node) {
        List<Integer> out = new ArrayList<>();
        for (int c = tree.firstChild(node); c >= 0; c = tree.nextSibling(c)) out.add(c);
        return out;
    }

    /** The root's row as given, every node's row uniform over 4 tokens. */
    private static double[][] uniformRows(double... root) {
        double[][] rows = new double[TREE.count() + 1][];
        rows[0] = root;
        for (int i = 1; i < rows.length; i++) rows[i] = new double[] {0.25, 0.25, 0.25, 0.25};
        return rows;
    }
}
