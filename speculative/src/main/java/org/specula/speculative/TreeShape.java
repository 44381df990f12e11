package org.specula.speculative;

import java.util.Arrays;

/**
 * The shape of the trees a head drafter grows: static widths per depth ({@code --tree W1,W2,..}: at depth d every
 * node gets the W_d best candidates, see {@link StaticTrees}) or a dynamic tree of at most {@code nodes} candidates
 * ({@code --tree-nodes N}, EAGLE-2's: see {@link DynamicTrees}). Exactly one of widths and nodes is set.
 */
public record TreeShape(int[] widths, int nodes) {
    public TreeShape {
        if (widths == null ? nodes < 1 : nodes != 0 || widths.length == 0
                || Arrays.stream(widths).anyMatch(w -> w < 1)) {
            throw new IllegalArgumentException("a tree shape has widths (each at least 1) or a node count of at least "
                    + "1, not both (got " + Arrays.toString(widths) + " and " + nodes + ")");
        }
        widths = widths == null ? null : widths.clone();
    }

    /** Static trees: at depth d every node gets widths[d − 1] children. */
    public static TreeShape of(int... widths) {
        return new TreeShape(widths, 0);
    }

    /** Dynamic trees of at most nodes candidates. */
    public static TreeShape dynamic(int nodes) {
        return new TreeShape(null, nodes);
    }

    public boolean isStatic() {
        return widths != null;
    }

    @Override
    public int[] widths() {
        return widths == null ? null : widths.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TreeShape t && Arrays.equals(widths, t.widths) && nodes == t.nodes;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(widths) + nodes;
    }

    @Override
    public String toString() {
        return widths != null ? "tree " + String.join(",", Arrays.stream(widths).mapToObj(Integer::toString).toList())
                : "dynamic tree of " + nodes + " nodes";
    }
}
