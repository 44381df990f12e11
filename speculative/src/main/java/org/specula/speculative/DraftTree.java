package org.specula.speculative;

/**
 * A tree of deterministic candidates (one-hot drafts, e.g. a head's top-W tokens) that the target scores in one pass.
 * Nodes 0..count−1 are in topological order: {@code parents[i]} is −1 for a child of the root (the last committed
 * token, whose target row comes first) or a node index below i. Siblings (nodes with the same parent) appear in the
 * drafter's order of preference and never repeat a token. A chain is the tree whose node i has parent i − 1.
 *
 * <p>The arrays belong to the proposer and may be longer than count and reused across steps, like {@link Draft}'s.
 * A record holds no other state, so the helpers scan {@code parents} instead of keeping child lists: each costs
 * O(count) (O(count · depth) for {@link #maxDepth}) and allocates nothing, which for trees of tens of nodes is less
 * than building the lists would be.
 */
public record DraftTree(int[] tokens, int[] parents, int count) {
    /** No candidates: the step scores the last committed token alone and emits the target's token. */
    public static final DraftTree EMPTY = new DraftTree(new int[0], new int[0], 0);

    /** Parent of the root's children. */
    public static final int ROOT = -1;

    /** Validates the shape; O(count²) for the sibling check, which is a few thousand steps for 64 nodes. */
    public DraftTree {
        if (count < 0 || count > tokens.length || count > parents.length) {
            throw new IllegalArgumentException("a tree of " + count + " nodes needs as many tokens and parents, got "
                    + tokens.length + " and " + parents.length);
        }
        for (int i = 0; i < count; i++) {
            if (parents[i] < ROOT || parents[i] >= i) {
                throw new IllegalArgumentException("node " + i + " has parent " + parents[i]
                        + ": a parent must be -1 (the root) or an earlier node");
            }
            if (tokens[i] < 0) throw new IllegalArgumentException("node " + i + " has token " + tokens[i]);
            for (int j = 0; j < i; j++) {
                if (parents[j] == parents[i] && tokens[j] == tokens[i]) {
                    throw new IllegalArgumentException("node " + i + " repeats token " + tokens[i] + " of its sibling "
                            + j + " (parent " + parents[i] + ")");
                }
            }
        }
    }

    /** The chain tokens[0..count): node i is the child of node i − 1. Allocates its parents array. */
    public static DraftTree chain(int[] tokens, int count) {
        if (count < 0 || count > tokens.length) {
            throw new IllegalArgumentException("a chain of " + count + " tokens from " + tokens.length);
        }
        int[] parents = new int[count];
        for (int i = 0; i < count; i++) parents[i] = i - 1;
        return new DraftTree(tokens, parents, count);
    }

    /** 1 for a child of the root, one more per generation: the number of tokens after the root on its path. */
    public int depth(int node) {
        checkNode(node);
        int depth = 0;
        for (int i = node; i != ROOT; i = parents[i]) depth++;
        return depth;
    }

    /** The largest depth of any node; 0 for the empty tree. */
    public int maxDepth() {
        int max = 0;
        for (int i = 0; i < count; i++) max = Math.max(max, depth(i));
        return max;
    }

    /** The first child of node (ROOT for the root) in the drafter's order, or −1 when it has none. */
    public int firstChild(int node) {
        if (node != ROOT) checkNode(node);
        for (int j = node + 1; j < count; j++) if (parents[j] == node) return j;
        return -1;
    }

    /** The sibling after node in the drafter's order, or −1 when it is the last. */
    public int nextSibling(int node) {
        checkNode(node);
        for (int j = node + 1; j < count; j++) if (parents[j] == parents[node]) return j;
        return -1;
    }

    /** The child of node (ROOT for the root) that carries token, or −1: siblings never repeat a token. */
    public int child(int node, int token) {
        if (node != ROOT) checkNode(node);
        for (int j = node + 1; j < count; j++) if (parents[j] == node && tokens[j] == token) return j;
        return -1;
    }

    private void checkNode(int node) {
        if (node < 0 || node >= count) throw new IllegalArgumentException("no node " + node + " of " + count);
    }
}
