package org.specula.speculative;

import org.specula.model.ForwardPass;

/**
 * The scorer role: ONE batched target forward over the last committed token plus the k drafts, returning logits
 * for all k+1 positions (row i scores draft i; row k gives the bonus token), then the rollback that keeps only what
 * was committed. The target's cache always holds every committed token but the last, which the next score feeds.
 */
public final class Scorer {
    private final ForwardPass target;
    private final int vocab;
    private float[] logits = new float[0]; // [k+1][vocab]
    private int[] block = new int[0];      // [k+1] last committed token + drafts

    public Scorer(ForwardPass target) {
        this.target = target;
        this.vocab = target.model().config().vocabSize();
    }

    public ForwardPass target() {
        return target;
    }

    /** Logits [k+1][vocab] for lastCommitted followed by draft tokens [0..k); valid until the next call. */
    public float[] score(int lastCommitted, Draft draft) {
        int k = draft.count();
        if (block.length < k + 1) {
            block = new int[k + 1];
            logits = new float[(k + 1) * vocab];
        }
        block[0] = lastCommitted;
        System.arraycopy(draft.draftTokens(), 0, block, 1, k);
        target.forward(block, 0, k + 1, ForwardPass.Logits.ALL, logits);
        return logits;
    }

    /** Keeps the committed prefix of length committedBefore + accepted (the emitted token is fed next time). */
    public void commit(int committedBefore, int accepted) {
        target.truncate(committedBefore + accepted);
    }
}
