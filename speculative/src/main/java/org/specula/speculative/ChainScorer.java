package org.specula.speculative;

import org.specula.model.ForwardPass;

/**
 * Scores a chain of k drafts as one block of k + 1 rows (the last committed token, then the drafts) in a single
 * target forward, and rolls back by truncating the target's cache: positions past the accepted drafts are dropped.
 */
public final class ChainScorer implements Scorer {
    private final ForwardPass target;
    private final int vocab;
    private float[] logits = new float[0]; // [k+1][vocab]
    private int[] block = new int[0];      // [k+1] last committed token + drafts

    public ChainScorer(ForwardPass target) {
        this.target = target;
        this.vocab = target.model().config().vocabSize();
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
        target.forward(block, 0, k + 1, ForwardPass.Logits.ALL, logits);
        return logits;
    }

    @Override
    public void rollBack(int[] committed, int length, int accepted) {
        target.truncate(length - 1);
    }
}
