package org.specula.sampling.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The sampler's row scans: every vector width and the scalar twin give the obvious loops' answers. */
class RowScanTest {
    private static final int[] SIZES = {1, 3, 7, 13, 16, 31, 64, 257, 512, 1000, 4099};
    private static final float[] SPECIALS = {0f, -0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, 1e-40f};

    private static RowScan[] implementations() {
        return new RowScan[]{new RowScan.Scalar(), VectorRowScan.forBits(128), VectorRowScan.forBits(256),
                VectorRowScan.forBits(512)};
    }

    /** A row with a few ties, specials at random places, and n elements from offset off of a longer array. */
    private static float[] row(Random random, int off, int n, boolean specials) {
        float[] x = new float[off + n + 5];
        for (int i = 0; i < x.length; i++) x[i] = (float) (random.nextGaussian() * 3) + (i % 7 == 0 ? 0.5f : 0);
        for (int i = off; i < off + n; i += 11) x[i] = x[off + random.nextInt(n)]; // ties
        if (specials) {
            for (int s = 0; s < 3; s++) x[off + random.nextInt(n)] = SPECIALS[random.nextInt(SPECIALS.length)];
        }
        x[off + n] = 1e30f; // past the end: never read
        return x;
    }

    @Test
    void maxIsMathMaxOverTheRowAtEveryWidth() {
        Random random = new Random(31);
        for (int n : SIZES) {
            for (int off : new int[]{0, 1, 5}) {
                for (int trial = 0; trial < 20; trial++) {
                    float[] x = row(random, off, n, trial % 2 == 0);
                    if (trial % 5 == 4) x[off + random.nextInt(n)] = Float.NaN;
                    if (trial % 7 == 6) { // zeros of both signs as the maximum, -0 first or last
                        for (int i = off; i < off + n; i++) x[i] = -Math.abs(x[i]) - 1;
                        x[off + random.nextInt(n)] = -0f;
                        x[off + (trial % 2 == 0 ? 0 : n - 1)] = n > 1 ? 0f : -0f;
                    }
                    float expected = x[off];
                    for (int i = off; i < off + n; i++) expected = Math.max(expected, x[i]);
                    for (RowScan scan : implementations()) {
                        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(scan.maxOf(x, off, n)),
                                scan.getClass().getSimpleName() + " n = " + n + " off = " + off);
                    }
                }
            }
        }
    }

    @Test
    void countAndIndicesAreTheTokensReachingTheThresholdAtEveryWidth() {
        Random random = new Random(32);
        for (int n : SIZES) {
            for (int off : new int[]{0, 3}) {
                for (int trial = 0; trial < 20; trial++) {
                    float[] x = row(random, off, n, true);
                    if (trial % 4 == 3) x[off + random.nextInt(n)] = Float.NaN;
                    float[] thresholds = {x[off + random.nextInt(n)], (float) random.nextGaussian() * 3,
                            Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 0f, -0f, Float.NaN};
                    for (float t : thresholds) {
                        int[] expected = java.util.stream.IntStream.range(0, n).filter(i -> x[off + i] >= t).toArray();
                        for (RowScan scan : implementations()) {
                            String what = scan.getClass().getSimpleName() + " n = " + n + " off = " + off + " t = " + t;
                            assertEquals(expected.length, scan.count(x, off, n, t), what);
                            int[] out = new int[expected.length + RowKernels.INDEX_SLACK];
                            assertEquals(expected.length, scan.indices(x, off, n, t, out), what);
                            assertArrayEquals(expected, java.util.Arrays.copyOf(out, expected.length), what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void rankSortOrdersDistinctKeysLargestFirstAtEveryWidth() {
        Random random = new Random(34);
        for (int m : new int[]{0, 1, 2, 3, 7, 8, 9, 13, 31, 48, 64, 65, 257}) {
            for (int trial = 0; trial < 10; trial++) {
                long[] keys = random.longs(m + 3).distinct().limit(m).toArray();
                if (trial % 3 == 0 && m > 1) keys[random.nextInt(m)] = Long.MIN_VALUE; // the extremes too
                if (trial % 3 == 1 && m > 1) keys[random.nextInt(m)] = Long.MAX_VALUE;
                long[] distinct = java.util.Arrays.stream(keys).distinct().toArray();
                long[] expected = java.util.Arrays.stream(distinct).boxed().sorted(java.util.Comparator.reverseOrder())
                        .mapToLong(Long::longValue).toArray();
                for (RowScan scan : implementations()) {
                    long[] out = new long[distinct.length + 2];
                    out[distinct.length] = 42; // past the end: untouched
                    scan.rankSort(java.util.Arrays.copyOf(distinct, distinct.length + 1), distinct.length, out);
                    assertArrayEquals(expected, java.util.Arrays.copyOf(out, distinct.length),
                            scan.getClass().getSimpleName() + " m = " + distinct.length);
                    assertEquals(42, out[distinct.length]);
                }
            }
        }
    }

    @Test
    void publicScansCheckTheirRange() {
        float[] x = new float[10];
        assertThrows(IndexOutOfBoundsException.class, () -> RowKernels.max(x, 5, 6));
        assertThrows(IllegalArgumentException.class, () -> RowKernels.max(x, 5, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> RowKernels.countAtLeast(x, -1, 3, 0f));
        assertThrows(IndexOutOfBoundsException.class, () -> RowKernels.indicesAtLeast(x, 8, 3, 0f, new int[80]));
        assertThrows(IndexOutOfBoundsException.class, () -> RowKernels.sortDistinctDescending(new long[3], 4,
                new long[4]));
    }

    @Test
    void theBuildsJvmLoadsTheVectorScans() {
        // The build's test JVMs run with --add-modules jdk.incubator.vector; how soon the vectors pay off is the
        // benchmarks' business (specula bench), not a unit test's.
        assertNotNull(Warmup.load(RowScan.VECTOR_CLASS, RowScan.class), RowScan.VECTOR_CLASS + " was not loaded");
    }

    @Test
    void warmUpLapsRunAtEveryWidth() {
        for (RowScan scan : implementations()) {
            assertTrue(scan.laps().getAsLong() >= 0, scan.getClass().getSimpleName());
        }
    }
}
