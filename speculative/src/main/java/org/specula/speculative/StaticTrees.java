package org.specula.speculative;

import java.util.Arrays;

/**
 * Static tree shapes ({@code --tree W1,W2,..}): at depth d every node of depth d − 1 gets W_d children, the drafter's
 * best W_d candidates, laid out breadth first. Shared by the head drafters that grow them.
 */
final class StaticTrees {
    private StaticTrees() {
    }

    /** Refuses widths that are empty, deeper than maxDepth or below 1; returns a copy (null stays null). */
    static int[] check(int[] widths, int maxDepth) {
        if (widths != null && (widths.length == 0 || widths.length > maxDepth
                || Arrays.stream(widths).anyMatch(w -> w < 1))) {
            throw new IllegalArgumentException("tree widths " + Arrays.toString(widths) + ": give 1.." + maxDepth
                    + " widths, each at least 1");
        }
        return widths == null ? null : widths.clone();
    }

    /**
     * The deepest cut of the tree, at most k deep, whose nodes fit in room: each depth is kept whole or not at all.
     * Returns {depth, nodes}.
     */
    static int[] cut(int[] widths, int k, int room) {
        int depth = 0;
        int nodes = 0;
        for (int level = 1; depth < Math.min(k, widths.length); depth++) {
            level *= widths[depth];
            if (nodes + level > room) {
                break;
            }
            nodes += level;
        }
        return new int[]{depth, nodes};
    }

    /**
     * out[0 .. out.length) = the tokens of the largest logits[from .. from + vocab), largest first (lower id first
     * among equals); best [out.length] receives their logits.
     */
    static void topTokens(float[] logits, int from, int vocab, int[] out, float[] best) {
        int w = out.length;
        int filled = 0;
        for (int t = 0; t < vocab; t++) {
            float v = logits[from + t];
            if (filled == w && !(v > best[w - 1])) {
                continue;
            }
            int i = Math.min(filled, w - 1);
            while (i > 0 && v > best[i - 1]) {
                best[i] = best[i - 1];
                out[i] = out[i - 1];
                i--;
            }
            best[i] = v;
            out[i] = t;
            filled = Math.min(filled + 1, w);
        }
    }
}
