package org.specula.speculative;

/**
 * What a proposer drafted: a chain, draftTokens[0..count) and, for each, the processed distribution it was drawn from
 * (draftProbs[i], over the vocabulary; one-hot for deterministic drafters); or a tree of deterministic candidates
 * ({@link DraftTree}: tree not null, draftTokens its tokens, count its nodes, no rows). Arrays may be longer than
 * count and are owned by the proposer (reused across steps).
 */
public record Draft(int[] draftTokens, double[][] draftProbs, int count, DraftTree tree) {
    /** No drafts: the step scores the last committed token alone and emits the target's token. */
    public static final Draft EMPTY = new Draft(new int[0], new double[0][], 0);

    public Draft {
        if (count < 0 || count > draftTokens.length || tree == null && count > draftProbs.length) {
            throw new IllegalArgumentException("a draft of " + count + " tokens needs as many tokens and rows, got "
                    + draftTokens.length + " and " + draftProbs.length);
        }
        if (tree != null && (tree.count() != count || tree.tokens() != draftTokens)) {
            throw new IllegalArgumentException("a tree draft's tokens and count are its tree's");
        }
    }

    /** A chain of count drafts, each with its row. */
    public Draft(int[] draftTokens, double[][] draftProbs, int count) {
        this(draftTokens, draftProbs, count, null);
    }

    /** A tree of deterministic candidates. */
    public static Draft of(DraftTree tree) {
        return new Draft(tree.tokens(), new double[0][], tree.count(), tree);
    }
}
