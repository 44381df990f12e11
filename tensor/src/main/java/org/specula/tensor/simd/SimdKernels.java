package org.specula.tensor.simd;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;

import org.specula.tensor.Kernels;
import org.specula.tensor.SpeculaException;
import org.specula.tensor.Tensor;

/**
 * {@link Kernels} on the Vector API ({@code jdk.incubator.vector}), with matmul and attention split over a fixed pool
 * of platform threads. Loaded by name from {@link org.specula.tensor.KernelsFactory}; this package is the only code
 * that imports the incubator module.
 *
 * <p>Vector width: {@code FloatVector.SPECIES_PREFERRED}, unless the system property {@code specula.vectorBits}
 * (128, 256 or 512) forces one; read in the constructor so one JVM can compare widths. A width wider than the CPU's
 * is correct but slow (the Vector API then runs its Java fallback).
 *
 * <p>Determinism (the {@link Kernels} contract): each output element is reduced by the same sequence of float
 * operations whatever {@code rows} is and whichever thread computes it; see {@link Lanes}. Not thread-safe: one caller
 * at a time. With more than one thread, weight segments must be readable from any thread (a shared, global or auto
 * arena, as a mapped model file is), not confined.
 */
public final class SimdKernels implements Kernels {
    /**
     * Matmuls with fewer weights than this run on the calling thread only: handing a job to a spinning worker costs
     * about 1 µs (measured: 64x512 BF16 takes 1.7 µs on one thread, 2.1 µs on two).
     */
    static final long PARALLEL_MIN_WEIGHTS = 1 << 16;
    /** SwiGLU over fewer elements than this runs on the calling thread (one decode row of SmolLM2 is 2560). */
    static final int PARALLEL_MIN_SWIGLU = 4096;
    /** Attention with less work (rows × positions × nHeads × headDim) than this runs on the calling thread. */
    static final long PARALLEL_MIN_ATTENTION = 1 << 15;

    /**
     * Chunks per thread: enough that a thread the OS has descheduled holds up little (8 rather than 4: faster 5- and
     * 32-row forwards, decode unchanged; bench/LOG.md).
     */
    static final int CHUNKS_PER_THREAD = 8;
    /** Accumulator vectors a tile stores for its lane sums: M × N, folded in groups of 16, 8 and 4 (last padded). */
    static final int SCRATCH_VECTORS = 32;

    private final Lanes lanes;
    private final int threads;
    private final WorkerPool pool; // null when threads == 1
    /** One lane-sum scratch per chunk (a chunk runs on one thread at a time). */
    private final float[][] scratch;
    /** One array per chunk for widened weight rows; see {@link #wide(int, int, int, int)}. */
    private final float[][] wide;
    /** One array per chunk for the scores of a second query row (see {@link AttentionJob}), as long as the cache. */
    private final float[][] pairScores;
    /** Activations in pair order for BF16 matmuls; grown to the largest block seen, never per token. */
    private float[] pairs = new float[0];
    private final MatmulJob matmulJob = new MatmulJob();
    private final float[][] one = new float[1][];
    private final Tensor[] oneWeight = new Tensor[1];
    private final AttentionJob attentionJob = new AttentionJob();
    private final SwigluJob swigluJob = new SwigluJob();

    public SimdKernels(int threads) {
        if (threads < 1) {
            throw new SpeculaException("threads must be at least 1 (got " + threads + ")");
        }
        String forced = System.getProperty("specula.vectorBits");
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        if (forced != null && !forced.isBlank()) {
            try {
                bits = Integer.parseInt(forced.trim());
            } catch (NumberFormatException e) {
                bits = -1;
            }
        }
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new SpeculaException(forced != null && !forced.isBlank()
                    ? "specula.vectorBits=" + forced + "; use 128, 256 or 512"
                    : "this CPU prefers " + bits + "-bit vectors; SIMD kernels need 128, 256 or 512");
        }
        this.lanes = Lanes.forBits(bits);
        this.threads = threads;
        this.scratch = new float[CHUNKS_PER_THREAD * threads][SCRATCH_VECTORS * lanes.floats().length()];
        this.wide = new float[CHUNKS_PER_THREAD * threads][0];
        this.pairScores = new float[CHUNKS_PER_THREAD * threads][0];
        this.pool = threads > 1 ? new WorkerPool(threads, "specula-simd") : null;
    }

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public int threads() {
        return threads;
    }

    /** Vector width in bits. */
    public int vectorBits() {
        return lanes.bits();
    }

    @Override
    public String toString() {
        return "simd(" + lanes.bits() + " bits, " + threads + " threads)";
    }

    @Override
    public void matmul(float[] out, Tensor w, float[] x, int rows) {
        one[0] = out;
        oneWeight[0] = w;
        try {
            matmul(one, oneWeight, x, rows);
        } finally {
            one[0] = null;
            oneWeight[0] = null;
        }
    }

    /**
     * One job over all the matrices, as if they were one matrix of their rows stacked: one ordering of x, one hand-off
     * to the pool, and each thread's range of the stacked rows cut at the matrix boundaries. A layer's query, key and
     * value projections of the 360M shape (960, 320 and 320 rows) then stream like one 1600-row matrix: small matrices
     * had cost more per byte (2 threads, from DRAM, µs per MB at 5 rows: 320x960 55, 960x960 48, 2560x960 43).
     */
    @Override
    public void matmul(float[][] out, Tensor[] w, float[] x, int rows) {
        int kind = -1;
        int inDim = -1;
        long weights = 0;
        int stacked = 0;
        for (int i = 0; i < w.length; i++) {
            int k = Lanes.kind(w[i].dtype());
            if (k < 0 || w[i].rank() != 2) {
                throw new SpeculaException("matmul: tensor " + w[i] + " must be a 2-D F32, F16 or BF16 matrix");
            }
            int outDim = w[i].dim(0);
            int in = w[i].dim(1);
            if (x.length < rows * in || out[i].length < rows * outDim) {
                throw new SpeculaException("matmul " + w[i] + ": " + rows + " rows need x of " + rows * in
                        + " and out of " + rows * outDim + " floats (got " + x.length + ", " + out[i].length + ")");
            }
            if (i > 0 && (k != kind || in != inDim)) { // not one stacked matrix: one job each
                for (int j = 0; j < w.length; j++) {
                    matmul(out[j], w[j], x, rows);
                }
                return;
            }
            kind = k;
            inDim = in;
            weights += (long) outDim * in;
            stacked += outDim;
        }
        if (w.length == 0) {
            return;
        }
        float[] ordered = kind == Lanes.BF16 ? bf16Order(x, rows, inDim) : x;
        if (pool == null || weights < PARALLEL_MIN_WEIGHTS) {
            for (int i = 0; i < w.length; i++) {
                int outDim = w[i].dim(0);
                Matmul.matmul(lanes, out[i], w[i].data(), kind, ordered, rows, outDim, inDim, 0, outDim, 0, 1,
                        scratch[0], wide(0, rows, kind, inDim));
            }
            return;
        }
        MatmulJob job = matmulJob;
        job.set(out, w, kind, ordered, rows, inDim);
        try {
            pool.run(job, Math.min(tiles(stacked), CHUNKS_PER_THREAD * threads));
        } finally {
            job.clear();
        }
    }

    /**
     * x in the order the BF16 kernels read it, in an array reused across calls: {@link Bf16Layout#pairOrder} where the
     * call widens weight rows, {@link Bf16Layout#blockOrder} where tiles read the weights.
     */
    private float[] bf16Order(float[] x, int rows, int inDim) {
        if (pairs.length < Lanes.X_OFFSET + rows * inDim) {
            pairs = new float[Lanes.X_OFFSET + rows * inDim];
        }
        if (Matmul.widens(lanes, rows, Lanes.BF16, inDim)) {
            Bf16Layout.pairOrder(lanes, x, rows, inDim, pairs);
        } else {
            Bf16Layout.blockOrder(lanes, x, rows, inDim, pairs);
        }
        return pairs;
    }

    /**
     * Chunk's array for weight rows widened to floats ({@link Matmul#widens}), grown to the widest matrix seen:
     * allocated during the first long block, never per token. Null when the call does not widen.
     */
    private float[] wide(int chunk, int rows, int kind, int inDim) {
        if (!Matmul.widens(lanes, rows, kind, inDim)) {
            return null;
        }
        float[] a = wide[chunk];
        if (a.length < Lanes.X_OFFSET + lanes.plan.weightRows * inDim) {
            a = new float[Lanes.X_OFFSET + lanes.plan.weightRows * inDim];
            wide[chunk] = a;
        }
        return a;
    }

    private int tiles(int outDim) {
        return (outDim + lanes.plan.weightRows - 1) / lanes.plan.weightRows;
    }

    /**
     * Splits the stacked output rows of its matrices into one contiguous range per thread, aligned to the tile
     * height, and each range, within each matrix it covers, into the parts of its runs ({@link Matmul#matmul}) that
     * the pool's segment for that thread holds.
     */
    private final class MatmulJob implements WorkerPool.Job {
        private float[][] out = new float[0][];
        private MemorySegment[] w = new MemorySegment[0];
        private int[] start = new int[1]; // matrix i's rows are [start[i], start[i + 1]) of the stacked rows
        private int matrices;
        private int kind;
        private float[] x;
        private int rows;
        private int inDim;

        void set(float[][] out, Tensor[] w, int kind, float[] x, int rows, int inDim) {
            int n = w.length;
            if (this.w.length < n) { // grown to the most matrices one call has had, never per token
                this.out = new float[n][];
                this.w = new MemorySegment[n];
                this.start = new int[n + 1];
            }
            for (int i = 0; i < n; i++) {
                this.out[i] = out[i];
                this.w[i] = w[i].data();
                start[i + 1] = start[i] + w[i].dim(0);
            }
            this.matrices = n;
            this.kind = kind;
            this.x = x;
            this.rows = rows;
            this.inDim = inDim;
        }

        void clear() {
            java.util.Arrays.fill(out, null);
            java.util.Arrays.fill(w, null);
            x = null;
        }

        @Override
        public void run(int chunk, int chunks) {
            int segments = pool.threads(); // the pool's segments: see WorkerPool.segment
            int s = 0;
            while (WorkerPool.segment(s + 1, chunks, segments) <= chunk) {
                s++;
            }
            int first = WorkerPool.segment(s, chunks, segments);
            int parts = WorkerPool.segment(s + 1, chunks, segments) - first;
            int stacked = start[matrices];
            int tiles = tiles(stacked); // rows in proportion to the segment's chunks: a segment may have none
            int from = (int) ((long) tiles * first / chunks) * lanes.plan.weightRows;
            int to = Math.min(stacked, (int) ((long) tiles * (first + parts) / chunks) * lanes.plan.weightRows);
            for (int i = 0; i < matrices; i++) { // the part of [from, to) in each matrix
                int lo = Math.max(from, start[i]);
                int hi = Math.min(to, start[i + 1]);
                if (lo < hi) {
                    int outDim = start[i + 1] - start[i];
                    Matmul.matmul(lanes, out[i], w[i], kind, x, rows, outDim, inDim, lo - start[i], hi - start[i],
                            chunk - first, parts, scratch[chunk], wide(chunk, rows, kind, inDim));
                }
            }
        }
    }

    @Override
    public void rmsnorm(float[] out, float[] x, float[] weight, int rows, int n, float eps) {
        for (int t = 0; t < rows; t++) {
            int off = t * n;
            float ss = Attention.dot(lanes, x, off, x, off, n, scratch[0]);
            float scale = (float) (1.0 / Math.sqrt((double) ss / n + eps));
            RowOps.scale(lanes, out, x, off, weight, scale, n);
        }
    }

    @Override
    public void ropeInPlace(float[] vec, int rows, int nHeads, int headDim, int startPos, float[] cos, float[] sin) {
        int half = headDim / 2;
        for (int t = 0; t < rows; t++) {
            int table = (startPos + t) * half;
            for (int h = 0; h < nHeads; h++) {
                RowOps.rope(lanes, vec, (t * nHeads + h) * headDim, half, cos, sin, table);
            }
        }
    }

    /** exp by {@link RowOps#expShiftedInPlace}: the same float operations in vector body and tail, in every tier. */
    @Override
    public void softmaxInPlace(float[] x, int off, int n) {
        if (n <= 0) {
            return;
        }
        float max = RowOps.max(lanes, x, off, n);
        RowOps.expShiftedInPlace(lanes, x, off, n, max);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[off + i];
        }
        RowOps.scaleInPlace(lanes, x, off, (float) (1.0 / sum), n);
    }

    /**
     * {@link RowOps#swiglu}: float exp in vectors with a bit-identical scalar tail, so element i gets the same bits
     * whatever the block size, chunk or thread. Large calls (a block of rows) are split over the pool.
     */
    @Override
    public void swigluInPlace(float[] gate, float[] up, int n) {
        if (pool == null || n < PARALLEL_MIN_SWIGLU) {
            RowOps.swiglu(lanes, gate, up, 0, n);
            return;
        }
        SwigluJob job = swigluJob;
        job.gate = gate;
        job.up = up;
        job.n = n;
        try {
            pool.run(job, CHUNKS_PER_THREAD * threads);
        } finally {
            job.gate = null;
            job.up = null;
        }
    }

    /** Elements split into contiguous chunks. */
    private final class SwigluJob implements WorkerPool.Job {
        private float[] gate;
        private float[] up;
        private int n;

        @Override
        public void run(int chunk, int chunks) {
            int from = (int) ((long) n * chunk / chunks);
            int to = (int) ((long) n * (chunk + 1) / chunks);
            RowOps.swiglu(lanes, gate, up, from, to);
        }
    }

    @Override
    public void addInPlace(float[] x, float[] y, int n) {
        RowOps.add(lanes, x, y, n);
    }

    @Override
    public void attention(float[] out, float[] q, float[] keys, float[] values, int rows, int startPos,
                          int nHeads, int nKvHeads, int headDim, float[] att) {
        if (nKvHeads < 1 || nHeads % nKvHeads != 0) {
            throw new SpeculaException("attention: nHeads " + nHeads + " is not a multiple of nKvHeads " + nKvHeads);
        }
        AttentionJob job = attentionJob;
        job.set(out, q, keys, values, rows, startPos, nHeads, nKvHeads, headDim, att);
        long work = (long) rows * (startPos + rows) * nHeads * headDim;
        try {
            if (pool == null || work < PARALLEL_MIN_ATTENTION || nHeads < 2) {
                job.heads(0, nHeads, 0);
            } else {
                pool.run(job, Math.min(nHeads, CHUNKS_PER_THREAD * threads));
            }
        } finally {
            job.set(null, null, null, null, 0, 0, 0, 0, 0, null);
        }
    }

    /** Chunk's array for a second query row's scores: the cache's length, allocated by the first block needing it. */
    private float[] pairScores(int chunk, int capacity) {
        float[] a = pairScores[chunk];
        if (a.length < capacity) {
            a = new float[capacity];
            pairScores[chunk] = a;
        }
        return a;
    }

    /** Heads split into contiguous chunks; each head owns att[h * (startPos + rows) ...]. */
    private final class AttentionJob implements WorkerPool.Job {
        private float[] out;
        private float[] q;
        private float[] keys;
        private float[] values;
        private int rows;
        private int startPos;
        private int nHeads;
        private int nKvHeads;
        private int headDim;
        private float[] att;

        void set(float[] out, float[] q, float[] keys, float[] values, int rows, int startPos,
                 int nHeads, int nKvHeads, int headDim, float[] att) {
            this.out = out;
            this.q = q;
            this.keys = keys;
            this.values = values;
            this.rows = rows;
            this.startPos = startPos;
            this.nHeads = nHeads;
            this.nKvHeads = nKvHeads;
            this.headDim = headDim;
            this.att = att;
        }

        @Override
        public void run(int chunk, int chunks) {
            heads(nHeads * chunk / chunks, nHeads * (chunk + 1) / chunks, chunk);
        }

        /**
         * Heads [hFrom, hTo), their query rows two at a time where two are left ({@link Attention#scores2},
         * {@link Attention#weightedSum2}): one query's four accumulator chains wait on the FMA latency, two queries'
         * eight do not, and every key and value loaded serves both. The second row's scores go to the chunk's
         * {@link #pairScores} array, allocated once at the cache's length.
         */
        void heads(int hFrom, int hTo, int chunk) {
            int kvDim = nKvHeads * headDim;
            int capacity = keys.length / kvDim;
            int group = nHeads / nKvHeads;
            float scale = (float) (1.0 / Math.sqrt(headDim));
            float[] second = rows > 1 ? pairScores(chunk, capacity) : null;
            for (int h = hFrom; h < hTo; h++) {
                int kvOff = (h / group) * headDim;
                int attOff = h * (startPos + rows);
                for (int t = 0; t < rows; ) {
                    int len = startPos + t + 1; // causal: positions 0 .. startPos+t
                    int qOff = (t * nHeads + h) * headDim;
                    if (t + 1 < rows) { // rows t and t + 1; row t's score at position len is computed and ignored
                        int qNext = qOff + nHeads * headDim;
                        Attention.scores2(lanes, att, attOff, second, 0, q, qOff, qNext, keys, kvOff, capacity, len + 1,
                                headDim, scale);
                        softmaxInPlace(att, attOff, len);
                        softmaxInPlace(second, 0, len + 1);
                        Attention.weightedSum2(lanes, out, qOff, qNext, att, attOff, second, 0, len, values, kvOff,
                                kvDim, headDim);
                        t += 2;
                    } else {
                        Attention.scores(lanes, att, attOff, q, qOff, keys, kvOff, capacity, len, headDim, scale);
                        softmaxInPlace(att, attOff, len);
                        Attention.weightedSum(lanes, out, qOff, att, attOff, len, values, kvOff, kvDim, headDim);
                        t++;
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
    }
}
