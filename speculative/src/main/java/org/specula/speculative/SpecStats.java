package org.specula.speculative;

import java.util.ArrayList;
import java.util.List;

/**
 * Acceptance statistics of a speculative run: per target pass, how many drafts were proposed and accepted, and
 * how the time split between drafting, verification and the rest.
 */
public final class SpecStats {
    private final List<Integer> acceptedPerStep = new ArrayList<>();
    private long[] acceptedAtPosition = new long[0]; // [k] drafts accepted at draft index i
    private long[] draftedAtPosition = new long[0];  // [k] drafts proposed at draft index i
    private long drafted;
    private long accepted;
    private long emitted;
    long draftNanos;
    long verifyNanos;
    long totalNanos;
    private final boolean speculative;

    SpecStats() {
        this(true);
    }

    private SpecStats(boolean speculative) {
        this.speculative = speculative;
    }

    /** A plain run's figures: nothing drafted, every figure zero, {@link #speculative()} false. */
    public static SpecStats plain() {
        return new SpecStats(false);
    }

    /** Whether the run was speculative decoding (with any k, 0 included) rather than plain decoding. */
    public boolean speculative() {
        return speculative;
    }

    void record(int draftedCount, int acceptedCount, int emittedCount) {
        if (draftedAtPosition.length < draftedCount) {
            acceptedAtPosition = java.util.Arrays.copyOf(acceptedAtPosition, draftedCount);
            draftedAtPosition = java.util.Arrays.copyOf(draftedAtPosition, draftedCount);
        }
        for (int i = 0; i < draftedCount; i++) {
            draftedAtPosition[i]++;
            if (i < acceptedCount) {
                acceptedAtPosition[i]++;
            }
        }
        acceptedPerStep.add(acceptedCount);
        drafted += draftedCount;
        accepted += acceptedCount;
        emitted += emittedCount;
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

    /** Acceptance rate at draft index i (0-based), given that index was reached. */
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
