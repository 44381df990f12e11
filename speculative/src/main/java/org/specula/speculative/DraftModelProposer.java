package org.specula.speculative;

import org.specula.model.ForwardPass;
import org.specula.sampling.Sampler;
import org.specula.sampling.SamplingParams;
import org.specula.sampling.Uniforms;

/**
 * The classic drafter: a smaller model with the same vocabulary drafts k tokens autoregressively, each drawn from
 * its processed distribution (the same sampling code and parameters as the target), with the uniform keyed by
 * (seed, absolute position, DRAFT). Its KV cache is rolled back to the longest prefix of what it was fed that is
 * still committed; when all k drafts were accepted it lacks the last draft and catches up on the next call
 * (the classic off-by-one), feeding that and the bonus token in one block.
 */
public final class DraftModelProposer implements Proposer {
    private final ForwardPass draft;
    private final SamplingParams params;
    private final long seed;
    private final int vocab;
    private final float[] logits;       // [vocab]
    private int[] draftTokens = new int[0];
    private double[][] draftProbs = new double[0][];
    private long forwardNanos;

    public DraftModelProposer(ForwardPass draft, SamplingParams params, long seed) {
        this.draft = draft;
        this.params = params;
        this.seed = seed;
        this.vocab = draft.model().config().vocabSize();
        this.logits = new float[vocab];
    }

    @Override
    public Draft propose(int[] committed, int length, int k) {
        k = Math.min(k, draft.context() - length);
        if (k <= 0) {
            return new Draft(draftTokens, draftProbs, 0);
        }
        if (draftTokens.length < k) {
            draftTokens = new int[k];
            draftProbs = new double[k][vocab];
        }
        int keep = committedPrefix(committed, length);
        if (keep == length) { // never re-feed nothing: recompute the last committed position for its logits
            keep = length - 1;
        }
        draft.truncate(keep);
        feed(committed, keep, length - keep);
        for (int i = 0; i < k; i++) {
            double[] probs = draftProbs[i];
            int token = Sampler.sampleDistribution(probs, logits, 0, vocab, params,
                    Uniforms.at(seed, length + i, Uniforms.DRAFT));
            draftTokens[i] = token;
            if (i + 1 < k) {
                feed(draftTokens, i, 1);
            }
        }
        return new Draft(draftTokens, draftProbs, k);
    }

    @Override
    public void onCommit(int[] committed, int length, int accepted) {
        draft.truncate(committedPrefix(committed, length));
    }

    /** Length of the longest prefix of the draft cache's tokens that equals committed[0..length). */
    private int committedPrefix(int[] committed, int length) {
        return draft.commonPrefix(committed, length);
    }

    private void feed(int[] tokens, int from, int count) {
        long start = System.nanoTime();
        draft.forward(tokens, from, count, ForwardPass.Logits.LAST, logits);
        forwardNanos += System.nanoTime() - start;
    }

    @Override
    public long forwardNanos() {
        return forwardNanos;
    }
}
