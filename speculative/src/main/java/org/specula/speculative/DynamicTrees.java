package org.specula.speculative;

/**
 * Dynamic trees ({@code --tree-nodes N}, EAGLE-2's shape): the drafter grows candidates depth by depth, each depth
 * expanding the {@link #EXPAND} nodes of the one above with the highest cumulative probability (the product of the
 * drafter's softmax along the path) into their {@link #EXPAND} most likely children, and the N candidates of highest
 * cumulative probability become the tree. A path's probability never grows, so the chosen set holds every chosen
 * node's ancestors (ties go to the shallower node). The candidates are deterministic, so the tree rule keeps the
 * output plain decoding's.
 */
final class DynamicTrees {
    /** Nodes expanded per depth, and children per expanded node. */
    static final int EXPAND = 4;

    private DynamicTrees() {
    }

    /** Pool nodes a tree of the given depth grows: EXPAND at depth 1, EXPAND² at each depth below. */
    static int poolSize(int depth) {
        return depth <= 0 ? 0 : EXPAND + (depth - 1) * EXPAND * EXPAND;
    }

    /**
     * The EXPAND most likely tokens of the row logits[from .. from + vocab) into tokens[at ..), with their log-softmax
     * plus base into scores[at ..); best[EXPAND] is scratch.
     */
    static void expand(float[] logits, int from, int vocab, float base, int[] tokens, float[] scores, int at,
                       int[] top, float[] best) {
        StaticTrees.topTokens(logits, from, vocab, top, best);
        float max = best[0];
        double sum = 0;
        for (int t = 0; t < vocab; t++) {
            sum += Math.exp(logits[from + t] - max);
        }
        float logSum = (float) (max + Math.log(sum));
        for (int i = 0; i < top.length; i++) {
            tokens[at + i] = top[i];
            scores[at + i] = base + best[i] - logSum;
        }
    }

    /**
     * The pool's level [levelStart, levelEnd)'s EXPAND nodes of highest score, best first, into out (fewer when the
     * level is smaller); returns how many.
     */
    static int bestOfLevel(float[] scores, int levelStart, int levelEnd, int[] out) {
        int n = 0;
        for (int i = levelStart; i < levelEnd; i++) {
            int at = Math.min(n, out.length - 1);
            if (n == out.length && !(scores[i] > scores[out[at]])) {
                continue;
            }
            while (at > 0 && scores[i] > scores[out[at - 1]]) {
                out[at] = out[at - 1];
                at--;
            }
            out[at] = i;
            n = Math.min(n + 1, out.length);
        }
        return n;
    }

    /**
     * Chooses the n pool nodes of highest score (ties: the shallower, then the earlier; never a node without its
     * parent) and writes them as a tree, breadth first, each parent's children best first, into treeTokens and
     * treeParents; returns the node count. chosen and poolOf [pool] are scratch. The pool's parents are pool indices
     * (−1 for depth 1) below their children's.
     */
    static int choose(int[] poolTokens, int[] poolParents, int[] poolDepths, float[] poolScores, int pool, int n,
                      boolean[] chosen, int[] poolOf, int[] treeTokens, int[] treeParents) {
        java.util.Arrays.fill(chosen, 0, pool, false);
        int count = Math.min(n, pool);
        for (int c = 0; c < count; c++) {
            int best = -1;
            for (int i = 0; i < pool; i++) {
                if (!chosen[i] && (poolParents[i] < 0 || chosen[poolParents[i]]) && (best < 0
                        || poolScores[i] > poolScores[best]
                        || poolScores[i] == poolScores[best] && poolDepths[i] < poolDepths[best])) {
                    best = i;
                }
            }
            chosen[best] = true;
        }
        // breadth first from the root: each placed parent's chosen children, best first, get the next indices
        int m = 0;
        for (int parentAt = -1; parentAt < m; parentAt++) {
            int parentPool = parentAt < 0 ? -1 : poolOf[parentAt];
            while (true) {
                int best = -1;
                for (int i = 0; i < pool; i++) {
                    if (chosen[i] && poolParents[i] == parentPool && (best < 0 || poolScores[i] > poolScores[best])) {
                        best = i;
                    }
                }
                if (best < 0) {
                    break;
                }
                chosen[best] = false; // placed
                treeTokens[m] = poolTokens[best];
                treeParents[m] = parentAt;
                poolOf[m++] = best;
            }
        }
        return m;
    }
}
