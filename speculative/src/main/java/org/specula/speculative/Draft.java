package org.specula.speculative;

/**
 * What a proposer drafted: draftTokens[0..count) and, for each, the processed distribution it was drawn from
 * (draftProbs[i], over the vocabulary; one-hot for deterministic drafters). Arrays may be longer than count and are
 * owned by the proposer (reused across steps).
 */
public record Draft(int[] draftTokens, double[][] draftProbs, int count) {
}
