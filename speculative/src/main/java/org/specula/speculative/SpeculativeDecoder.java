package org.specula.speculative;

import org.specula.model.ForwardPass;
import org.specula.sampling.Sampler;
import org.specula.sampling.SamplingParams;
import org.specula.sampling.Uniforms;
import org.specula.speculative.Generation.StopReason;
import org.specula.speculative.SpeculativeSampling.TargetRows;
import org.specula.speculative.SpeculativeSampling.Verdict;

import java.util.Arrays;
import java.util.function.IntConsumer;
import java.util.function.IntUnaryOperator;

/**
 * The speculative decoding loop. Each step: the proposer drafts k tokens; the scorer runs the target once over the
 * last committed token plus the k drafts, giving k+1 distributions; {@link SpeculativeSampling} accepts a prefix and
 * emits a residual or bonus token; those are committed, and both caches roll back to the committed tokens.
 * Uniforms are keyed by (seed, absolute position), so greedy and one-hot drafters reproduce plain decoding exactly.
 * Statistics and timing are observers ({@link StepObserver}, {@link SpecStats}): the loop itself holds no clock.
 */
public final class SpeculativeDecoder {
    private final ForwardPass target;
    private final Scorer scorer;
    private final Proposer proposer;
    private final DraftLength draftLength;
    private final SamplingParams params;
    private final long seed;
    private final int vocab;
    private float[] targetLogits = new float[0];      // [k+1][vocab], the scorer's
    private double[][] targetProbs = new double[0][]; // [k+1][vocab]
    private final double[] acceptU;                   // [k+1]
    private final double[] sampleU;                   // [k+1]
    private final Residual residual;
    private TreeSampling.TreeVerdict treeVerdict = new TreeSampling.TreeVerdict(0);
    private double[] treeU = new double[0];        // [depth + 1] a tree's uniforms, one per depth
    private int[] pathTokens = new int[0];         // a tree's accepted path, as tokens
    private final TargetRows targetRows = new TargetRows() {
        @Override
        public double[] row(int i) { // processed on first use: rows after a rejection are never computed
            Sampler.distribution(targetProbs[i], targetLogits, i * vocab, vocab, params);
            return targetProbs[i];
        }

        @Override
        public int draw(int i, double u) {
            return Sampler.sampleDistribution(targetProbs[i], targetLogits, i * vocab, vocab, params, u);
        }
    };
    private final IntUnaryOperator greedyTargetToken = this::greedyTargetToken;
    private StepObserver observer = (tokens, length) -> { };

    /**
     * Watches the loop, called in its order: statistics and timing ({@link SpecStats}) are one observer, a test that
     * compares the caches after every step another. Every method but {@link #committed} does nothing by default.
     */
    public interface StepObserver {
        /** After the prefill, before the first step. */
        default void started() {}

        /** The loop asks the proposer for k drafts (0: none fit or the draft length chose none; it is not asked). */
        default void drafting(int k) {}

        /** The proposer drafted ({@link Draft#EMPTY} when no draft fits); the target has not scored it yet. */
        default void proposed(Draft draft) {}

        /** The target scored the last committed token and the draft. */
        default void scored() {}

        /** The draft's verdict: how many drafts were accepted, and the residual or bonus token. */
        default void verified(Draft draft, Verdict verdict) {}

        /** tokens[0..length) are committed and both caches rolled back to them (a stop token may end the output). */
        void committed(int[] tokens, int length);

        /** After the last step. */
        default void finished() {}
    }

    /** Observes the run besides its statistics (tests: the caches after every step). */
    public void setStepObserver(StepObserver observer) {
        this.observer = observer;
    }

    /** Drafts are scored as a chain in one block ({@link ChainScorer}). */
    public SpeculativeDecoder(ForwardPass target, Proposer proposer, int draftTokens, SamplingParams params,
                              long seed) {
        this(new ChainScorer(target), proposer, draftTokens, params, seed);
    }

    /** With the scorer the proposer works with (one that shares the target's work or hidden states with it). */
    public SpeculativeDecoder(Scorer scorer, Proposer proposer, int draftTokens, SamplingParams params, long seed) {
        this(scorer, proposer, DraftLength.fixed(draftTokens), params, seed);
    }

    /** With k chosen each step by draftLength ({@link DraftLength#adaptive}), scored as a chain. */
    public SpeculativeDecoder(ForwardPass target, Proposer proposer, DraftLength draftLength, SamplingParams params,
                              long seed) {
        this(new ChainScorer(target), proposer, draftLength, params, seed);
    }

    /** With the scorer the proposer works with and k chosen each step by draftLength. */
    public SpeculativeDecoder(Scorer scorer, Proposer proposer, DraftLength draftLength, SamplingParams params,
                              long seed) {
        this.target = scorer.target();
        this.scorer = scorer;
        this.proposer = proposer;
        this.draftLength = draftLength;
        this.params = params;
        this.seed = seed;
        this.vocab = target.model().config().vocabSize();
        this.acceptU = new double[draftLength.max() + 1];
        this.sampleU = new double[draftLength.max() + 1];
        this.residual = new Residual(vocab);
        ensureRows(Math.min(draftLength.max() + 1, 8));
    }

    /** Generates after prompt, streaming each committed token to sink. Reuses the target's cached prefix it shares. */
    public Generation generate(int[] prompt, StopCondition stop, IntConsumer sink) {
        Prefill prefill = Prefill.run(scorer, prompt);
        int[] tokens = prefill.tokens(); // [context] the prompt, then what each step commits
        int length = prompt.length;
        boolean firstPass = proposer.needsFirstPass(); // a plain pass first, not counted: see Proposer
        SpecStats stats = new SpecStats(proposer::forwardNanos, firstPass);
        StepObserver observers = new Both(stats, new Both(draftLength.observer(), observer));
        observers.started();
        StopReason reason;
        while ((reason = stopReason(tokens, prompt.length, length, stop)) == null) {
            int k = firstPass ? 0 : draftLength(length - prompt.length, length, stop);
            firstPass = false;
            observers.drafting(k);
            Draft draft = propose(tokens, length, k);
            observers.proposed(draft);
            float[] logits = scorer.score(tokens, length, draft);
            observers.scored();
            Verdict verdict = verify(draft, logits, length);
            observers.verified(draft, verdict);
            int before = length;
            length = commit(tokens, length, draft.tree() == null ? draft.draftTokens() : pathTokens, verdict);
            scorer.rollBack(tokens, length, verdict.acceptedCount());
            proposer.onCommit(tokens, length, verdict.acceptedCount());
            observers.committed(tokens, length);
            length = stream(tokens, before, length, stop, sink);
        }
        observers.finished();
        return new Generation(Arrays.copyOfRange(tokens, prompt.length, length), reason, prompt.length,
                prefill.fed(), prefill.nanos(), stats.totalNanos(), stats);
    }

    /** Why generation ends before another step, or null while it goes on: a stop token ends it first. */
    private StopReason stopReason(int[] tokens, int promptLength, int length, StopCondition stop) {
        if (length > promptLength && stop.isStop(tokens[length - 1])) return StopReason.EOS;
        if (length - promptLength >= stop.maxTokens()) return StopReason.LENGTH;
        if (length >= target.context()) return StopReason.CONTEXT;
        return null;
    }

    /** A step commits up to k + 1 tokens: never past the context or past what may still be generated. */
    private int draftLength(int generated, int length, StopCondition stop) {
        int fits = Math.min(target.context() - length - 1, stop.maxTokens() - generated - 1);
        return Math.min(draftLength.next(), fits);
    }

    /** The proposer's draft of at most k tokens; the proposer is not asked when none fits. */
    private Draft propose(int[] tokens, int length, int k) {
        if (k == 0) return Draft.EMPTY;
        Draft draft = proposer.propose(tokens, length, k);
        if (draft.tree() == null ? draft.count() > k : draft.tree().maxDepth() > k
                || length + draft.count() > target.context()) {
            throw new IllegalStateException(proposer.getClass().getSimpleName() + " drafted " + draft.count()
                    + " tokens, more than the " + k + " asked for" + (draft.tree() == null ? ""
                    : " (a tree may be k deep and hold the nodes the context has room for)"));
        }
        return draft;
    }

    /** The draft's verdict from the target's logits [count + 1][vocab], with uniforms keyed by absolute position. */
    private Verdict verify(Draft draft, float[] logits, int length) {
        int k = draft.count();
        targetLogits = logits;
        if (draft.tree() != null) {
            return verifyTree(draft.tree(), length);
        }
        if (params.isGreedy()) return SpeculativeSampling.verifyGreedy(draft.draftTokens(), k, greedyTargetToken);
        ensureRows(k + 1);
        for (int i = 0; i <= k; i++) {
            acceptU[i] = Uniforms.at(seed, length + i, Uniforms.ACCEPT);
            sampleU[i] = Uniforms.at(seed, length + i, Uniforms.SAMPLE);
        }
        return SpeculativeSampling.verify(draft.draftTokens(), draft.draftProbs(), targetRows, k, acceptU, sampleU,
                residual);
    }

    /**
     * A tree's verdict ({@link TreeSampling}): depth d's token is drawn with the uniform plain decoding draws its
     * position with, so the output is plain decoding's token for token; the accepted path's tokens go to pathTokens.
     */
    private Verdict verifyTree(DraftTree tree, int length) {
        int depth = tree.maxDepth();
        if (treeVerdict.path().length < depth) {
            treeVerdict = new TreeSampling.TreeVerdict(depth);
            treeU = new double[depth + 1];
            pathTokens = new int[depth];
        }
        TreeSampling.TreeVerdict v;
        if (params.isGreedy()) {
            v = TreeSampling.verifyGreedy(tree, greedyTargetToken, treeVerdict);
        } else {
            ensureRows(tree.count() + 1);
            for (int d = 0; d <= depth; d++) {
                treeU[d] = TreeSampling.uniform(seed, length, d);
            }
            v = TreeSampling.verify(tree, targetRows, treeU, treeVerdict);
        }
        for (int i = 0; i < v.length(); i++) {
            pathTokens[i] = tree.tokens()[v.path()[i]];
        }
        return new Verdict(v.length(), v.emittedToken(), v.bonus());
    }

    /** Appends the accepted drafts and the emitted token to tokens[length..); returns the committed length. */
    private static int commit(int[] tokens, int length, int[] acceptedTokens, Verdict verdict) {
        int accepted = verdict.acceptedCount();
        System.arraycopy(acceptedTokens, 0, tokens, length, accepted);
        tokens[length + accepted] = verdict.emittedToken();
        return length + accepted + 1;
    }

    /** Streams tokens[from..to) to sink up to and including the first stop token; returns where the output ends. */
    private static int stream(int[] tokens, int from, int to, StopCondition stop, IntConsumer sink) {
        for (int i = from; i < to; i++) {
            sink.accept(tokens[i]);
            if (stop.isStop(tokens[i])) return i + 1;
        }
        return to;
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

    /** Two observers, called in order: the run's statistics, then the caller's. */
    private record Both(StepObserver first, StepObserver second) implements StepObserver {
        @Override
        public void started() {
            first.started();
            second.started();
        }

        @Override
        public void drafting(int k) {
            first.drafting(k);
            second.drafting(k);
        }

        @Override
        public void proposed(Draft draft) {
            first.proposed(draft);
            second.proposed(draft);
        }

        @Override
        public void scored() {
            first.scored();
            second.scored();
        }

        @Override
        public void verified(Draft draft, Verdict verdict) {
            first.verified(draft, verdict);
            second.verified(draft, verdict);
        }

        @Override
        public void committed(int[] tokens, int length) {
            first.committed(tokens, length);
            second.committed(tokens, length);
        }

        @Override
        public void finished() {
            first.finished();
            second.finished();
        }
    }
}
