package org.specula.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every {@link Kernels} backend against the {@link ScalarKernels} oracle at awkward sizes, unaligned weight offsets,
 * every weight dtype and block sizes 1..9 and 16; plus the contract's bitwise invariance: an output element is the
 * same bits whether its row is computed alone or inside a block. One subclass per backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class KernelsContractTest {
    static final DType[] WEIGHT_TYPES = {DType.F32, DType.BF16, DType.F16};
    /** Every tile remainder, and long blocks (≥ 32 rows: SIMD widens BF16/F16 rows once per 4-row group). */
    static final int[] ROWS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 32, 33, 34, 35, 64};
    static final int MAX_ROWS = 64;
    /**
     * [outDim, inDim]: tails for every vector width, single elements, and sizes above the parallel threshold, two of
     * them with fewer tiles than threads (so some threads' shares of the rows are empty).
     */
    static final int[][] MATMUL_SHAPES = {{1, 1}, {3, 7}, {13, 31}, {7, 64}, {64, 13}, {31, 257}, {5, 1000},
        {3, 4099}, {257, 257}, {1000, 64}, {1001, 96}, {9, 2100}, {5, 13200}, {2, 33000}};
    static final int[] SIZES = {1, 3, 7, 13, 31, 64, 257, 1000, 4099};

    private final ScalarKernels oracle = new ScalarKernels();
    private Kernels kernels;
    private Arena arena;

    /** The backend under test; closed after the class. */
    protected abstract Kernels create();

    @BeforeAll
    void open() {
        kernels = create();
        arena = Arena.ofShared();
    }

    @AfterAll
    void close() {
        kernels.close();
        arena.close();
    }

    private String backend() {
        return kernels.toString().startsWith("org.") ? kernels.name() : kernels.name() + " " + kernels;
    }

    // ------------------------------------------------------------------ helpers

    public static float[] randoms(Random random, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (random.nextFloat() * 2 - 1) * scale;
        }
        return a;
    }

    /** A weight tensor [outDim][inDim] of dtype, sliced at byte offset {@code offset} of a fresh segment. */
    Tensor weights(Random random, DType dtype, int outDim, int inDim, int offset) {
        long n = (long) outDim * inDim;
        MemorySegment seg = arena.allocate(n * dtype.bytes() + offset, 64).asSlice(offset, n * dtype.bytes());
        for (long i = 0; i < n; i++) {
            float v = random.nextFloat() * 2 - 1;
            if (random.nextInt(50) == 0) {
                v *= 1e-6f; // F16 subnormals
            }
            switch (dtype) {
                case F32 -> seg.setAtIndex(Tensor.F32_LE, i, v);
                case BF16 -> seg.setAtIndex(Tensor.I16_LE, i, DType.floatToBf16(v));
                case F16 -> seg.setAtIndex(Tensor.I16_LE, i, Float.floatToFloat16(v));
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        }
        return new Tensor("w", dtype, new long[] {outDim, inDim}, seg);
    }

    /** llm.c-style check: |e − a| ≤ abs + rel·|e|; the message names backend, what, and the first mismatches. */
    void assertClose(String what, float[] expected, float[] actual, int n, double abs, double rel) {
        List<String> bad = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < n; i++) {
            double e = expected[i];
            double a = actual[i];
            boolean ok = Math.abs(e - a) <= abs + rel * Math.abs(e) || (Double.isNaN(e) && Double.isNaN(a));
            if (!ok) {
                count++;
                if (bad.size() < 5) {
                    bad.add("[" + i + "] expected " + e + " got " + a);
                }
            }
        }
        if (count > 0) {
            fail(backend() + ": " + what + ": " + count + " of " + n + " mismatches (abs " + abs + ", rel " + rel
                    + "), first " + bad);
        }
    }

    // ------------------------------------------------------------------ matmul

    @Test
    void matmulMatchesOracle() {
        Random random = new Random(42);
        for (DType dtype : WEIGHT_TYPES) {
            for (int[] shape : MATMUL_SHAPES) {
                for (int offset : new int[] {0, 1}) {
                    int outDim = shape[0];
                    int inDim = shape[1];
                    Tensor w = weights(random, dtype, outDim, inDim, offset);
                    float[] x = randoms(random, MAX_ROWS * inDim, 1f);
                    float[] expected = new float[MAX_ROWS * outDim];
                    oracle.matmul(expected, w, x, MAX_ROWS);
                    for (int rows : ROWS) {
                        float[] out = new float[rows * outDim];
                        java.util.Arrays.fill(out, Float.NaN); // an output the kernel skips stays NaN and fails
                        kernels.matmul(out, w, x, rows);
                        assertClose("matmul " + dtype + " " + outDim + "x" + inDim + " offset " + offset
                                + " rows " + rows, expected, out, rows * outDim, 2e-5 * Math.sqrt(inDim), 1e-5);
                    }
                }
            }
        }
    }

    /** The contract: row t of a block is bit-identical to row t computed alone, for every dtype and block size. */
    @Test
    void matmulIsBitwiseIndependentOfBlockSize() {
        Random random = new Random(7);
        assertBlockSizeIndependent(random, 257, 1000); // short rows (SIMD: checks in the loop; widened long blocks)
        assertBlockSizeIndependent(random, 37, 2100); // long rows (SIMD: counted loops; long blocks not widened)
    }

    private void assertBlockSizeIndependent(Random random, int outDim, int inDim) {
        for (DType dtype : WEIGHT_TYPES) {
            Tensor w = weights(random, dtype, outDim, inDim, 1);
            float[] x = randoms(random, MAX_ROWS * inDim, 1f);
            float[][] alone = new float[MAX_ROWS][outDim];
            for (int t = 0; t < MAX_ROWS; t++) {
                java.util.Arrays.fill(alone[t], Float.NaN);
                float[] row = java.util.Arrays.copyOfRange(x, t * inDim, (t + 1) * inDim);
                kernels.matmul(alone[t], w, row, 1);
            }
            for (int rows : new int[] {2, 3, 5, 8, 16, 32, 35, 64}) {
                float[] out = new float[rows * outDim];
                java.util.Arrays.fill(out, Float.NaN);
                kernels.matmul(out, w, x, rows);
                for (int t = 0; t < rows; t++) {
                    for (int d = 0; d < outDim; d++) {
                        if (Float.floatToRawIntBits(out[t * outDim + d]) != Float.floatToRawIntBits(alone[t][d])) {
                            fail(backend() + ": matmul " + dtype + " " + outDim + "x" + inDim + " offset 1: row " + t
                                    + " of a block of " + rows + " differs at d=" + d + ": " + out[t * outDim + d]
                                    + " vs alone " + alone[t][d]);
                        }
                    }
                }
            }
        }
    }

    /**
     * Several matrices over the same input in one call give the bits of separate calls: stacked row counts that are
     * and are not multiples of the tile height, above and below the parallel threshold, every dtype and block size,
     * and a mixed-dtype call (run matrix by matrix).
     */
    @Test
    void stackedMatmulEqualsSeparateCalls() {
        Random random = new Random(19);
        int[][] outDims = {{960 / 8, 320 / 8, 320 / 8}, {257, 13, 101}, {3, 1}, {64}, {48, 40}};
        for (int inDim : new int[] {96, 1000, 2100}) {
            for (DType dtype : WEIGHT_TYPES) {
                for (int[] dims : outDims) {
                    Tensor[] w = new Tensor[dims.length];
                    for (int i = 0; i < dims.length; i++) {
                        w[i] = weights(random, dtype, dims[i], inDim, i % 2);
                    }
                    assertStackedEqualsSeparate(w, randoms(random, MAX_ROWS * inDim, 1f), inDim);
                }
            }
            Tensor[] mixed = {weights(random, DType.BF16, 40, inDim, 0), weights(random, DType.F32, 24, inDim, 1)};
            assertStackedEqualsSeparate(mixed, randoms(random, MAX_ROWS * inDim, 1f), inDim);
        }
    }

    private void assertStackedEqualsSeparate(Tensor[] w, float[] x, int inDim) {
        for (int rows : new int[] {1, 5, 8, 33}) {
            float[][] stacked = new float[w.length][];
            float[][] separate = new float[w.length][];
            for (int i = 0; i < w.length; i++) {
                int outDim = w[i].dim(0);
                stacked[i] = new float[rows * outDim];
                java.util.Arrays.fill(stacked[i], Float.NaN); // an output the call skips stays NaN and fails
                separate[i] = new float[rows * outDim];
                kernels.matmul(separate[i], w[i], x, rows);
            }
            kernels.matmul(stacked, w, x, rows);
            for (int i = 0; i < w.length; i++) {
                for (int e = 0; e < separate[i].length; e++) {
                    if (Float.floatToRawIntBits(stacked[i][e]) != Float.floatToRawIntBits(separate[i][e])) {
                        fail(backend() + ": stacked matmul " + w[i] + " (matrix " + i + " of " + w.length + ", "
                                + inDim + " wide) rows " + rows + " differs at " + e + ": " + stacked[i][e]
                                + " vs " + separate[i][e]);
                    }
                }
            }
        }
    }

    /** Every finite and special F16 pattern converts exactly (checked through matmul with x = ones). */
    @Test
    void matmulConvertsEveryF16Pattern() {
        int inDim = 16;
        int outDim = 65536;
        MemorySegment seg = arena.allocate((long) outDim * inDim * 2 + 1).asSlice(1, (long) outDim * inDim * 2);
        for (int d = 0; d < outDim; d++) {
            seg.setAtIndex(Tensor.I16_LE, (long) d * inDim + d % inDim, (short) d);
        }
        Tensor w = new Tensor("every-f16", DType.F16, new long[] {outDim, inDim}, seg);
        float[] x = new float[inDim];
        java.util.Arrays.fill(x, 1f);
        float[] out = new float[outDim];
        kernels.matmul(out, w, x, 1);
        for (int d = 0; d < outDim; d++) {
            float e = Float.float16ToFloat((short) d);
            if (!(e == out[d] || Float.isNaN(e) && Float.isNaN(out[d]))) {
                fail(backend() + ": F16 bits 0x" + Integer.toHexString(d) + " converted to " + out[d] + ", not " + e);
            }
        }
    }

    @Test
    void matmulRejectsNonFloatWeights() {
        Tensor w = new Tensor("ints", DType.I32, new long[] {2, 2}, arena.allocate(16));
        try {
            kernels.matmul(new float[2], w, new float[2], 1);
            fail(backend() + ": matmul accepted I32 weights");
        } catch (SpeculaException expected) {
            // the message names the tensor
        }
    }

    // ------------------------------------------------------------------ row kernels

    @Test
    void rmsnormMatchesOracle() {
        Random random = new Random(1);
        for (int n : SIZES) {
            for (int rows : new int[] {1, 3}) {
                float[] x = randoms(random, rows * n, 3f);
                float[] weight = randoms(random, n, 1f);
                float[] expected = new float[rows * n];
                float[] actual = new float[rows * n];
                oracle.rmsnorm(expected, x, weight, rows, n, 1e-5f);
                kernels.rmsnorm(actual, x, weight, rows, n, 1e-5f);
                assertClose("rmsnorm n " + n + " rows " + rows, expected, actual, rows * n, 1e-6, 1e-5);
                kernels.rmsnorm(x, x, weight, rows, n, 1e-5f); // aliased
                assertClose("rmsnorm in place n " + n + " rows " + rows, expected, x, rows * n, 1e-6, 1e-5);
            }
        }
    }

    @Test
    void ropeMatchesOracle() {
        Random random = new Random(2);
        int context = 40;
        for (int headDim : new int[] {2, 6, 14, 64, 128}) {
            int half = headDim / 2;
            float[] cos = new float[context * half];
            float[] sin = new float[context * half];
            for (int i = 0; i < cos.length; i++) {
                double angle = random.nextDouble() * 2 * Math.PI;
                cos[i] = (float) Math.cos(angle);
                sin[i] = (float) Math.sin(angle);
            }
            for (int rows : new int[] {1, 3, 9}) {
                int nHeads = 3;
                float[] expected = randoms(random, rows * nHeads * headDim, 2f);
                float[] actual = expected.clone();
                oracle.ropeInPlace(expected, rows, nHeads, headDim, 7, cos, sin);
                kernels.ropeInPlace(actual, rows, nHeads, headDim, 7, cos, sin);
                assertClose("rope headDim " + headDim + " rows " + rows, expected, actual, expected.length, 1e-6, 1e-5);
            }
        }
    }

    @Test
    void softmaxMatchesOracle() {
        Random random = new Random(3);
        for (int n : SIZES) {
            for (int off : new int[] {0, 3}) {
                float[] expected = randoms(random, off + n + 2, 20f);
                float[] actual = expected.clone();
                oracle.softmaxInPlace(expected, off, n);
                kernels.softmaxInPlace(actual, off, n);
                assertClose("softmax n " + n + " offset " + off, expected, actual, expected.length, 1e-9, 1e-5);
            }
        }
    }

    @Test
    void swigluAndAddMatchOracle() {
        Random random = new Random(4);
        for (int n : SIZES) {
            float[] gate = randoms(random, n, 8f);
            float[] up = randoms(random, n, 2f);
            float[] expected = gate.clone();
            float[] actual = gate.clone();
            oracle.swigluInPlace(expected, up, n);
            kernels.swigluInPlace(actual, up, n);
            assertClose("swiglu n " + n, expected, actual, n, 1e-7, 1e-5);
            oracle.addInPlace(expected, up, n);
            kernels.addInPlace(actual, up, n);
            assertClose("add n " + n, expected, actual, n, 1e-7, 1e-5);
        }
    }

    // ------------------------------------------------------------------ attention

    private record AttentionCase(int nHeads, int nKvHeads, int headDim, int startPos, int rows) {
    }

    private static final AttentionCase[] ATTENTION = {
        new AttentionCase(1, 1, 1, 0, 1), new AttentionCase(4, 2, 8, 0, 5), new AttentionCase(6, 3, 13, 7, 3),
        new AttentionCase(8, 2, 64, 31, 9), new AttentionCase(15, 5, 64, 257, 16), new AttentionCase(4, 4, 128, 3, 1),
    };

    @Test
    void attentionMatchesOracle() {
        Random random = new Random(5);
        for (AttentionCase c : ATTENTION) {
            int positions = c.startPos() + c.rows();
            int kvDim = c.nKvHeads() * c.headDim();
            float[] q = randoms(random, c.rows() * c.nHeads() * c.headDim(), 1f);
            float[] keys = randoms(random, (positions + 2) * kvDim, 1f);
            float[] values = randoms(random, (positions + 2) * kvDim, 1f);
            float[] expected = new float[q.length];
            float[] actual = new float[q.length];
            oracle.attention(expected, q, keys, values, c.rows(), c.startPos(), c.nHeads(), c.nKvHeads(),
                    c.headDim(), new float[c.nHeads() * positions]);
            kernels.attention(actual, q, keys, values, c.rows(), c.startPos(), c.nHeads(), c.nKvHeads(),
                    c.headDim(), new float[c.nHeads() * positions]);
            assertClose("attention " + c, expected, actual, q.length, 1e-5, 1e-4);
        }
    }

    /**
     * Row t of an attention block equals the same query computed alone at position startPos + t, bit for bit: blocks
     * of odd and even length (rows go two at a time), contexts past several vectors of positions, head dimensions with
     * vector and scalar tails.
     */
    @Test
    void attentionIsBitwiseIndependentOfBlockSize() {
        attentionBlockMatchesRowsAlone(8, 2, 64, 40, 9);
        attentionBlockMatchesRowsAlone(15, 5, 64, 130, 8);
        attentionBlockMatchesRowsAlone(6, 3, 80, 61, 5);
        attentionBlockMatchesRowsAlone(4, 1, 13, 17, 4);
    }

    private void attentionBlockMatchesRowsAlone(int nHeads, int nKvHeads, int headDim, int startPos, int rows) {
        Random random = new Random(6 + startPos);
        int qDim = nHeads * headDim;
        int kvDim = nKvHeads * headDim;
        float[] q = randoms(random, rows * qDim, 1f);
        float[] keys = randoms(random, (startPos + rows) * kvDim, 1f);
        float[] values = randoms(random, (startPos + rows) * kvDim, 1f);
        float[] block = new float[rows * qDim];
        kernels.attention(block, q, keys, values, rows, startPos, nHeads, nKvHeads, headDim,
                new float[nHeads * (startPos + rows)]);
        for (int t = 0; t < rows; t++) {
            float[] alone = new float[qDim];
            kernels.attention(alone, java.util.Arrays.copyOfRange(q, t * qDim, (t + 1) * qDim), keys, values, 1,
                    startPos + t, nHeads, nKvHeads, headDim, new float[nHeads * (startPos + t + 1)]);
            for (int i = 0; i < qDim; i++) {
                int row = t;
                assertEquals(Float.floatToRawIntBits(alone[i]), Float.floatToRawIntBits(block[t * qDim + i]),
                        () -> backend() + ": attention row " + row + " differs inside a block of " + rows
                                + " at start " + startPos + ", head dim " + headDim);
            }
        }
    }
}
