package org.specula.speculative;

import org.specula.model.ChainHead;
import org.specula.sampling.Sampler;
import org.specula.sampling.SamplingParams;
import org.specula.sampling.Uniforms;

/**
 * Chain drafting with a one-layer head over the target's hidden states ({@link ChainHead}: EAGLE or MTP). The head's
 * position j reads the token committed[j + 1] and the target's feature f_j, so when committed[0..length) are
 * committed its positions 0 .. length − 2 can be fed true features, and the output at length − 2 drafts the token at
 * length. Each further draft feeds the next position with the last draft and the head's own output y in place of the
 * feature. Drafts are drawn from the head's processed distribution (argmax at temperature 0) with the uniform keyed
 * by (seed, absolute position, DRAFT), which is their q row. With pMin &gt; 0 drafting stops before the first token
 * whose softmax under the head gives it less than pMin, as {@link DraftModelProposer} does.
 *
 * <p>Between steps the head's cache holds true positions of committed tokens only: the chained ones are dropped
 * before propose returns, onCommit drops those whose token is no longer committed (a new prompt keeps what it
 * shares), and the next step feeds the positions the target has since committed (the accepted drafts get their true
 * features then).
 */
abstract sealed class ChainHeadProposer implements Proposer permits EagleProposer, MtpProposer {
    private final ChainScorer scorer;
    private final ChainHead.Pass pass;
    private final SamplingParams params;
    private final long seed;
    private final double pMin;
    private final int vocab;
    private final int dim;
    private final float[] logits;       // [vocab] the head's, of its last fed position
    private final float[] y;            // [dim] the head's output at its last fed position
    private int[] draftTokens = new int[0];
    private double[][] draftProbs = new double[0][];
    private long forwardNanos;

    ChainHeadProposer(ChainScorer scorer, ChainHead head, ChainHead.Kind kind, SamplingParams params, long seed,
                      double pMin) {
        DraftModelProposer.checkPMin(pMin);
        this.pMin = pMin;
        if (head.kind() != kind) {
            throw new IllegalArgumentException("a " + getClass().getSimpleName() + " needs a " + kind + " head, not "
                    + head.kind());
        }
        this.scorer = scorer;
        this.pass = head.newPass(scorer.target().context());
        this.params = params;
        this.seed = seed;
        this.vocab = scorer.target().model().config().vocabSize();
        this.dim = scorer.target().model().config().hiddenSize();
        this.logits = new float[vocab];
        this.y = new float[dim];
        scorer.features(); // refuses a scorer that keeps none
    }

    @Override
    public Draft propose(int[] committed, int length, int k) {
        int last = FeatureChecks.lastFeature(scorer, length);
        k = Math.min(k, pass.context() - last); // positions last .. last + k − 1
        if (k <= 0) {
            return new Draft(draftTokens, draftProbs, 0);
        }
        if (draftTokens.length < k) {
            draftTokens = new int[k];
            draftProbs = new double[k][vocab];
        }
        // position j was fed committed[j + 1]; the last true position is always fed again, for its output
        int keep = Math.min(pass.commonPrefix(committed, 1, last + 1), last);
        pass.truncate(keep);
        long start = System.nanoTime();
        pass.feed(committed, keep + 1, scorer.features(), keep * dim, last + 1 - keep, y, logits);
        for (int i = 0; i < k; i++) {
            int token = Sampler.sampleDistribution(draftProbs[i], logits, 0, vocab, params,
                    Uniforms.at(seed, length + i, Uniforms.DRAFT));
            if (pMin > 0 && DraftModelProposer.softmaxProbability(logits, vocab, token) < pMin) {
                k = i;
                break;
            }
            draftTokens[i] = token;
            if (i + 1 < k) {
                pass.feed(draftTokens, i, y, 0, 1, y, logits);
            }
        }
        forwardNanos += System.nanoTime() - start;
        pass.truncate(last + 1); // the chained positions go: their features were the head's own
        return new Draft(draftTokens, draftProbs, k);
    }

    /** Keeps the positions whose tokens are still committed (another prompt may share only a prefix). */
    @Override
    public void onCommit(int[] committed, int length, int accepted) {
        pass.truncate(pass.commonPrefix(committed, 1, length - 1));
    }

    /** The head's pass (tests compare its cache with a fresh computation). */
    ChainHead.Pass pass() {
        return pass;
    }

    @Override
    public boolean needsFirstPass() {
        return true;
    }

    @Override
    public long forwardNanos() {
        return forwardNanos;
    }
}
