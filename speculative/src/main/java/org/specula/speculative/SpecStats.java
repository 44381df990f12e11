package org.specula.speculative;

import org.specula.speculative.SpeculativeSampling.Verdict;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Acceptance statistics of a speculative run: per target pass, how many drafts were proposed and accepted (for a
 * tree: its nodes, and the accepted path's length; the figures by position are by depth), and
 * how the time split between drafting, verification and the rest. It observes the loop, which holds no clock: the
 * verification time runs from proposed to scored, the draft time is what the proposer's forwards report.
 */
public final class SpecStats implements SpeculativeDecoder.StepObserver {
    private final List<Integer> acceptedPerStep = new ArrayList<>();
    private long[] acceptedAtPosition = new long[0]; // [k] drafts accepted at draft index i
    private long[] draftedAtPosition = new long[0];  // [k] drafts proposed at draft index i
    private long asked;    // draft tokens the loop asked for, summed over the steps
    private long drafted;
    private long accepted;
    private long emitted;
    private final boolean speculative;
    private final LongSupplier draftForwardNanos; // the proposer's forward time so far
    private long startNanos;
    private long draftStartNanos;
    private long scoreStartNanos;
    private long draftNanos;
    private long verifyNanos;
    private long totalNanos;
    private boolean skipStep; // the next verified step is not counted

    SpecStats(LongSupplier draftForwardNanos) {
        this(true, draftForwardNanos, false);
    }

    /** uncountedFirstStep: the first step is the plain pass a head drafter needs, in no figure but the times. */
    SpecStats(LongSupplier draftForwardNanos, boolean uncountedFirstStep) {
        this(true, draftForwardNanos, uncountedFirstStep);
    }

    private SpecStats(boolean speculative, LongSupplier draftForwardNanos, boolean uncountedFirstStep) {
        this.speculative = speculative;
        this.draftForwardNanos = draftForwardNanos;
        this.skipStep = uncountedFirstStep;
    }

    /** A plain run's figures: nothing drafted, every figure zero, {@link #speculative()} false. */
    public static SpecStats plain() {
        return new SpecStats(false, () -> 0, false);
    }

    /** Whether the run was speculative decoding (with any k, 0 included) rather than plain decoding. */
    public boolean speculative() {
        return speculative;
    }

    @Override
    public void started() {
        startNanos = System.nanoTime();
        draftStartNanos = draftForwardNanos.getAsLong();
    }

    @Override
    public void drafting(int k) {
        asked += k;
    }

    @Override
    public void proposed(Draft draft) {
        scoreStartNanos = System.nanoTime();
    }

    @Override
    public void scored() {
        verifyNanos += System.nanoTime() - scoreStartNanos;
    }

    @Override
    public void verified(Draft draft, Verdict verdict) {
        if (skipStep) {
            skipStep = false;
            return;
        }
        int draftedCount = draft.count();
        int acceptedCount = verdict.acceptedCount();
        int depth = draft.tree() == null ? draftedCount : draft.tree().maxDepth(); // a tree's positions: its depths
        if (draftedAtPosition.length < depth) {
            acceptedAtPosition = java.util.Arrays.copyOf(acceptedAtPosition, depth);
            draftedAtPosition = java.util.Arrays.copyOf(draftedAtPosition, depth);
        }
        for (int i = 0; i < depth; i++) {
            draftedAtPosition[i]++;
            if (i < acceptedCount) {
                acceptedAtPosition[i]++;
            }
        }
        acceptedPerStep.add(acceptedCount);
        drafted += draftedCount;
        accepted += acceptedCount;
        emitted += acceptedCount + 1;
    }

    @Override
    public void committed(int[] tokens, int length) {
    }

    @Override
    public void finished() {
        totalNanos = System.nanoTime() - startNanos;
        draftNanos = draftForwardNanos.getAsLong() - draftStartNanos;
    }

    /** Target verification passes. */
    public int steps() {
        return acceptedPerStep.size();
    }

    public List<Integer> acceptedPerStep() {
        return List.copyOf(acceptedPerStep);
    }

    public long drafted() {
        return drafted;
    }

    public long accepted() {
        return accepted;
    }

    /**
     * Mean draft length the loop asked for per target pass (k, or the adaptive policy's choice, after the clamp to
     * the context and the tokens left); a proposer may draft fewer ({@link #drafted}).
     */
    public double meanDraftTokens() {
        return steps() == 0 ? 0 : (double) asked / steps();
    }

    /** Accepted drafts / proposed drafts. */
    public double acceptanceRate() {
        return drafted == 0 ? 0 : (double) accepted / drafted;
    }

    /** Mean number of drafts accepted per target pass. */
    public double meanAcceptedPerStep() {
        return steps() == 0 ? 0 : (double) accepted / steps();
    }

    /** Tokens emitted per target pass (accepted + residual or bonus). */
    public double tokensPerStep() {
        return steps() == 0 ? 0 : (double) emitted / steps();
    }

    /**
     * At draft index i (0-based): the fraction of the steps that drafted a token there in which it was accepted, and
     * so were drafts 0..i-1 (about α^(i+1) for a constant per-token rate α); not a rate conditional on reaching i.
     */
    public double[] acceptanceByPosition() {
        double[] out = new double[draftedAtPosition.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = draftedAtPosition[i] == 0 ? 0 : (double) acceptedAtPosition[i] / draftedAtPosition[i];
        }
        return out;
    }

    public long draftNanos() {
        return draftNanos;
    }

    public long verifyNanos() {
        return verifyNanos;
    }

    public long totalNanos() {
        return totalNanos;
    }

    /** Share of the decode time spent outside the two models' forwards (sampling, bookkeeping). */
    public double overheadFraction() {
        return totalNanos == 0 ? 0 : Math.max(0, totalNanos - draftNanos - verifyNanos) / (double) totalNanos;
    }
}
