package org.specula.speculative;

import org.specula.model.ForwardPass;
import org.specula.sampling.Sampler;
import org.specula.sampling.SamplingParams;
import org.specula.sampling.Uniforms;
import org.specula.speculative.Generation.StopReason;

import java.util.function.IntConsumer;
import java.util.function.IntUnaryOperator;

/**
 * The speculative decoding loop. Each step: the proposer drafts k tokens; the target (the scorer) runs once over
 * the last committed token plus the k drafts, giving k+1 distributions; {@link SpeculativeSampling} accepts a
 * prefix and emits a residual or bonus token; the target cache is truncated to the committed tokens it has seen.
 * Uniforms are keyed by (seed, absolute position), so greedy and one-hot drafters reproduce plain decoding exactly.
 */
public final class SpeculativeDecoder {
    private static final Draft NO_DRAFT = new Draft(new int[0], new double[0][], 0);

    private final ForwardPass target;
    private final Scorer scorer;
    private final Proposer proposer;
    private final int draftTokens;
    private final SamplingParams params;
    private final long seed;
    private final int vocab;
    private float[] targetLogits = new float[0];   // [k+1][vocab], the scorer's
    private double[][] targetProbs = new double[0][]; // [k+1][vocab]
    private final double[] acceptU;                // [k+1]
    private final double[] sampleU;                // [k+1]
    private final Residual residual;
    private final SpeculativeSampling.TargetRows targetRows = new SpeculativeSampling.TargetRows() {
        @Override
        public double[] row(int i) {
            return processedTargetRow(i);
        }

        @Override
        public int draw(int i, double u) {
            return Sampler.sampleDistribution(targetProbs[i], targetLogits, i * vocab, vocab, params, u);
        }
    };
    private final IntUnaryOperator targetToken = this::greedyTargetToken;
    private StepObserver observer = (tokens, length) -> { };

    /** Sees the committed tokens after every step, when both caches have been rolled back (for tests). */
    public interface StepObserver {
        void afterStep(int[] tokens, int length);
    }

    public void setStepObserver(StepObserver observer) {
        this.observer = observer;
    }

    public SpeculativeDecoder(ForwardPass target, Proposer proposer, int draftTokens, SamplingParams params,
                              long seed) {
        if (draftTokens < 0) {
            throw new IllegalArgumentException("--draft-tokens must be >= 0");
        }
        this.target = target;
        this.scorer = new Scorer(target);
        this.proposer = proposer;
        this.draftTokens = draftTokens;
        this.params = params;
        this.seed = seed;
        this.vocab = target.model().config().vocabSize();
        this.acceptU = new double[draftTokens + 1];
        this.sampleU = new double[draftTokens + 1];
        this.residual = new Residual(vocab);
        ensureRows(Math.min(draftTokens + 1, 8));
    }

    /** Target row i, processed on first use: rows after a rejection are never computed. */
    private double[] processedTargetRow(int i) {
        Sampler.distribution(targetProbs[i], targetLogits, i * vocab, vocab, params);
        return targetProbs[i];
    }

    /** Target position i's token under greedy params: its logits' argmax, no row built. */
    private int greedyTargetToken(int i) {
        return Sampler.greedy(targetLogits, i * vocab, vocab);
    }

    private void ensureRows(int rows) {
        if (targetProbs.length < rows) {
            targetProbs = new double[rows][vocab];
        }
    }

    /** Generates after prompt, streaming each committed token to sink. Reuses the target's cached prefix it shares. */
    public Generation generate(int[] prompt, StopCondition stop, IntConsumer sink) {
        Prefill prefill = Prefill.run(target, prompt);
        int[] tokens = prefill.tokens();
        int length = prompt.length;
        int generated = 0;
        StopReason reason = StopReason.LENGTH;
        SpecStats stats = new SpecStats();
        long draftBefore = proposer.forwardNanos();
        long start = System.nanoTime();
        outer:
        while (generated < stop.maxTokens()) {
            if (length >= target.context()) {
                reason = StopReason.CONTEXT;
                break;
            }
            // the step commits up to k + 1 tokens: never past the context or past what may still be generated
            int k = Math.min(draftTokens, Math.min(target.context() - length - 1, stop.maxTokens() - generated - 1));
            Draft draft = k > 0 ? proposer.propose(tokens, length, k) : NO_DRAFT;
            k = draft.count();
            long verifyStart = System.nanoTime();
            ensureRows(k + 1);
            targetLogits = scorer.score(tokens[length - 1], draft);
            stats.verifyNanos += System.nanoTime() - verifyStart;
            for (int i = 0; i <= k; i++) {
                acceptU[i] = Uniforms.at(seed, length + i, Uniforms.ACCEPT);
                sampleU[i] = Uniforms.at(seed, length + i, Uniforms.SAMPLE);
            }
            SpeculativeSampling.Verdict verdict = params.isGreedy()
                    ? SpeculativeSampling.verifyGreedy(draft.draftTokens(), k, targetToken)
                    : SpeculativeSampling.verify(draft.draftTokens(), draft.draftProbs(), targetRows, k, acceptU,
                            sampleU, residual);
            int accepted = verdict.acceptedCount();
            stats.record(k, accepted, accepted + 1);
            scorer.commit(length, accepted);
            int before = length;
            for (int i = 0; i <= accepted && generated < stop.maxTokens(); i++) {
                tokens[length++] = i < accepted ? draft.draftTokens()[i] : verdict.emittedToken();
                generated++;
            }
            proposer.onCommit(tokens, length);
            observer.afterStep(tokens, length);
            for (int i = before; i < length; i++) {
                sink.accept(tokens[i]);
                if (stop.isStop(tokens[i])) {
                    length = i + 1;
                    reason = StopReason.EOS;
                    break outer;
                }
            }
        }
        stats.totalNanos = System.nanoTime() - start;
        stats.draftNanos = proposer.forwardNanos() - draftBefore;
        return new Generation(java.util.Arrays.copyOfRange(tokens, prompt.length, length), reason, prompt.length,
                prefill.fed(), prefill.nanos(), stats.totalNanos, stats);
    }
}
