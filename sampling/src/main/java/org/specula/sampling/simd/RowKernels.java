package org.specula.sampling.simd;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sampler's row kernels: a row's maximum, how many logits reach a threshold and which, a small sort of rank keys
 * ({@link RowScan}), and exp(x − max) ({@link ShiftedExp}). Each has a scalar twin with the same results (the scans
 * are exact; the exp performs the same IEEE operations in the same order), so which one runs changes speed, never
 * bits.
 *
 * <p>Rows use the scalar twins until {@link #warmUp} has seen the vector code run compiled (see {@link Warmup}).
 * Nothing starts on its own: before warmUp no thread runs and no vector class is loaded.
 *
 * <p>Public only for {@code org.specula.sampling.Sampler} in the parent package; other modules use the sampler.
 */
public final class RowKernels {
    /** {@link #indicesAtLeast} may write this many ints past the last index it returns. */
    public static final int INDEX_SLACK = 64;

    private static volatile ShiftedExp exp = ShiftedExp.SCALAR;
    private static volatile RowScan scan = RowScan.SCALAR;
    private static final AtomicInteger RACES_LEFT = new AtomicInteger();
    private static boolean started; // guarded by RowKernels.class
    private static volatile boolean warm;

    private RowKernels() {}

    /**
     * Starts the warm-up and returns at once: for each kernel family whose vector implementation loads, a
     * background race against its scalar twin that switches the rows to vectors once they run at least twice as fast
     * (or gives up after a minute). Later calls do nothing. Without {@code jdk.incubator.vector}, the kernels are warm
     * at once.
     */
    public static synchronized void warmUp() {
        if (started) return;
        started = true;
        ShiftedExp vectorExp = Warmup.load(ShiftedExp.VECTOR_CLASS, ShiftedExp.class);
        RowScan vectorScan = Warmup.load(RowScan.VECTOR_CLASS, RowScan.class);
        RACES_LEFT.set((vectorExp != null ? 1 : 0) + (vectorScan != null ? 1 : 0));
        if (RACES_LEFT.get() == 0) warm = true;
        if (vectorExp != null) {
            Warmup.start("specula-exp-warmup", vectorExp.laps(), ShiftedExp.SCALAR.laps(), won -> {
                if (won) exp = vectorExp;
                raceOver();
            });
        }
        if (vectorScan != null) {
            Warmup.start("specula-rowscan-warmup", vectorScan.laps(), RowScan.SCALAR.laps(), won -> {
                if (won) scan = vectorScan;
                raceOver();
            });
        }
    }

    private static void raceOver() {
        if (RACES_LEFT.decrementAndGet() == 0) warm = true;
    }

    /** Whether the kernels run at their steady speed: {@link #warmUp} was called and its races are over. */
    public static boolean warm() {
        return warm;
    }

    /**
     * The largest of {@code x[off .. off+n)} as {@link Math#max} orders floats (+0 above −0), or NaN if any element
     * is NaN; n ≥ 1.
     */
    public static float max(float[] x, int off, int n) {
        Objects.checkFromIndexSize(off, n, x.length);
        if (n == 0) throw new IllegalArgumentException("max of an empty row");
        return scan.maxOf(x, off, n);
    }

    /** How many of {@code x[off .. off+n)} are at least threshold (NaN never is). */
    public static int countAtLeast(float[] x, int off, int n, float threshold) {
        Objects.checkFromIndexSize(off, n, x.length);
        return scan.count(x, off, n, threshold);
    }

    /**
     * Writes the indices i (relative to off, ascending) whose {@code x[off + i]} is at least threshold to
     * {@code out[0 ..)} and returns how many; out must hold that many plus {@link #INDEX_SLACK}.
     */
    public static int indicesAtLeast(float[] x, int off, int n, float threshold, int[] out) {
        Objects.checkFromIndexSize(off, n, x.length);
        return scan.indices(x, off, n, threshold, out);
    }

    /**
     * Writes the m distinct {@code keys[0 .. m)} to {@code out[0 .. m)} largest first: m² comparisons without a
     * branch on their outcome, for m up to a few hundred.
     */
    public static void sortDistinctDescending(long[] keys, int m, long[] out) {
        Objects.checkFromIndexSize(0, m, keys.length);
        Objects.checkFromIndexSize(0, m, out.length);
        scan.rankSort(keys, m, out);
    }

    /** x[i] = exp(x[i] − max) for i &lt; n, every x[i] ≤ max, max finite. */
    public static void shiftedExpInPlace(double[] x, int n, double max) {
        exp.inPlace(x, n, max);
    }

    /**
     * out[i] = exp(logits[off+i]/temperature − max) for i &lt; n, the quotient in double: the bits of
     * {@link #shiftedExpInPlace} of the quotients, in one pass. Every quotient at most max, max finite,
     * temperature &gt; 0.
     */
    public static void shiftedExpFromLogits(double[] out, float[] logits, int off, int n, double temperature,
                                            double max) {
        exp.fromLogits(out, logits, off, n, temperature, max);
    }
}
