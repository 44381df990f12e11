package org.specula.tensor.simd;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;

import org.specula.tensor.Kernels;
import org.specula.tensor.KvLayer;
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
    /** One array per chunk for attention scores, allocated by the first attention call that runs the chunk. */
    private final float[][] attScores;
    /** One pair of F32 key and value buffers per chunk for F16 caches; see {@link #f16Chunk}. */
    private final MemorySegment[][] f16Chunks;
    /** Activations in pair order for BF16 matmuls; grown to the largest block seen, never per token. */
    private float[] pairs = new float[0];
    private final MatmulJob matmulJob = new MatmulJob();
    private final float[][] one = new float[1][];
    private final Tensor[] oneWeight = new Tensor[1];
    private final AttentionJob attentionJob = new AttentionJob();
    private final TreeJob treeJob = new TreeJob();
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
        this.attScores = new float[CHUNKS_PER_THREAD * threads][];
        this.f16Chunks = new MemorySegment[CHUNKS_PER_THREAD * threads][];
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
            if (!Lanes.reads(w[i].dtype()) || w[i].rank() != 2) {
                throw new SpeculaException("matmul: tensor " + w[i] + " must be a 2-D F32, F16 or BF16 matrix");
            }
            int k = Lanes.kind(w[i].dtype());
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
            float ss = RowOps.dot(lanes, x, off, x, off, n, scratch[0]);
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

    @Override
    public void ropeInPlace(float[] vec, int rows, int nHeads, int headDim, int[] positions, float[] cos,
                            float[] sin) {
        int half = headDim / 2;
        for (int t = 0; t < rows; t++) {
            int table = positions[t] * half;
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

    /**
     * Flash-decoding over {@link Attention#CHUNK}-position chunks: one work item per (KV head, chunk) computes the
     * partial softmax of every query that sees the chunk, reading the chunk's keys and values once per four queries
     * (so a GQA group shares them), and the calling thread merges each query's partials in chunk order. Positions are
     * split across threads, not only heads, so one decode step over a long context uses every thread.
     */
    @Override
    public void attention(float[] out, float[] q, KvLayer kv, int rows, int startPos, int nHeads) {
        int nKv = kv.nKvHeads();
        if (nKv < 1 || nHeads % nKv != 0) {
            throw new SpeculaException("attention: nHeads " + nHeads + " is not a multiple of nKvHeads " + nKv);
        }
        if (rows < 1 || startPos < 0 || startPos + rows > kv.slots()) {
            throw new IllegalArgumentException("attention over positions " + startPos + ".." + (startPos + rows)
                    + " of a cache of " + kv.slots());
        }
        int end = startPos + rows;
        int chunks = Math.ceilDiv(end, Attention.CHUNK);
        AttentionJob job = attentionJob;
        job.set(q, kv, rows, startPos, nHeads, chunks);
        int items = nKv * chunks;
        long work = (long) rows * end * nHeads * kv.headDim();
        try {
            if (pool == null || work < PARALLEL_MIN_ATTENTION || items < 2) {
                job.items(0, items, 0);
            } else {
                pool.run(job, Math.min(items, CHUNKS_PER_THREAD * threads));
            }
            int headDim = kv.headDim();
            for (int t = 0; t < rows; t++) {
                int seen = (startPos + t) / Attention.CHUNK + 1; // chunks holding positions 0 .. startPos+t
                for (int h = 0; h < nHeads; h++) {
                    int query = t * nHeads + h;
                    Attention.merge(lanes, out, query * headDim, headDim, job.pm, job.pl, job.po, query * chunks,
                            seen);
                }
            }
        } finally {
            job.set(null, null, 0, 0, 0, 0);
        }
    }

    /**
     * Work items (KV head, chunk), KV head major, split into contiguous ranges. A query's partials go to index
     * (t · nHeads + head) · chunks + chunk of pm, pl (and times headDim of po); the arrays grow to the largest block
     * seen, never per token.
     */
    private final class AttentionJob implements WorkerPool.Job {
        private float[] q;
        private KvLayer kv;
        private int rows;
        private int startPos;
        private int nHeads;
        private int chunks;
        private int kind;
        private float[] pm = new float[0];
        private float[] pl = new float[0];
        private float[] po = new float[0];

        void set(float[] q, KvLayer kv, int rows, int startPos, int nHeads, int chunks) {
            this.q = q;
            this.kv = kv;
            this.rows = rows;
            this.startPos = startPos;
            this.nHeads = nHeads;
            this.chunks = chunks;
            if (kv != null) {
                this.kind = Lanes.kind(kv.dtype());
                int partials = rows * nHeads * chunks;
                if (pm.length < partials) {
                    pm = new float[partials];
                    pl = new float[partials];
                }
                if (po.length < partials * kv.headDim()) {
                    po = new float[partials * kv.headDim()];
                }
            }
        }

        @Override
        public void run(int chunk, int chunks) {
            int items = kv.nKvHeads() * this.chunks;
            items((int) ((long) items * chunk / chunks), (int) ((long) items * (chunk + 1) / chunks), chunk);
        }

        void items(int from, int to, int scratchIndex) {
            for (int item = from; item < to; item++) {
                item(item / chunks, item % chunks, scratchIndex);
            }
        }

        /**
         * KV head h over chunk c: the queries that see the chunk (rows t ≥ t0, each with the group's heads), four at
         * a time for the scores (the last repeated to fill four), then per query its maximum, exp and sum, and the
         * value sums two queries at a time. Queries come in row order, so their valid lengths never decrease.
         */
        private void item(int h, int c, int scratchIndex) {
            int headDim = kv.headDim();
            int group = nHeads / kv.nKvHeads();
            int cs = c * Attention.CHUNK;
            int t0 = Math.max(0, cs - startPos); // rows before t0 end before the chunk starts
            int queries = (rows - t0) * group;
            float scale = (float) (1.0 / Math.sqrt(headDim));
            float[] s = attScores(scratchIndex);
            float[] sums = scratch[scratchIndex];
            long tileRow = kv.keyIndex(h, cs, 0);
            long valueRow = kv.valueIndex(h, cs, 0);
            MemorySegment keys = kv.keys();
            MemorySegment values = kv.values();
            int kind = this.kind;
            if (kind == Lanes.F16 && queries > 0) { // widened once here, read as F32 by every query of the item
                int seen = valid(queries - 1, t0, group, cs); // the last query sees the most positions
                MemorySegment[] f32 = f16Chunk(scratchIndex, headDim);
                Attention.widenF16Keys(lanes, keys, tileRow, Math.ceilDiv(seen, KvLayer.TILE), headDim, f32[0]);
                Attention.widenF16Values(lanes, values, valueRow, seen, headDim, f32[1]);
                keys = f32[0];
                values = f32[1];
                tileRow = 0;
                valueRow = 0;
                kind = Lanes.F32;
            }
            for (int b = 0; b < queries; b += Attention.QUERIES) {
                int last = Math.min(b + Attention.QUERIES, queries) - 1;
                int tiles = Math.ceilDiv(valid(last, t0, group, cs), KvLayer.TILE);
                Attention.scores4(lanes, kind, keys, tileRow, tiles, headDim, q, qOffset(b, t0, group, h),
                        qOffset(Math.min(b + 1, last), t0, group, h), qOffset(Math.min(b + 2, last), t0, group, h),
                        qOffset(last, t0, group, h), s, scale);
                for (int u = b; u <= last; u++) {
                    int n = valid(u, t0, group, cs);
                    int off = (u - b) * Attention.CHUNK;
                    float m = RowOps.max(lanes, s, off, n);
                    RowOps.expShiftedInPlace(lanes, s, off, n, m);
                    int p = partial(u, t0, group, h, c);
                    pm[p] = m;
                    pl[p] = Attention.sum(lanes, s, off, n, sums);
                }
                for (int u = b; u <= last; u += 2) {
                    int v = Math.min(u + 1, last);
                    Attention.weightedSum2(lanes, kind, values, valueRow, headDim, s, (u - b) * Attention.CHUNK,
                            valid(u, t0, group, cs), s, (v - b) * Attention.CHUNK, valid(v, t0, group, cs), po,
                            partial(u, t0, group, h, c) * headDim, partial(v, t0, group, h, c) * headDim);
                }
            }
        }

        /** Query u of the item (row t0 + u / group, head h · group + u % group): its offset in q. */
        private int qOffset(int u, int t0, int group, int h) {
            return ((t0 + u / group) * nHeads + h * group + u % group) * kv.headDim();
        }

        /** Positions of chunk cs .. cs + CHUNK that query u sees. */
        private int valid(int u, int t0, int group, int cs) {
            return Math.min(Attention.CHUNK, startPos + t0 + u / group + 1 - cs);
        }

        private int partial(int u, int t0, int group, int h, int c) {
            return ((t0 + u / group) * nHeads + h * group + u % group) * chunks + c;
        }
    }

    /**
     * {@link #attention}'s flash-decoding over a tree block. The chunks wholly before startPos are the same for every
     * row and are {@link AttentionJob}'s work items, unchanged. What is left of each row is its own sequence: the
     * rest of the prefix (np0 = startPos mod {@link Attention#CHUNK} positions) and then its ancestor path, cut at the
     * multiples of CHUNK as a contiguous cache would be; one work item per KV head ({@link TreeJob}) scores and sums
     * it for every row, with the tree nodes' keys and values read from an F32 copy in path order. Each chunk's scores,
     * exp, sums and value chains are then {@link #attention}'s over the same values in the same order, so a row gets
     * the bits attention gives the same query over its path laid out after the prefix; the merge is attention's.
     */
    @Override
    public void treeAttention(float[] out, float[] q, KvLayer kv, int rows, int startPos, int nHeads,
                              int[] parents) {
        int nKv = kv.nKvHeads();
        if (nKv < 1 || nHeads % nKv != 0) {
            throw new SpeculaException("treeAttention: nHeads " + nHeads + " is not a multiple of nKvHeads " + nKv);
        }
        if (rows < 1 || startPos < 0 || startPos + rows > kv.slots() || parents.length < rows) {
            throw new IllegalArgumentException("tree attention over positions " + startPos + ".." + (startPos + rows)
                    + " of a cache of " + kv.slots() + " with " + parents.length + " parents");
        }
        int end = startPos + rows;
        int chunks = Math.ceilDiv(end, Attention.CHUNK);
        int full = startPos / Attention.CHUNK;
        TreeJob job = treeJob;
        job.set(parents, rows, nKv, kv.headDim()); // validates the tree before any work starts
        attentionJob.set(q, kv, rows, startPos, nHeads, chunks);
        int items = nKv * (full + 1);
        long work = (long) rows * end * nHeads * kv.headDim();
        try {
            if (pool == null || work < PARALLEL_MIN_ATTENTION || items < 2) {
                job.items(0, items, 0);
            } else {
                pool.run(job, Math.min(items, CHUNKS_PER_THREAD * threads));
            }
            int headDim = kv.headDim();
            for (int t = 0; t < rows; t++) {
                int seen = (startPos + job.pathStart[t + 1] - job.pathStart[t] - 1) / Attention.CHUNK + 1;
                for (int h = 0; h < nHeads; h++) {
                    int query = t * nHeads + h;
                    Attention.merge(lanes, out, query * headDim, headDim, attentionJob.pm, attentionJob.pl,
                            attentionJob.po, query * chunks, seen);
                }
            }
        } finally {
            attentionJob.set(null, null, 0, 0, 0, 0);
        }
    }

    /**
     * Work items of {@link #treeAttention}: first one per KV head for the rows' own sequences ({@link #tail}), then
     * {@link AttentionJob}'s (KV head, chunk) items for the chunks wholly before startPos. Holds the rows' ancestor
     * paths and F32 copies of the tree nodes' keys and values, grown to the largest tree seen, never per token.
     */
    private final class TreeJob implements WorkerPool.Job {
        /** Row t's path, root first, is paths[pathStart[t] .. pathStart[t + 1]): node indices below rows. */
        private int[] pathStart = new int[1];
        private int[] paths = new int[0];
        /**
         * The tree slots' keys, [nKvHeads][ceil(rows / TILE)][headDim][TILE] F32 (node j at tile j / TILE, lane
         * j % TILE: the cache's F32 tile layout, so {@link Attention#scores4} scores them), off-heap like the cache.
         */
        private MemorySegment treeKeys = MemorySegment.NULL;
        /** The tree slots' values, [nKvHeads][rows][headDim] F32 in natural order. */
        private float[] treeValues = new float[0];
        private int nodeTiles;
        /** Per work chunk: scores4's output for up to CHUNK nodes, and the path's scores, [QUERIES][rows]. */
        private float[][] nodeScores = new float[0][];
        private float[][] pathScores = new float[0][];

        /** Each row's path from its parent's (parents[t] &lt; t), checking the topological order. */
        void set(int[] parents, int rows, int nKv, int headDim) {
            if (pathStart.length < rows + 1) {
                pathStart = new int[rows + 1];
            }
            int total = 0;
            for (int t = 0; t < rows; t++) {
                int parent = parents[t];
                if (parent < -1 || parent >= t) {
                    throw new IllegalArgumentException("tree node " + t + " has parent " + parent
                            + "; parents must be -1 or below their child");
                }
                total += parent < 0 ? 1 : pathStart[parent + 1] - pathStart[parent] + 1;
                pathStart[t + 1] = total;
            }
            if (paths.length < total) {
                paths = new int[Math.max(total, 2 * paths.length)];
            }
            for (int t = 0; t < rows; t++) {
                int parent = parents[t];
                if (parent >= 0) {
                    System.arraycopy(paths, pathStart[parent], paths, pathStart[t],
                            pathStart[parent + 1] - pathStart[parent]);
                }
                paths[pathStart[t + 1] - 1] = t;
            }
            if (nodeScores.length == 0) { // not at construction: the job is built before threads is set
                nodeScores = new float[CHUNKS_PER_THREAD * threads][];
                pathScores = new float[CHUNKS_PER_THREAD * threads][0];
            }
            nodeTiles = Math.ceilDiv(rows, KvLayer.TILE);
            long keyBytes = 4L * nKv * nodeTiles * headDim * KvLayer.TILE;
            if (treeKeys.byteSize() < keyBytes) {
                treeKeys = java.lang.foreign.Arena.ofAuto().allocate(keyBytes, 64);
            }
            if (treeValues.length < rows * nKv * headDim) {
                treeValues = new float[rows * nKv * headDim];
            }
        }

        @Override
        public void run(int chunk, int chunks) {
            int items = attentionJob.kv.nKvHeads() * (attentionJob.startPos / Attention.CHUNK + 1);
            items((int) ((long) items * chunk / chunks), (int) ((long) items * (chunk + 1) / chunks), chunk);
        }

        void items(int from, int to, int scratchIndex) {
            int nKv = attentionJob.kv.nKvHeads();
            int full = attentionJob.startPos / Attention.CHUNK;
            for (int item = from; item < to; item++) {
                if (item < nKv) {
                    tail(item, scratchIndex);
                } else {
                    attentionJob.item((item - nKv) / full, (item - nKv) % full, scratchIndex);
                }
            }
        }

        /**
         * KV head h, every row's own chunks: from chunk full = startPos / CHUNK on, np0 prefix positions (read as
         * {@link AttentionJob#item} reads them, an F16 cache widened once) and then the row's path. The group's
         * query heads share a row's sequence and are scored four at a time, as attention scores them: the path's
         * scores come from {@link Attention#scores4} over the F32 copies of the nodes up to the row, so each has the
         * bits it would have in the cache's tile.
         */
        private void tail(int h, int scratchIndex) {
            AttentionJob a = attentionJob;
            KvLayer kv = a.kv;
            float[] q = a.q;
            int rows = a.rows;
            int startPos = a.startPos;
            int nHeads = a.nHeads;
            int chunks = a.chunks;
            int headDim = kv.headDim();
            int group = nHeads / kv.nKvHeads();
            int full = startPos / Attention.CHUNK;
            int np0 = startPos - full * Attention.CHUNK;
            float scale = (float) (1.0 / Math.sqrt(headDim));
            float[] s = attScores(scratchIndex);
            float[] sums = scratch[scratchIndex];
            float[] nodes = nodeScores[scratchIndex];
            if (nodes == null) {
                nodes = new float[Attention.QUERIES * Attention.CHUNK];
                nodeScores[scratchIndex] = nodes;
            }
            float[] pathS = pathScores[scratchIndex];
            if (pathS.length < Attention.QUERIES * rows) {
                pathS = new float[Attention.QUERIES * rows];
                pathScores[scratchIndex] = pathS;
            }
            long treeTileRow = (long) h * nodeTiles * headDim * KvLayer.TILE;
            int treeBase = h * rows * headDim;
            for (int node = 0; node < rows; node++) { // converted exactly, as the cache's widening does
                long tile = treeTileRow + (long) (node / KvLayer.TILE) * headDim * KvLayer.TILE + node % KvLayer.TILE;
                int at = treeBase + node * headDim;
                for (int i = 0; i < headDim; i++) {
                    treeKeys.setAtIndex(Tensor.F32_LE, tile + (long) i * KvLayer.TILE, kv.key(h, startPos + node, i));
                    treeValues[at + i] = kv.value(h, startPos + node, i);
                }
            }
            long tileRow = kv.keyIndex(h, full * Attention.CHUNK, 0);
            long valueRow = kv.valueIndex(h, full * Attention.CHUNK, 0);
            MemorySegment keys = kv.keys();
            MemorySegment values = kv.values();
            int kind = a.kind;
            if (kind == Lanes.F16 && np0 > 0) {
                MemorySegment[] f32 = f16Chunk(scratchIndex, headDim);
                Attention.widenF16Keys(lanes, keys, tileRow, Math.ceilDiv(np0, KvLayer.TILE), headDim, f32[0]);
                Attention.widenF16Values(lanes, values, valueRow, np0, headDim, f32[1]);
                keys = f32[0];
                values = f32[1];
                tileRow = 0;
                valueRow = 0;
                kind = Lanes.F32;
            }
            for (int t = 0; t < rows; t++) {
                int from = pathStart[t];
                int len = pathStart[t + 1] - from;
                int end = startPos + len; // the row's sequence: positions 0 .. end-1
                int qBase = (t * nHeads + h * group) * headDim;
                for (int b = 0; b < group; b += Attention.QUERIES) {
                    int last = Math.min(b + Attention.QUERIES, group) - 1;
                    int qa = qBase + b * headDim;
                    int qb = qBase + Math.min(b + 1, last) * headDim;
                    int qc = qBase + Math.min(b + 2, last) * headDim;
                    int qd = qBase + last * headDim;
                    int k = 0; // the path's scores, CHUNK nodes at a time
                    for (int n0 = 0; n0 <= t; n0 += Attention.CHUNK) {
                        int tiles = Math.ceilDiv(Math.min(Attention.CHUNK, t + 1 - n0), KvLayer.TILE);
                        Attention.scores4(lanes, Lanes.F32, treeKeys,
                                treeTileRow + (long) (n0 / KvLayer.TILE) * headDim * KvLayer.TILE, tiles, headDim, q,
                                qa, qb, qc, qd, nodes, scale);
                        for (; k < len && paths[from + k] < n0 + Attention.CHUNK; k++) {
                            for (int u = b; u <= last; u++) {
                                pathS[(u - b) * rows + k] = nodes[(u - b) * Attention.CHUNK + paths[from + k] - n0];
                            }
                        }
                    }
                    for (int c = full; c * Attention.CHUNK < end; c++) {
                        int cs = c * Attention.CHUNK;
                        int np = c == full ? np0 : 0; // prefix positions in this chunk
                        int n = Math.min(Attention.CHUNK, end - cs);
                        int k0 = cs + np - startPos; // path index of the chunk's first tree position
                        if (np > 0) { // whole tiles: the path's scores go in after them
                            Attention.scores4(lanes, kind, keys, tileRow, Math.ceilDiv(np, KvLayer.TILE), headDim, q,
                                    qa, qb, qc, qd, s, scale);
                        }
                        for (int u = b; u <= last; u++) {
                            int off = (u - b) * Attention.CHUNK;
                            System.arraycopy(pathS, (u - b) * rows + k0, s, off + np, n - np);
                            float m = RowOps.max(lanes, s, off, n);
                            RowOps.expShiftedInPlace(lanes, s, off, n, m);
                            int p = (t * nHeads + h * group + u) * chunks + c;
                            a.pm[p] = m;
                            a.pl[p] = Attention.sum(lanes, s, off, n, sums);
                            Attention.weightedSumTree(lanes, kind, values, valueRow, np, headDim, s, off, n,
                                    treeValues, treeBase, paths, from + k0, a.po, p * headDim);
                        }
                    }
                }
            }
        }
    }

    /**
     * The chunk's F32 copies of one F16 chunk's keys and values ({@link Attention#CHUNK} positions of one KV head):
     * keys [CHUNK / TILE][headDim][TILE], values [CHUNK][headDim], off-heap and 64-byte aligned like the cache; allocated by the first F16 attention that runs the chunk, and again
     * only for a larger head_dim.
     */
    private MemorySegment[] f16Chunk(int chunk, int headDim) {
        MemorySegment[] m = f16Chunks[chunk];
        long bytes = 4L * Attention.CHUNK * headDim;
        if (m == null || m[0].byteSize() < bytes) {
            java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofAuto();
            m = new MemorySegment[]{arena.allocate(bytes, 64), arena.allocate(bytes, 64)};
            f16Chunks[chunk] = m;
        }
        return m;
    }

    /** The chunk's score array: {@link Attention#QUERIES} rows of {@link Attention#CHUNK} positions. */
    private float[] attScores(int chunk) {
        float[] a = attScores[chunk];
        if (a == null) {
            a = new float[Attention.QUERIES * Attention.CHUNK];
            attScores[chunk] = a;
        }
        return a;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
    }
}
