package org.specula.speculative;

import org.specula.model.ChainHead;
import org.specula.sampling.SamplingParams;

/**
 * EAGLE-1 chain drafting ({@link ChainHead.Kind#EAGLE}): {@code fc(concat(embed(t_{j+1}), f_j))} through one decoder
 * layer, then the target's LM head; see {@link ChainHeadProposer} for the positions and the cache.
 */
public final class EagleProposer extends ChainHeadProposer {
    public EagleProposer(ChainScorer scorer, ChainHead head, SamplingParams params, long seed) {
        this(scorer, head, params, seed, 0);
    }

    /** Stops drafting before a token whose softmax probability is below pMin (0 ≤ pMin ≤ 1; 0: never). */
    public EagleProposer(ChainScorer scorer, ChainHead head, SamplingParams params, long seed, double pMin) {
        this(scorer, head, params, seed, pMin, null);
    }

    /** Drafts trees of this shape, or chains when tree is null. */
    public EagleProposer(ChainScorer scorer, ChainHead head, SamplingParams params, long seed, double pMin,
                        TreeShape tree) {
        super(scorer, head, ChainHead.Kind.EAGLE, params, seed, pMin, tree);
    }
}
