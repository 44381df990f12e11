package org.specula.speculative;

import org.specula.model.MedusaHeads;
import org.specula.sampling.Sampler;
import org.specula.sampling.SamplingParams;
import org.specula.sampling.Uniforms;

/**
 * Drafts with Medusa heads: when committed[0..length) are committed, the target's hidden state at length − 2 (the one
 * that gave committed[length − 1]) is the last one known, and head i applied to it drafts the token at length + i.
 * The heads read only that state, so drafts are independent draws, each from its head's processed distribution
 * (argmax at temperature 0) with the uniform keyed by (seed, absolute position, DRAFT); the distribution is its q
 * row, a law of the committed prefix, which is all the acceptance rule needs. At most {@link MedusaHeads#count()}
 * drafts per step. The features come from the {@link ChainScorer#keepingFeatures} scorer the decoder runs. With
 * pMin &gt; 0 drafting stops before the first token whose head's softmax gives it less than pMin, as
 * {@link DraftModelProposer} does.
 */
public final class MedusaProposer implements Proposer {
    private final ChainScorer scorer;
    private final MedusaHeads heads;
    private final SamplingParams params;
    private final long seed;
    private final double pMin;
    private final int vocab;
    private final int dim;
    private final float[] logits;       // [vocab]
    private final int[] draftTokens;
    private final double[][] draftProbs;
    private long forwardNanos;

    public MedusaProposer(ChainScorer scorer, MedusaHeads heads, SamplingParams params, long seed) {
        this(scorer, heads, params, seed, 0);
    }

    /** Stops drafting before a token whose softmax probability is below pMin (0 ≤ pMin ≤ 1; 0: never). */
    public MedusaProposer(ChainScorer scorer, MedusaHeads heads, SamplingParams params, long seed, double pMin) {
        DraftModelProposer.checkPMin(pMin);
        this.pMin = pMin;
        this.scorer = scorer;
        this.heads = heads;
        this.params = params;
        this.seed = seed;
        this.vocab = scorer.target().model().config().vocabSize();
        this.dim = scorer.target().model().config().hiddenSize();
        this.logits = new float[vocab];
        this.draftTokens = new int[heads.count()];
        this.draftProbs = new double[heads.count()][vocab];
        scorer.features(); // refuses a scorer that keeps none
    }

    @Override
    public Draft propose(int[] committed, int length, int k) {
        int position = FeatureChecks.lastFeature(scorer, length);
        k = Math.min(k, heads.count());
        long start = System.nanoTime();
        for (int i = 0; i < k; i++) {
            heads.logits(i, scorer.features(), position * dim, logits);
            int token = Sampler.sampleDistribution(draftProbs[i], logits, 0, vocab, params,
                    Uniforms.at(seed, length + i, Uniforms.DRAFT));
            if (pMin > 0 && DraftModelProposer.softmaxProbability(logits, vocab, token) < pMin) {
                k = i;
                break;
            }
            draftTokens[i] = token;
        }
        forwardNanos += System.nanoTime() - start;
        return new Draft(draftTokens, draftProbs, k);
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
