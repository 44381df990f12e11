package org.specula.speculative;

/**
 * What a proposer drafted: draftTokens[0..count) and, for each, the processed distribution it was drawn from
 * (draftProbs[i], over the vocabulary; one-hot for deterministic drafters). Arrays may be longer than count and are
 * owned by the proposer (reused across steps).
 */
public record Draft(int[] draftTokens, double[][] draftProbs, int count) {
    /** No drafts: the step scores the last committed token alone and emits the target's token. */
    public static final Draft EMPTY = new Draft(new int[0], new double[0][], 0);

    public Draft {
        if (count < 0 || count > draftTokens.length || count > draftProbs.length) {
            throw new IllegalArgumentException("a draft of " + count + " tokens needs as many tokens and rows, got "
                    + draftTokens.length + " and " + draftProbs.length);
        }
    }
}
