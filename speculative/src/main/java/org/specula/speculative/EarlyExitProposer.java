package org.specula.speculative;

import org.specula.model.ForwardPass;
import org.specula.sampling.Sampler;
import org.specula.sampling.SamplingParams;
import org.specula.sampling.Uniforms;

/**
 * Self-speculation (LayerSkip-style early exit): the target drafts for itself with its first {@code layers} layers,
 * then its final norm and LM head. Each draft is drawn from that head's processed distribution (the target's
 * sampling code and parameters, argmax at temperature 0) with the uniform keyed by (seed, absolute position, DRAFT),
 * and the distribution is its q row.
 *
 * <p>The drafter shares the target's KV cache. At a step's start it holds committed positions 0 .. length−2 (the
 * scorer's invariant), whose first layers are exactly what the early exit attends to, so they are never recomputed:
 * the drafter feeds the last committed token at length − 1, then each draft but the last, through
 * {@link ForwardPass#forwardLayers}, and truncates the cache back to length − 1 before returning. The scorer then
 * runs every layer at those positions, overwriting the partial entries. A draft step costs about layers / numLayers
 * of a target step, plus the head.
 *
 * <p>With pMin &gt; 0 drafting stops before the first token whose probability in the early exit's softmax (raw
 * logits, temperature 1) is below pMin, as {@link DraftModelProposer} does; a shorter draft is just as exact.
 */
public final class EarlyExitProposer implements Proposer {
    private final ForwardPass target;
    private final int layers;
    private final SamplingParams params;
    private final long seed;
    private final int vocab;
    private final double pMin;          // stop before a draft less likely than this; 0: never
    private final float[] logits;       // [vocab] the early exit's, of the last fed position
    private int[] draftTokens = new int[0];
    private double[][] draftProbs = new double[0][];
    private long forwardNanos;

    /** Drafts with target's first {@code layers} layers (1 ≤ layers &lt; numLayers), writing into its cache. */
    public EarlyExitProposer(ForwardPass target, int layers, SamplingParams params, long seed) {
        this(target, layers, params, seed, 0);
    }

    /** Stops drafting before a token whose early-exit softmax probability is below pMin (0 ≤ pMin ≤ 1; 0: never). */
    public EarlyExitProposer(ForwardPass target, int layers, SamplingParams params, long seed, double pMin) {
        DraftModelProposer.checkPMin(pMin);
        this.pMin = pMin;
        int numLayers = target.model().config().numLayers();
        if (layers < 1 || layers >= numLayers) {
            throw new IllegalArgumentException("early exit after " + layers + " layers: give 1.." + (numLayers - 1)
                    + " of the model's " + numLayers);
        }
        this.target = target;
        this.layers = layers;
        this.params = params;
        this.seed = seed;
        this.vocab = target.model().config().vocabSize();
        this.logits = new float[vocab];
    }

    @Override
    public Draft propose(int[] committed, int length, int k) {
        if (target.length() != length - 1) {
            throw new IllegalStateException("the target's cache holds " + target.length() + " positions; the early "
                    + "exit drafts after the committed " + (length - 1) + " (the scorer's invariant)");
        }
        k = Math.min(k, target.context() - length + 1); // drafts are fed at positions length-1 .. length+k-2
        if (k <= 0) {
            return new Draft(draftTokens, draftProbs, 0);
        }
        if (draftTokens.length < k) {
            draftTokens = new int[k];
            draftProbs = new double[k][vocab];
        }
        feed(committed, length - 1);
        int count = k;
        for (int i = 0; i < k; i++) {
            draftTokens[i] = Sampler.sampleDistribution(draftProbs[i], logits, 0, vocab, params,
                    Uniforms.at(seed, length + i, Uniforms.DRAFT));
            if (pMin > 0 && DraftModelProposer.softmaxProbability(logits, vocab, draftTokens[i]) < pMin) {
                count = i;
                break;
            }
            if (i + 1 < k) {
                feed(draftTokens, i);
            }
        }
        target.truncate(length - 1); // the partial positions go; the scorer recomputes them with every layer
        return new Draft(draftTokens, draftProbs, count);
    }

    /** tokens[from] through the first layers at the cache's next position; its early-exit logits into logits. */
    private void feed(int[] tokens, int from) {
        long start = System.nanoTime();
        target.forwardLayers(tokens, from, 1, layers, logits);
        forwardNanos += System.nanoTime() - start;
    }

    @Override
    public long forwardNanos() {
        return forwardNanos;
    }
}
