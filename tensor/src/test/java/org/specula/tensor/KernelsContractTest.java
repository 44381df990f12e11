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
 * every weight dtype and block sizes 1..9, 16, 32..35 and 64; plus the contract's bitwise invariance: an output element is the
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

    /**
     * Whether the tree-attention test covers every head layout (the backend at its own width, and the oracle), or two
     * of them (the other widths and thread counts, which share its code and took most of the suite's time).
     */
    protected boolean fullTreeSweep() {
        return true;
    }

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

    static final DType[] KV_TYPES = {DType.F32, DType.BF16, DType.F16};
    /** MHA, GQA (groups of 2, 3 and 4), MQA; head_dim 8 (stories260K), 16, 64 and 128. */
    static final int[][] HEAD_LAYOUTS = {{4, 4, 64}, {15, 5, 64}, {8, 1, 64}, {8, 4, 8}, {6, 2, 16}, {8, 2, 128}};
    /** Context lengths (startPos + rows) around tiles (32), chunks (256) and vectors, up to 2047. */
    static final int[] LENGTHS = {1, 2, 63, 64, 65, 1000, 2047};

    /**
     * One layer's cache holding positions 0 .. positions-1 (random values times scale) and, past them, NaN: attention
     * must never read a position at or after startPos + rows.
     */
    public static KvLayer kvLayer(Random random, DType dtype, int nKvHeads, int headDim, int positions, float scale) {
        int kvDim = nKvHeads * headDim;
        KvLayer kv = new KvLayer(dtype, nKvHeads, headDim, positions + 3);
        kv.write(0, positions, randoms(random, positions * kvDim, scale), 0, randoms(random, positions * kvDim, 1f), 0);
        float[] nan = new float[3 * kvDim];
        java.util.Arrays.fill(nan, Float.NaN);
        kv.write(positions, 3, nan, 0, nan, 0);
        return kv;
    }

    /**
     * Decode (1 row) at every length and a verify block (5 rows) and a prompt chunk (16 rows, up to 1000 positions)
     * ending there.
     */
    @Test
    void attentionMatchesOracle() {
        Random random = new Random(5);
        for (DType dtype : KV_TYPES) {
            for (int[] layout : HEAD_LAYOUTS) {
                for (int length : LENGTHS) {
                    for (int rows : new int[]{1, 5, 16}) {
                        if (rows > length || rows == 16 && length > 1000) { // the oracle's cost: CI time
                            continue;
                        }
                        if (rows > 1 && layout[2] == 128 && length > 1000) {
                            continue;
                        }
                        attentionCase(random, dtype, new AttentionCase(layout[0], layout[1], layout[2],
                                length - rows, rows), length % 2 == 0 ? 1f : 4f);
                    }
                }
            }
        }
    }

    private void attentionCase(Random random, DType dtype, AttentionCase c, float keyScale) {
        int positions = c.startPos() + c.rows();
        KvLayer kv = kvLayer(random, dtype, c.nKvHeads(), c.headDim(), positions, keyScale);
        float[] q = randoms(random, c.rows() * c.nHeads() * c.headDim(), 1f);
        float[] expected = new float[q.length];
        float[] actual = new float[q.length];
        oracle.attention(expected, q, kv, c.rows(), c.startPos(), c.nHeads());
        kernels.attention(actual, q, kv, c.rows(), c.startPos(), c.nHeads());
        assertClose("attention " + dtype + " " + c, expected, actual, q.length, 1e-5, 1e-4);
    }

    /** The cache stores what it is given, rounded to its dtype, at every position and dimension. */
    @Test
    void kvLayerStoresRoundedValues() {
        Random random = new Random(7);
        for (DType dtype : KV_TYPES) {
            int nKv = 3;
            int headDim = 10;
            int positions = 70;
            float[] k = randoms(random, positions * nKv * headDim, 3f);
            float[] v = randoms(random, positions * nKv * headDim, 3f);
            KvLayer kv = new KvLayer(dtype, nKv, headDim, positions);
            kv.write(0, 40, k, 0, v, 0);
            kv.write(40, positions - 40, k, 40 * nKv * headDim, v, 40 * nKv * headDim);
            for (int p = 0; p < positions; p++) {
                for (int h = 0; h < nKv; h++) {
                    for (int i = 0; i < headDim; i++) {
                        int at = (p * nKv + h) * headDim + i;
                        assertEquals(kv.round(k[at]), kv.key(h, p, i), dtype + " key " + p + "/" + h + "/" + i);
                        assertEquals(kv.round(v[at]), kv.value(h, p, i), dtype + " value " + p + "/" + h + "/" + i);
                    }
                }
            }
            float x = 1 + 0x1p-8f + 0x1p-10f; // between two BF16 values, nearer the upper; exact in F16 and F32
            assertEquals(dtype == DType.BF16 ? 1 + 0x1p-7f : x, kv.round(x), dtype + " rounding");
        }
    }

    /**
     * Row t of an attention block equals the same query computed alone at position startPos + t, bit for bit: blocks
     * of odd and even length, blocks crossing a tile (32) and a chunk (256) boundary, long contexts, every dtype.
     */
    @Test
    void attentionIsBitwiseIndependentOfBlockSize() {
        for (DType dtype : KV_TYPES) {
            attentionBlockMatchesRowsAlone(dtype, 8, 2, 64, 40, 9);
            attentionBlockMatchesRowsAlone(dtype, 15, 5, 64, 250, 8);
            attentionBlockMatchesRowsAlone(dtype, 15, 5, 64, 1020, 16);
            attentionBlockMatchesRowsAlone(dtype, 6, 3, 80, 61, 5);
            attentionBlockMatchesRowsAlone(dtype, 4, 1, 8, 17, 4);
        }
    }

    private void attentionBlockMatchesRowsAlone(DType dtype, int nHeads, int nKvHeads, int headDim, int startPos,
                                                int rows) {
        Random random = new Random(6 + startPos);
        int qDim = nHeads * headDim;
        KvLayer kv = kvLayer(random, dtype, nKvHeads, headDim, startPos + rows, 2f);
        float[] q = randoms(random, rows * qDim, 1f);
        float[] block = new float[rows * qDim];
        kernels.attention(block, q, kv, rows, startPos, nHeads);
        for (int t = 0; t < rows; t++) {
            float[] alone = new float[qDim];
            kernels.attention(alone, java.util.Arrays.copyOfRange(q, t * qDim, (t + 1) * qDim), kv, 1,
                    startPos + t, nHeads);
            for (int i = 0; i < qDim; i++) {
                int row = t;
                assertEquals(Float.floatToRawIntBits(alone[i]), Float.floatToRawIntBits(block[t * qDim + i]),
                        () -> backend() + ": " + dtype + " attention row " + row + " differs inside a block of " + rows
                                + " at start " + startPos + ", head dim " + headDim);
            }
        }
    }

    // ------------------------------------------------------------------ tree attention

    /**
     * A random tree of rows nodes in topological order: node 0 a root, then each node a new root (1 in 6), the
     * previous node's child (1 in 2: long paths) or any earlier node's child.
     */
    public static int[] randomTree(Random random, int rows) {
        int[] parents = new int[rows];
        for (int t = 0; t < rows; t++) {
            int r = random.nextInt(6);
            parents[t] = t == 0 || r == 0 ? -1 : r <= 3 ? t - 1 : random.nextInt(t);
        }
        return parents;
    }

    /** A copy of kv, stored bits and layout alike, to lay paths out in with {@link #layOutPath}. */
    public static KvLayer copyOf(KvLayer kv) {
        KvLayer out = new KvLayer(kv.dtype(), kv.nKvHeads(), kv.headDim(), kv.slots());
        MemorySegment.copy(kv.keys(), 0, out.keys(), 0, kv.keys().byteSize());
        MemorySegment.copy(kv.values(), 0, out.values(), 0, kv.values().byteSize());
        return out;
    }

    /** Writes kv's slots startPos + path[k] at startPos + k of copy (a copy of kv): prefix, then path, contiguously. */
    public static void layOutPath(KvLayer copy, KvLayer kv, int startPos, int[] path, int len) {
        for (int k = 0; k < len; k++) { // stored values: written back exactly
            copy.write(startPos + k, 1, kv.key(startPos + path[k]), 0, kv.value(startPos + path[k]), 0);
        }
    }

    /** Prefix lengths around tiles (32) and chunks (256), with trees that cross them. */
    static final int[][] TREE_CASES = { // startPos, rows
        {0, 1}, {0, 9}, {0, 40}, {5, 20}, {29, 12}, {31, 7}, {32, 9}, {250, 16}, {255, 5}, {256, 9}, {300, 20},
        {510, 12}, {700, 33}};

    /**
     * (a) Row t of a tree block has the bits attention gives its query over a cache holding the prefix and then t's
     * ancestor path contiguously (a plain causal forward over the root-to-node path), on every backend; (b) within
     * the attention tolerance of the oracle's tree attention.
     */
    @Test
    void treeAttentionEqualsAttentionOverEachPath() {
        Random random = new Random(21);
        int[][] layouts = fullTreeSweep() ? HEAD_LAYOUTS : new int[][] {HEAD_LAYOUTS[1], HEAD_LAYOUTS[3]};
        for (DType dtype : KV_TYPES) {
            for (int[] layout : layouts) {
                for (int[] c : TREE_CASES) {
                    if (layout[2] == 128 && c[0] > 300) {
                        continue; // the oracle's cost
                    }
                    treeCase(random, dtype, layout[0], layout[1], layout[2], c[0], c[1]);
                }
            }
        }
    }

    private void treeCase(Random random, DType dtype, int nHeads, int nKvHeads, int headDim, int startPos,
                          int rows) {
        int qDim = nHeads * headDim;
        KvLayer kv = kvLayer(random, dtype, nKvHeads, headDim, startPos + rows, rows % 2 == 0 ? 1f : 4f);
        float[] q = randoms(random, rows * qDim, 1f);
        int[] parents = randomTree(random, rows);
        String what = dtype + " tree " + java.util.Arrays.toString(parents) + " after " + startPos + ", " + nHeads
                + "/" + nKvHeads + " heads of " + headDim;
        float[] actual = new float[q.length];
        kernels.treeAttention(actual, q, kv, rows, startPos, nHeads, parents);
        float[] expected = new float[q.length];
        oracle.treeAttention(expected, q, kv, rows, startPos, nHeads, parents);
        assertClose(what, expected, actual, q.length, 1e-5, 1e-4);
        int[] path = new int[rows];
        KvLayer contiguous = copyOf(kv);
        for (int t = 0; t < rows; t++) {
            int len = Kernels.ancestorPath(parents, t, path);
            layOutPath(contiguous, kv, startPos, path, len);
            float[] alone = new float[qDim];
            kernels.attention(alone, java.util.Arrays.copyOfRange(q, t * qDim, (t + 1) * qDim), contiguous, 1,
                    startPos + len - 1, nHeads);
            assertBits(what + ", row " + t + " against its path", alone, 0, actual, t * qDim, qDim);
        }
    }

    private void assertBits(String what, float[] expected, int eOff, float[] actual, int aOff, int n) {
        for (int i = 0; i < n; i++) {
            if (Float.floatToRawIntBits(expected[eOff + i]) != Float.floatToRawIntBits(actual[aOff + i])) {
                fail(backend() + ": " + what + ": element " + i + " expected " + expected[eOff + i] + " got "
                        + actual[aOff + i]);
            }
        }
    }

    /**
     * (c) The chain parents {-1, 0, 1, ...} give attention's bits; (d) a row's bits do not depend on the rows after
     * it (the first r rows of a tree are a tree of their own).
     */
    @Test
    void treeAttentionOfAChainIsAttentionAndIndependentOfBlockSize() {
        Random random = new Random(22);
        for (DType dtype : KV_TYPES) {
            for (int[] layout : new int[][] {{15, 5, 64}, {4, 1, 8}}) {
                for (int[] c : new int[][] {{0, 9}, {29, 12}, {250, 16}, {256, 9}, {510, 12}, {700, 33}}) {
                    int nHeads = layout[0];
                    int headDim = layout[2];
                    int startPos = c[0];
                    int rows = c[1];
                    int qDim = nHeads * headDim;
                    KvLayer kv = kvLayer(random, dtype, layout[1], headDim, startPos + rows, 2f);
                    float[] q = randoms(random, rows * qDim, 1f);
                    int[] chain = new int[rows];
                    for (int t = 0; t < rows; t++) {
                        chain[t] = t - 1;
                    }
                    float[] expected = new float[q.length];
                    float[] actual = new float[q.length];
                    kernels.attention(expected, q, kv, rows, startPos, nHeads);
                    kernels.treeAttention(actual, q, kv, rows, startPos, nHeads, chain);
                    String what = dtype + " chain of " + rows + " after " + startPos + ", head dim " + headDim;
                    assertBits(what, expected, 0, actual, 0, q.length);
                    int[] tree = randomTree(random, rows);
                    float[] block = new float[q.length];
                    kernels.treeAttention(block, q, kv, rows, startPos, nHeads, tree);
                    for (int r : new int[] {1, rows / 2 + 1}) { // the first r rows: a tree of their own
                        if (r >= rows) {
                            continue;
                        }
                        float[] fewer = new float[r * qDim];
                        kernels.treeAttention(fewer, q, kv, r, startPos, nHeads, tree);
                        assertBits(dtype + " tree " + java.util.Arrays.toString(tree) + " after " + startPos
                                + ": its first " + r + " rows alone", block, 0, fewer, 0, r * qDim);
                    }
                }
            }
        }
    }

    @Test
    void treeAttentionRejectsAParentAfterItsChild() {
        Random random = new Random(23);
        KvLayer kv = kvLayer(random, DType.F32, 2, 8, 10, 1f);
        float[] q = randoms(random, 3 * 4 * 8, 1f);
        float[] out = new float[q.length];
        for (int[] parents : new int[][] {{-1, 1, 0}, {-1, 0, 2}, {-1, 0, -2}, {-1, 0}}) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> kernels.treeAttention(out, q, kv, 3, 5, 4, parents), java.util.Arrays.toString(parents));
        }
    }

    /** (e) RoPE at per-row positions: each row has the bits the startPos version gives it at its position. */
    @Test
    void ropeAtPositionsEqualsRopeAtEachPosition() {
        Random random = new Random(24);
        int context = 300;
        for (int headDim : new int[] {2, 8, 14, 64, 128}) {
            int half = headDim / 2;
            float[] cos = new float[context * half];
            float[] sin = new float[context * half];
            for (int i = 0; i < cos.length; i++) {
                double angle = random.nextDouble() * 2 * Math.PI;
                cos[i] = (float) Math.cos(angle);
                sin[i] = (float) Math.sin(angle);
            }
            int nHeads = 3;
            int rows = 13;
            int qDim = nHeads * headDim;
            float[] vec = randoms(random, rows * qDim, 2f);
            int[] positions = new int[rows];
            for (int t = 0; t < rows; t++) {
                positions[t] = 250 + random.nextInt(4); // depths of a tree: repeats, any order
            }
            float[] actual = vec.clone();
            kernels.ropeInPlace(actual, rows, nHeads, headDim, positions, cos, sin);
            for (int t = 0; t < rows; t++) {
                float[] row = java.util.Arrays.copyOfRange(vec, t * qDim, (t + 1) * qDim);
                kernels.ropeInPlace(row, 1, nHeads, headDim, positions[t], cos, sin);
                assertBits("rope at positions, head dim " + headDim + ", row " + t, row, 0, actual, t * qDim, qDim);
            }
            float[] expected = vec.clone();
            oracle.ropeInPlace(expected, rows, nHeads, headDim, positions, cos, sin);
            assertClose("rope at positions, head dim " + headDim, expected, actual, vec.length, 1e-6, 1e-5);
        }
    }
}
