package org.specula.cli;

import org.specula.model.ForwardPass;
import org.specula.sampling.SamplingParams;
import org.specula.speculative.DraftModelProposer;
import org.specula.speculative.Generation;
import org.specula.speculative.PlainDecoder;
import org.specula.speculative.SpeculativeDecoder;
import org.specula.speculative.StopCondition;
import org.specula.tensor.SpeculaException;

import java.util.function.IntConsumer;

/** Plain or speculative generation over a target (and optional draft) session, as generate and chat use it. */
final class Decoding {
    private final ForwardPass target;
    private final ForwardPass draft; // null: plain decoding
    private final int draftTokens;
    private final SamplingParams params;

    Decoding(ModelSession target, ModelSession draft, int context, int draftTokens, SamplingParams params) {
        if (draft != null && draft.model.config().vocabSize() != target.model.config().vocabSize()) {
            throw new SpeculaException("--draft " + draft.folder.dir() + " has a vocabulary of "
                    + draft.model.config().vocabSize() + " tokens but the target has "
                    + target.model.config().vocabSize() + "; the draft must share the target's tokenizer");
        }
        this.target = target.model.newForwardPass(context);
        this.draft = draft == null ? null
                : draft.model.newForwardPass(Math.min(context, draft.model.config().maxPositions()));
        this.draftTokens = draftTokens;
        this.params = params;
    }

    boolean speculative() {
        return draft != null;
    }

    int draftTokens() {
        return draftTokens;
    }

    int context() {
        return target.context();
    }

    Generation generate(int[] prompt, StopCondition stop, long seed, IntConsumer sink) {
        if (draft == null) {
            return new PlainDecoder(target, params, seed).generate(prompt, stop, sink);
        }
        return new SpeculativeDecoder(target, new DraftModelProposer(draft, params, seed), draftTokens, params, seed)
                .generate(prompt, stop, sink);
    }
}
