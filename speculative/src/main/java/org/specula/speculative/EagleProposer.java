package org.specula.speculative;

import org.specula.model.ChainHead;
import org.specula.sampling.SamplingParams;

/**
 * EAGLE-1 chain drafting ({@link ChainHead.Kind#EAGLE}): {@code fc(concat(embed(t_{j+1}), f_j))} through one decoder
 * layer, then the target's LM head; see {@link ChainHeadProposer} for the positions and the cache.
 */
public final class EagleProposer extends ChainHeadProposer {
    public EagleProposer(ChainScorer scorer, ChainHead head, SamplingParams params, long seed) {
        super(scorer, head, ChainHead.Kind.EAGLE, params, seed);
    }
}
