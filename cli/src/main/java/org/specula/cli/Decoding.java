package org.specula.cli;

import org.specula.model.ForwardPass;
import org.specula.sampling.Sampler;
import org.specula.sampling.SamplingParams;
import org.specula.speculative.ChainScorer;
import org.specula.speculative.DraftLength;
import org.specula.speculative.DraftModelProposer;
import org.specula.speculative.EarlyExitProposer;
import org.specula.speculative.Generation;
import org.specula.speculative.NgramProposer;
import org.specula.speculative.PlainDecoder;
import org.specula.speculative.Prefill;
import org.specula.speculative.Proposer;
import org.specula.speculative.SpeculativeDecoder;
import org.specula.speculative.StopCondition;
import org.specula.tensor.DType;
import org.specula.tensor.SpeculaException;
import org.specula.tensor.simd.WarmUp;

import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Plain or speculative generation over a target session, drafted by a draft model's session, by n-gram lookup, by
 * the target's first layers (early exit) or by heads that read its hidden states (Medusa, EAGLE, MTP), as generate
 * and chat use it.
 */
final class Decoding {
    private final ForwardPass target;
    private final ForwardPass draft; // null: no draft model
    private final ModelSession targetSession;
    private final ModelSession draftSession; // null: no draft model
    private final NgramProposer ngram; // null without --ngram; one index for every call, rolled back to what it shares
    private final int earlyExit; // layers the target drafts with; 0 without --early-exit
    private final HeadDrafter head; // null without --medusa, --eagle or --mtp
    private final ChainScorer headScorer; // one for every call: it keeps the target's features of what it holds
    private final int draftTokens; // k, or auto's max
    private final CommonOptions.Drafts drafts;
    private final DraftLength draftLength; // one for every call: an adaptive one keeps learning across chat turns
    private final SamplingParams params;
    private final int vocab;
    /** Vocabularies from this size on have generation wait for the sampler's warm-up; see {@link #warmUp}. */
    static final int SAMPLER_WARMUP_VOCAB = 8192;
    static final long SAMPLER_WAIT_NANOS = 3_000_000_000L;

    Decoding(ModelSession target, ModelSession draft, CommonOptions.Ngram ngram, int earlyExit, HeadDrafter head,
             int context, CommonOptions.Drafts drafts, SamplingParams params, DType kvDType) {
        if (earlyExit > 0) {
            CommonOptions.checkEarlyExit(earlyExit, target.model);
        }
        if (draft != null && draft.model.config().vocabSize() != target.model.config().vocabSize()) {
            throw new UsageException("--draft " + draft.label + " has a vocabulary of "
                    + draft.model.config().vocabSize() + " tokens but the target has "
                    + target.model.config().vocabSize() + "; the draft must share the target's tokenizer");
        }
        this.targetSession = target;
        this.draftSession = draft;
        this.target = CommonOptions.forwardPass(target.model, context, kvDType);
        this.draft = draft == null ? null : CommonOptions.forwardPass(draft.model,
                Math.min(context, draft.model.config().maxPositions()), kvDType);
        this.draftTokens = drafts.k();
        this.drafts = drafts;
        this.draftLength = drafts.policy();
        this.params = params;
        this.vocab = target.model.config().vocabSize();
        this.ngram = ngram == null ? null : new NgramProposer(vocab, ngram.min(), ngram.max());
        this.earlyExit = earlyExit;
        this.head = head;
        this.headScorer = head == null ? null : head.scorer(this.target);
    }

    boolean speculative() {
        return draft != null || ngram != null || earlyExit > 0 || head != null;
    }

    CommonOptions.Drafts drafts() {
        return drafts;
    }

    int context() {
        return target.context();
    }

    /**
     * Refuses a prompt the decoders would refuse (empty, or longer than the context) with the library's words and the
     * flags that fix it, so the commands can check it before they print anything.
     */
    void checkPrompt(int[] prompt) {
        try {
            Prefill.check(target, prompt);
        } catch (SpeculaException e) { // the library's words, and the flags that fix it
            throw new UsageException(e.getMessage() + (prompt.length == 0 ? "; give --prompt TEXT or --prompt-ids"
                    : "; raise --context or shorten the prompt"));
        }
    }

    Generation generate(int[] prompt, StopCondition stop, long seed, IntConsumer sink) {
        warmUp(prompt.length);
        try {
            if (!speculative()) {
                return new PlainDecoder(target, params, seed).generate(prompt, stop, sink);
            }
            if (head != null) {
                return new SpeculativeDecoder(headScorer, head.proposer(headScorer, params, seed, drafts.pMin()),
                        draftLength, params, seed).generate(prompt, stop, sink);
            }
            Proposer proposer = draft != null ? new DraftModelProposer(draft, params, seed, drafts.pMin(),
                    drafts.tree(), target.maxTreeRows() - 1)
                    : earlyExit > 0 ? new EarlyExitProposer(target, earlyExit, params, seed, drafts.pMin()) : ngram;
            return new SpeculativeDecoder(target, proposer, draftLength, params, seed).generate(prompt, stop, sink);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            if (m == null || !(m.contains("NaN") || m.contains("Infinity") || m.contains("finite"))) {
                throw e;
            }
            throw new SpeculaException(e.getMessage() + ": " + whereNonFinite());
        }
    }

    /**
     * Where a NaN in the logits comes from, as far as a scan can tell: the first weight tensor (target's, then the
     * draft's) holding NaN or infinity, named with its file; when every weight is finite, the forward itself
     * overflowed: the line names the sublayer where a replay of the target's tokens first went non-finite
     * ({@link ForwardPass#firstNonFinite}) and which switches compare the arithmetic.
     */
    private String whereNonFinite() {
        String bad = InspectCommand.firstNonFinite(targetSession.folder);
        if (bad == null && draftSession != null) {
            bad = InspectCommand.firstNonFinite(draftSession.folder);
            if (bad != null) {
                bad = "the draft's " + bad;
            }
        }
        if (bad != null) {
            return bad + " (specula inspect --check scans every tensor)";
        }
        String where = target.firstNonFinite();
        return "every weight is finite, so the forward pass overflowed"
                + (where != null ? ", first in " + where : "") + "; compare --kernels scalar and --kv-dtype f32";
    }

    /**
     * Compiles the kernels for the blocks this prompt will run before the decoders start their clocks
     * ({@link ForwardPass#warmUp}): the prefill (all but the last prompt token), then one token per step, or k + 1
     * per verification and the draft's catch-up blocks with a draft model, or every block of 1 to k + 1 with n-gram
     * lookup, which drafts as many tokens as its match has left, and with --draft-tokens auto, whose k varies (early
     * exit drafts one token at a time, then verifies k + 1). With a large vocabulary the sampler's own
     * warm-ups ({@link Sampler#warmUp}: threads that race its vector code against the scalar twin until C2 has
     * compiled it) start first, beside the kernels', and are given until {@link #SAMPLER_WAIT_NANOS} after them to
     * finish: left to the first tokens, their races took the cores from the decode steps (the 360M shape decoded its
     * first 32 sampled tokens at 7.5-15 tok/s while they ran, 32-42 after them, against 40-48 steady). Small
     * vocabularies sample fast enough on the scalar twin, so their runs do not wait.
     */
    private void warmUp(int promptLength) {
        boolean sampler = !params.isGreedy() && vocab >= SAMPLER_WARMUP_VOCAB && WarmUp.enabled();
        if (!params.isGreedy()) {
            Sampler.warmUp(); // the sampler's races run beside the kernels' warm-up; small vocabularies do not wait
        }
        int[] counts = new int[draftTokens + 2]; // the prefill, then every block of 1 to k + 1
        counts[0] = promptLength - 1;
        for (int i = 1; i < counts.length; i++) {
            counts[i] = i;
        }
        if (drafts.tree() != null) {
            // a tree may be cut or (dynamic) smaller: the other blocks it runs are compiled when met
            target.warmUp(promptLength - 1, 1, Math.min(target.maxTreeRows(), drafts.tree().isStatic()
                    ? HeadDrafter.treeParents(drafts.tree().widths()).length : drafts.tree().nodes() + 1));
            if (draft != null) {
                draft.warmUp(promptLength, 1, 2);
            }
        } else if (draft != null) {
            target.warmUp(drafts.auto() ? counts : new int[]{promptLength - 1, draftTokens + 1});
            draft.warmUp(promptLength, 1, 2);
        } else if (ngram != null || head != null) {
            target.warmUp(counts);
        } else if (earlyExit > 0) {
            target.warmUp(drafts.auto() ? counts : new int[]{promptLength - 1, 1, draftTokens + 1});
        } else {
            target.warmUp(promptLength - 1, 1);
        }
        long start = System.nanoTime();
        while (sampler && !Sampler.warm() && System.nanoTime() - start < SAMPLER_WAIT_NANOS) {
            LockSupport.parkNanos(1_000_000);
        }
    }
}
