package org.specula.sampling.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The kernels' dispatch: nothing warms up until asked, and the warm-up changes no bits. The only test in this JVM
 * that calls {@link RowKernels#warmUp} (the no-incubator probe calls it in a child JVM).
 */
class RowKernelsTest {
    @Test
    void nothingStartsBeforeWarmUpAndTheRowsKeepTheirBits() {
        Random random = new Random(41);
        float[] logits = new float[4099];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (random.nextGaussian() * 5);
        long[] before = rows(logits);
        assertFalse(warmUpThreadAlive(), "a row started a warm-up thread");
        assertFalse(RowKernels.warm(), "warm before warmUp was called");

        RowKernels.warmUp();
        assertTrue(warmUpThreadAlive() || RowKernels.warm(), "warmUp started no race and is not warm");
        RowKernels.warmUp(); // a second call does nothing
        assertArrayEquals(before, rows(logits), "the rows changed during the warm-up");
    }

    // every kernel on one row, as bits
    private static long[] rows(float[] logits) {
        int n = logits.length;
        float max = RowKernels.max(logits, 0, n);
        double[] exps = new double[n];
        RowKernels.shiftedExpFromLogits(exps, logits, 0, n, 0.7, max / 0.7);
        double[] again = Arrays.copyOf(exps, n);
        RowKernels.shiftedExpInPlace(again, n, 1.0);
        int[] ids = new int[n + RowKernels.INDEX_SLACK];
        int count = RowKernels.indicesAtLeast(logits, 0, n, max - 4, ids);
        long[] keys = new long[count], sorted = new long[count];
        for (int c = 0; c < count; c++) keys[c] = ((long) Float.floatToRawIntBits(logits[ids[c]]) << 32) | ids[c];
        RowKernels.sortDistinctDescending(keys, count, sorted);
        long[] out = new long[3 + 2 * n + count];
        out[0] = Float.floatToRawIntBits(max);
        out[1] = RowKernels.countAtLeast(logits, 0, n, max - 4);
        out[2] = count;
        for (int i = 0; i < n; i++) {
            out[3 + i] = Double.doubleToRawLongBits(exps[i]);
            out[3 + n + i] = Double.doubleToRawLongBits(again[i]);
        }
        System.arraycopy(sorted, 0, out, 3 + 2 * n, count);
        return out;
    }

    private static boolean warmUpThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("specula-") && t.getName().endsWith("-warmup"));
    }
}
