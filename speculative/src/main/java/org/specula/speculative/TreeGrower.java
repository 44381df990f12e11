package org.specula.speculative;

import java.util.Arrays;

/**
 * Grows a tree of candidates for a drafter that runs on each node (EAGLE, MTP, a draft model): depth 1's candidates
 * come from the drafter's logits after the committed tokens; each further depth runs the drafter once over the nodes
 * grown so far, as one tree block ({@link Expander}), and takes the chosen nodes' children from their rows. Static
 * shapes take the best W_d children of every node ({@link StaticTrees}), dynamic ones the best children of the best
 * nodes and then the best N of the pool ({@link DynamicTrees}). The arrays are reused across steps.
 */
final class TreeGrower {
    /** One drafter pass over the pool so far; returns the logits [count][vocab] each node gives its children. */
    interface Expander {
        float[] run(int[] tokens, int[] parents, int count);
    }

    private final int vocab;
    private int[] tokens = new int[0];     // the pool: tokens, parents (−1: depth 1), depths, scores
    private int[] parents = new int[0];
    private int[] depths = new int[0];
    private float[] scores = new float[0]; // cumulative log-probability (dynamic trees)
    private boolean[] chosen = new boolean[0];
    private int[] poolOf = new int[0];
    private int[] treeTokens = new int[0];
    private int[] treeParents = new int[0];
    private final int[] expandTop = new int[DynamicTrees.EXPAND];
    private final float[] expandBest = new float[DynamicTrees.EXPAND];
    private final int[] expandNodes = new int[DynamicTrees.EXPAND];
    private int[] top = new int[0];
    private float[] best = new float[0];

    TreeGrower(int vocab) {
        this.vocab = vocab;
    }

    /**
     * The tree of this shape after rootLogits [vocab], at most k deep, with at most room nodes, the drafter never run
     * over more than blockRows nodes; null when not even depth 1 fits.
     */
    DraftTree grow(TreeShape shape, int k, int room, int blockRows, float[] rootLogits, Expander expander) {
        return shape.isStatic() ? growStatic(shape.widths(), k, Math.min(room, blockRows), rootLogits, expander)
                : growDynamic(shape.nodes(), k, room, blockRows, rootLogits, expander);
    }

    private DraftTree growStatic(int[] widths, int k, int room, float[] rootLogits, Expander expander) {
        int[] cut = StaticTrees.cut(widths, k, room);
        int depth = cut[0];
        if (depth == 0) {
            return null;
        }
        ensure(cut[1]);
        int n = children(rootLogits, 0, widths[0], DraftTree.ROOT, 0);
        for (int d = 1, levelStart = 0; d < depth; d++) {
            int levelEnd = n;
            float[] logits = expander.run(tokens, parents, levelEnd);
            for (int parent = levelStart; parent < levelEnd; parent++) {
                n = children(logits, parent * vocab, widths[d], parent, n);
            }
            levelStart = levelEnd;
        }
        return new DraftTree(tokens, parents, n);
    }

    /** The width best children of a node (its row logits[from ..]) appended to the pool at n; returns the new n. */
    private int children(float[] logits, int from, int width, int parent, int n) {
        if (top.length != width) {
            top = new int[width];
            best = new float[width];
        }
        StaticTrees.topTokens(logits, from, vocab, top, best);
        for (int c : top) {
            tokens[n] = c;
            parents[n++] = parent;
        }
        return n;
    }

    private DraftTree growDynamic(int nodes, int k, int room, int blockRows, float[] rootLogits,
                                  Expander expander) {
        int n = Math.min(nodes, room);
        int depth = k;
        while (depth > 1 && DynamicTrees.poolSize(depth - 1) > blockRows) {
            depth--;
        }
        if (n <= 0 || depth <= 0) {
            return null;
        }
        ensure(DynamicTrees.poolSize(depth));
        DynamicTrees.expand(rootLogits, 0, vocab, 0f, tokens, scores, 0, expandTop, expandBest);
        int count = DynamicTrees.EXPAND;
        Arrays.fill(parents, 0, count, DraftTree.ROOT);
        Arrays.fill(depths, 0, count, 1);
        for (int d = 2, levelStart = 0; d <= depth; d++) {
            int levelEnd = count;
            float[] logits = expander.run(tokens, parents, levelEnd);
            int expanded = DynamicTrees.bestOfLevel(scores, levelStart, levelEnd, expandNodes);
            for (int e = 0; e < expanded; e++) {
                int node = expandNodes[e];
                DynamicTrees.expand(logits, node * vocab, vocab, scores[node], tokens, scores, count, expandTop,
                        expandBest);
                Arrays.fill(parents, count, count + DynamicTrees.EXPAND, node);
                Arrays.fill(depths, count, count + DynamicTrees.EXPAND, d);
                count += DynamicTrees.EXPAND;
            }
            levelStart = levelEnd;
        }
        int m = DynamicTrees.choose(tokens, parents, depths, scores, count, n, chosen, poolOf, treeTokens,
                treeParents);
        return new DraftTree(treeTokens, treeParents, m);
    }

    private void ensure(int pool) {
        if (tokens.length < pool) {
            tokens = new int[pool];
            parents = new int[pool];
            depths = new int[pool];
            scores = new float[pool];
            chosen = new boolean[pool];
            poolOf = new int[pool];
            treeTokens = new int[pool];
            treeParents = new int[pool];
        }
    }
}
