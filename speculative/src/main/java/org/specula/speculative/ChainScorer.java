package org.specula.speculative;

import org.specula.model.ForwardPass;

/**
 * Scores a chain of k drafts as one block of k + 1 rows (the last committed token, then the drafts) in a single
 * target forward, and rolls back by truncating the target's cache: positions past the accepted drafts are dropped.
 * Built with {@link #keepingFeatures}, it also keeps the target's last hidden state after the final norm of every
 * position it fed (the features Medusa, EAGLE and MTP drafters read), computed by the same forwards: [context][hidden]
 * floats, allocated once. This scorer must then be the only one feeding its target, so a stored feature is always
 * that of the token the cache holds at its position.
 */
public final class ChainScorer implements Scorer {
    private final ForwardPass target;
    private final int vocab;
    private final int dim;
    private final float[] features; // [context][dim] or null: no features kept
    private int featured;           // positions [0, featured) hold their features (while the cache holds them)
    private float[] logits = new float[0]; // [k+1][vocab]
    private int[] block = new int[0];      // [k+1] last committed token + drafts

    public ChainScorer(ForwardPass target) {
        this(target, false);
    }

    private ChainScorer(ForwardPass target, boolean keepFeatures) {
        this.target = target;
        this.vocab = target.model().config().vocabSize();
        this.dim = target.model().config().hiddenSize();
        this.features = keepFeatures ? new float[target.context() * dim] : null;
    }

    /** A chain scorer that keeps the target's features of every position it feeds (prefill included). */
    public static ChainScorer keepingFeatures(ForwardPass target) {
        return new ChainScorer(target, true);
    }

    @Override
    public ForwardPass target() {
        return target;
    }

    @Override
    public float[] score(int[] committed, int length, Draft draft) {
        int k = draft.count();
        if (block.length < k + 1) {
            block = new int[k + 1];
            logits = new float[(k + 1) * vocab];
        }
        block[0] = committed[length - 1];
        System.arraycopy(draft.draftTokens(), 0, block, 1, k);
        forward(block, 0, k + 1, ForwardPass.Logits.ALL, logits);
        return logits;
    }

    @Override
    public void rollBack(int[] committed, int length, int accepted) {
        target.truncate(length - 1);
    }

    @Override
    public void prefill(int[] tokens, int from, int count) {
        forward(tokens, from, count, ForwardPass.Logits.NONE, null);
    }

    /** A prefill keeps only cached positions whose features are stored. */
    @Override
    public int reusable() {
        return features == null ? target.length() : featureCount();
    }

    /**
     * The target's features [featureCount()][hidden]: position p's hidden state after the final norm is at
     * p · hidden. Valid for positions below {@link #featureCount()}; refused when this scorer keeps none.
     */
    public float[] features() {
        if (features == null) {
            throw new IllegalStateException("this scorer keeps no features; build it with keepingFeatures");
        }
        return features;
    }

    /** Positions 0 .. featureCount() − 1 hold the features of the tokens the target's cache holds there. */
    public int featureCount() {
        return Math.min(featured, target.length());
    }

    private void forward(int[] tokens, int from, int count, ForwardPass.Logits mode, float[] out) {
        int pos = target.length();
        if (features == null) {
            target.forward(tokens, from, count, mode, out);
            return;
        }
        featured = Math.min(featured, pos); // a position someone else fed has no feature here
        target.forward(tokens, from, count, mode, out, features, pos * dim);
        if (featured == pos) {
            featured = pos + count;
        }
    }
}
