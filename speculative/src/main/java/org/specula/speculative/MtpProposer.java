package org.specula.speculative;

import org.specula.model.ChainHead;
import org.specula.sampling.SamplingParams;

/**
 * DeepSeek-V3-style multi-token prediction ({@link ChainHead.Kind#MTP}): {@code eh_proj(concat(enorm(embed(t_{i+1})),
 * hnorm(h_i)))} through one decoder layer, then shared_head's norm and head; chaining feeds the layer's output back
 * as h. See {@link ChainHeadProposer} for the positions and the cache.
 */
public final class MtpProposer extends ChainHeadProposer {
    public MtpProposer(ChainScorer scorer, ChainHead head, SamplingParams params, long seed) {
        this(scorer, head, params, seed, 0);
    }

    /** Stops drafting before a token whose softmax probability is below pMin (0 ≤ pMin ≤ 1; 0: never). */
    public MtpProposer(ChainScorer scorer, ChainHead head, SamplingParams params, long seed, double pMin) {
        this(scorer, head, params, seed, pMin, null);
    }

    /** Drafts trees of this shape, or chains when tree is null. */
    public MtpProposer(ChainScorer scorer, ChainHead head, SamplingParams params, long seed, double pMin,
                        TreeShape tree) {
        super(scorer, head, ChainHead.Kind.MTP, params, seed, pMin, tree);
    }
}
