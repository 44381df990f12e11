package org.specula.sampling.simd;

import java.util.function.LongSupplier;

/**
 * Scans of a row of float logits for the sampler: its maximum, how many logits reach a threshold, and which; and an
 * ordering of a few rank keys. Every result is exact (maxima, comparisons and counts, no arithmetic on the values),
 * so the vector implementation, {@link VectorRowScan}, and the scalar twin agree on every row; {@link RowKernels}
 * chooses between them.
 */
abstract class RowScan {
    static final String VECTOR_CLASS = "org.specula.sampling.simd.VectorRowScan";
    static final RowScan SCALAR = new Scalar();

    RowScan() {}

    /**
     * The largest of {@code x[off .. off+n)} as {@link Math#max} orders floats (+0 above −0), or NaN if any element
     * is NaN; n ≥ 1.
     */
    abstract float maxOf(float[] x, int off, int n);

    /** How many of {@code x[off .. off+n)} are at least threshold (NaN never is). */
    abstract int count(float[] x, int off, int n, float threshold);

    /**
     * Writes the indices i (relative to off, ascending) whose {@code x[off + i]} is at least threshold to
     * {@code out[0 ..)} and returns how many; may write up to {@link RowKernels#INDEX_SLACK} ints past them.
     */
    abstract int indices(float[] x, int off, int n, float threshold, int[] out);

    /**
     * Writes the m distinct {@code keys[0 .. m)} to {@code out[0 .. m)} largest first, placing each at the count of
     * keys above it: m² comparisons, in vectors and without a branch on their outcome.
     */
    abstract void rankSort(long[] keys, int m, long[] out);

    /** Warm-up laps on a private row: each call runs every scan once and returns the nanoseconds taken. */
    LongSupplier laps() {
        float[] row = new float[512];
        for (int i = 0; i < row.length; i++) row[i] = (i * 37 % 101) * 0.25f - 12;
        int[] indices = new int[row.length + RowKernels.INDEX_SLACK];
        long[] keys = new long[row.length], sorted = new long[row.length];
        return () -> {
            long start = System.nanoTime();
            float max = maxOf(row, 0, row.length);
            int count = count(row, 0, row.length, max - 3);
            if (indices(row, 0, row.length, max - 3, indices) != count) throw new AssertionError("row scan");
            for (int n = 0; n < count; n++) {
                keys[n] = ((long) Float.floatToRawIntBits(row[indices[n]]) << 32) | indices[n];
            }
            rankSort(keys, count, sorted);
            return System.nanoTime() - start;
        };
    }

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
