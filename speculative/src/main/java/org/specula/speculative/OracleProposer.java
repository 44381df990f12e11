package org.specula.speculative;

import java.util.SplittableRandom;

/**
 * For benchmarks only: proposes the target's own greedy continuation (computed beforehand) with each token
 * replaced, with probability 1 − acceptance, by a different random token. Under greedy verification each draft is
 * then accepted independently with probability acceptance, so the real verification path runs at a chosen
 * acceptance rate on models (such as random-weight ones) for which no real drafter exists.
 */
public final class OracleProposer implements Proposer {
    private final int[] reference;   // [n] prompt + greedy continuation, by absolute position
    private final double acceptance;
    private final int vocab;
    private final SplittableRandom random;
    private int[] draftTokens = new int[0];
    private double[][] draftProbs = new double[0][];

    public OracleProposer(int[] reference, double acceptance, int vocab, long seed) {
        if (!(acceptance >= 0 && acceptance <= 1)) {
            throw new IllegalArgumentException("acceptance must be in [0, 1] (got " + acceptance + ")");
        }
        this.reference = reference.clone();
        this.acceptance = acceptance;
        this.vocab = vocab;
        this.random = new SplittableRandom(seed);
    }

    @Override
    public Draft propose(int[] committed, int length, int k) {
        k = Math.max(0, Math.min(k, reference.length - length));
        if (draftTokens.length < k) {
            draftTokens = new int[k];
            draftProbs = new double[k][vocab];
        }
        for (int i = 0; i < k; i++) {
            int token = reference[length + i];
            if (random.nextDouble() >= acceptance) {
                token = (token + 1 + random.nextInt(vocab - 1)) % vocab; // any token but the reference one
            }
            java.util.Arrays.fill(draftProbs[i], 0);
            draftProbs[i][token] = 1; // deterministic drafter: one-hot
            draftTokens[i] = token;
        }
        return new Draft(draftTokens, draftProbs, k);
    }
}
