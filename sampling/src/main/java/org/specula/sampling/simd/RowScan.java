package org.specula.sampling.simd;

/**
 * Scans of a row of float logits for the sampler: its maximum, how many logits reach a threshold, and which; and an
 * ordering of a few rank keys. Every result is exact (maxima, comparisons and counts, no arithmetic on the values),
 * so the vector implementation and the scalar twin agree on every row; the vector one, in {@link VectorRowScan}, is
 * loaded by name when {@code jdk.incubator.vector} is present and used once {@link Warmup} has seen it compiled. A
 * row of 512 logits took 0.7 µs for its maximum and 1.7 µs for a scalar top-k selection; in vectors a pass over it
 * is some 32 instructions.
 */
public abstract class RowScan {
    static final String VECTOR_CLASS = "org.specula.sampling.simd.VectorRowScan";
    /** {@link #indicesAtLeast} may write this many ints past the last index it returns. */
    public static final int INDEX_SLACK = 64;

    private static final RowScan SCALAR = new Scalar();
    private static final RowScan VECTOR = Warmup.load(VECTOR_CLASS, RowScan.class);
    private static volatile boolean vectorReady;
    private static volatile boolean warmupOver;

    static {
        if (VECTOR != null) {
            float[] row = new float[512];
            for (int i = 0; i < row.length; i++) row[i] = (i * 37 % 101) * 0.25f - 12;
            int[] indices = new int[row.length + INDEX_SLACK];
            Warmup.start("specula-rowscan-warmup", () -> race(VECTOR, row, indices), () -> race(SCALAR, row, indices),
                    won -> {
                        vectorReady = won;
                        warmupOver = true;
                    });
        }
    }

    RowScan() {}

    private static long race(RowScan scan, float[] row, int[] indices) {
        long start = System.nanoTime();
        float max = scan.maxOf(row, 0, row.length);
        int count = scan.count(row, 0, row.length, max - 3);
        if (scan.indices(row, 0, row.length, max - 3, indices) != count) throw new AssertionError("row scan");
        long[] keys = new long[count], sorted = new long[count];
        for (int n = 0; n < count; n++) keys[n] = ((long) Float.floatToRawIntBits(row[indices[n]]) << 32) | indices[n];
        scan.rankSort(keys, count, sorted);
        return System.nanoTime() - start;
    }

    private static RowScan current() {
        return vectorReady ? VECTOR : SCALAR;
    }

    /**
     * The largest of {@code x[off .. off+n)} as {@link Math#max} orders floats (+0 above −0), or NaN if any element
     * is NaN; n ≥ 1.
     */
    public static float max(float[] x, int off, int n) {
        java.util.Objects.checkFromIndexSize(off, n, x.length);
        if (n == 0) throw new IllegalArgumentException("max of an empty row");
        return current().maxOf(x, off, n);
    }

    /** How many of {@code x[off .. off+n)} are at least threshold (NaN never is). */
    public static int countAtLeast(float[] x, int off, int n, float threshold) {
        java.util.Objects.checkFromIndexSize(off, n, x.length);
        return current().count(x, off, n, threshold);
    }

    /**
     * Writes the indices i (relative to off, ascending) whose {@code x[off + i]} is at least threshold to
     * {@code out[0 ..)} and returns how many; out must hold that many plus {@link #INDEX_SLACK}.
     */
    public static int indicesAtLeast(float[] x, int off, int n, float threshold, int[] out) {
        java.util.Objects.checkFromIndexSize(off, n, x.length);
        return current().indices(x, off, n, threshold, out);
    }

    /**
     * Writes the m distinct {@code keys[0 .. m)} to {@code out[0 .. m)} largest first, placing each at the count of
     * keys above it: m² comparisons, in vectors and without a branch on their outcome, where an insertion sort of
     * some 48 keys mispredicted about every other comparison. For m up to a few hundred.
     */
    public static void sortDistinctDescending(long[] keys, int m, long[] out) {
        java.util.Objects.checkFromIndexSize(0, m, keys.length);
        java.util.Objects.checkFromIndexSize(0, m, out.length);
        current().rankSort(keys, m, out);
    }

    /** Whether the scans run at their steady speed: no vector implementation, or its warm-up is over. */
    public static boolean warm() {
        return VECTOR == null || warmupOver;
    }

    /** Whether the vector implementation was loaded, and whether the scans use it now (for tests). */
    static boolean vectorised() {
        return VECTOR != null;
    }

    static boolean vectorReady() {
        return vectorReady;
    }

    abstract float maxOf(float[] x, int off, int n);

    abstract int count(float[] x, int off, int n, float threshold);

    abstract int indices(float[] x, int off, int n, float threshold, int[] out);

    abstract void rankSort(long[] keys, int m, long[] out);

    static final class Scalar extends RowScan {
        @Override
        float maxOf(float[] x, int off, int n) {
            // Math.max is commutative and associative on floats (NaN absorbs, +0 beats −0): any order, one answer
            float m0 = x[off], m1 = m0, m2 = m0, m3 = m0;
            int i = 0;
            for (; i + 4 <= n; i += 4) {
                m0 = Math.max(m0, x[off + i]);
                m1 = Math.max(m1, x[off + i + 1]);
                m2 = Math.max(m2, x[off + i + 2]);
                m3 = Math.max(m3, x[off + i + 3]);
            }
            for (; i < n; i++) m0 = Math.max(m0, x[off + i]);
            return Math.max(Math.max(m0, m1), Math.max(m2, m3));
        }

        @Override
        int count(float[] x, int off, int n, float threshold) {
            int count = 0;
            for (int i = 0; i < n; i++) count += x[off + i] >= threshold ? 1 : 0;
            return count;
        }

        @Override
        int indices(float[] x, int off, int n, float threshold, int[] out) {
            int count = 0;
            for (int i = 0; i < n; i++) {
                if (x[off + i] >= threshold) out[count++] = i;
            }
            return count;
        }

        @Override
        void rankSort(long[] keys, int m, long[] out) {
            for (int i = 0; i < m; i++) {
                long key = keys[i];
                int above = 0;
                for (int j = 0; j < m; j++) above += keys[j] > key ? 1 : 0;
                out[above] = key;
            }
        }
    }
}
