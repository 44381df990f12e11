package org.specula.tensor.simd;

import org.specula.tensor.DType;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.tensor.KvLayer;
import org.specula.tensor.Tensor;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the SIMD kernels on small problems of a model's shapes until the JIT has compiled them, before the model's
 * first token (issue 17, warm start). Vector API code runs some 100-1000x slower, allocating every vector, until C2
 * has compiled it; a fresh process otherwise fed its prompt through interpreted kernels (the 360M shape: a 64-token
 * prompt at 3-12 tok/s where a warm process reaches 120-260).
 *
 * <p>Each item is one {@link Kernels} call of the kind a forward pass makes, at each block size given: a matmul for
 * each (dtype, row length) the model has, on a slice of the first output rows of one of its own matrices (the same
 * memory-segment class as the real calls, so C2 compiles for the class it will meet) and two at once, as the
 * stacked q/k/v and gate/up calls; rmsnorm, RoPE, attention (one key/value head and its query heads, at start
 * positions that cycle through every tail length), tree attention and RoPE by depth for blocks of two rows or
 * more (a binary tree), SwiGLU and the residual add, at the model's sizes. Items are
 * called round after round until each runs at compiled speed ({@link #fastNanos}) in two rounds in a row, with a
 * pause after a round that had a slow item so that the compiler threads get the cores. Results go to scratch arrays
 * and are dropped: nothing a model computes afterwards changes (kernels give the same bits in every JIT tier), only
 * how soon it runs compiled code. Only the {@link Kernels} interface is used.
 *
 * <p>Off with the environment variable {@code SPECULA_WARMUP=0} or {@code -Dspecula.warmup=false}; a no-op for
 * kernels other than SIMD and for a JVM without C2. {@code -Dspecula.warmup.trace=true} prints one line per item to
 * stderr.
 */
public final class WarmUp {
    /**
     * Give up when no further item has become fast for this long since the last one did (a kernel that never gets
     * fast enough), or after the budget. A busy machine takes a long time to compile (the 360M shape's kernels took
     * 3-13 s on two shared cores), but even so the warm-up's small calls cost far less than the model's first blocks
     * would in the interpreter.
     */
    static final long STALL_NANOS = 5_000_000_000L;
    static final long BUDGET_NANOS = 20_000_000_000L;
    /** Fast rounds in a row that end an item; see {@link Item#round}. */
    static final int FAST_ROUNDS = 2;
    /** Pause after a round with a slow item, doubling up to the maximum. */
    static final long PAUSE_NANOS = 100_000;
    static final long MAX_PAUSE_NANOS = 5_000_000;
    /**
     * Attention start positions cycle through [0, POSITIONS), or [0, SHORT_BLOCK_POSITIONS) for blocks of fewer
     * than {@link #SHORT_BLOCK} rows: every tail length of 16-float vectors, and lengths past the kernels' widest
     * loop steps (4 vectors of 16 positions; a length no warm-up call reached compiles as a trap, and the first
     * longer decode step would then throw the compiled code away).
     */
    static final int POSITIONS = 48;
    static final int SHORT_BLOCK = 16;
    static final int SHORT_BLOCK_POSITIONS = 160;
    /** One attention item starts here, past the first {@link Attention#CHUNK} positions: two chunks to merge. */
    static final int LONG_POSITION = Attention.CHUNK + 40;
    /** Weights per warm-up matmul (rows × out × in) at most, as long as out ≥ {@link #MIN_OUT}. */
    static final long MATMUL_WORK = 1 << 18;
    static final int MIN_OUT = 4;
    static final int MAX_OUT = 16;

    private WarmUp() {
    }

    /** Whether warm-up runs: not with SPECULA_WARMUP=0 or -Dspecula.warmup=false. */
    public static boolean enabled() {
        return !"0".equals(System.getenv("SPECULA_WARMUP"))
                && !"false".equalsIgnoreCase(System.getProperty("specula.warmup"));
    }

    /**
     * What a model's forward pass runs the kernels on: its matrices (the warm-up uses the dtype, row length and
     * first rows of one per dtype and row length), hidden size {@code dim}, MLP size {@code hidden}, attention
     * heads and the KV cache's dtype.
     */
    public record Shape(List<Tensor> matrices, int dim, int hidden, int nHeads, int nKvHeads, int headDim,
                        DType kvDType) {
    }

    /**
     * Warms the kernels for a model that is about to run forward blocks of these sizes (rows per kernel call).
     * Returns the nanoseconds spent (0 when disabled or not SIMD kernels).
     */
    public static long run(Kernels kernels, Shape shape, int[] blockRows) {
        if (!enabled() || !KernelsFactory.SIMD_CLASS.equals(kernels.getClass().getName()) || blockRows.length == 0
                || !c2Compiles()) {
            return 0;
        }
        long start = System.nanoTime();
        List<Item> items = items(kernels, shape, blockRows, vectorBits(kernels));
        boolean trace = Boolean.getBoolean("specula.warmup.trace");
        List<Item> left = new ArrayList<>(items);
        long pause = PAUSE_NANOS;
        long progress = Long.MAX_VALUE; // when an item last became fast; the stall clock starts with the first
        for (long now = start; !left.isEmpty() && now - start < BUDGET_NANOS
                && (progress == Long.MAX_VALUE || now - progress < STALL_NANOS); now = System.nanoTime()) {
            boolean slow = false;
            for (int i = 0; i < left.size(); i++) {
                Item item = left.get(i);
                if (item.round()) {
                    if (++item.fastRounds >= FAST_ROUNDS) {
                        left.remove(i--);
                        progress = System.nanoTime();
                    }
                } else {
                    item.fastRounds = 0;
                    slow = true;
                }
            }
            if (slow) {
                // The compiler threads need the cores more than another interpreted round does.
                LockSupport.parkNanos(pause);
                pause = Math.min(2 * pause, MAX_PAUSE_NANOS);
            }
        }
        long nanos = System.nanoTime() - start;
        if (trace) {
            System.err.printf(Locale.ROOT, "specula warm-up: %.0f ms, %d of %d items compiled%n", nanos / 1e6,
                    items.size() - left.size(), items.size());
            for (Item item : items) {
                System.err.printf(Locale.ROOT, "  %-34s %5d calls, first %9.1f us, last %8.1f us, limit %8.1f us%n",
                        item.name, item.calls, item.first / 1e3, item.last / 1e3, item.limit / 1e3);
            }
        }
        return nanos;
    }

    /** Whether this JVM compiles with C2 at all (not -Xint, no TieredStopAtLevel below 4): else nothing to wait for. */
    static boolean c2Compiles() {
        try {
            var vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            boolean tiered = Boolean.parseBoolean(vm.getVMOption("TieredCompilation").getValue());
            return Boolean.parseBoolean(vm.getVMOption("UseCompiler").getValue())
                    && (!tiered || Integer.parseInt(vm.getVMOption("TieredStopAtLevel").getValue()) >= 4);
        } catch (RuntimeException | LinkageError e) { // not HotSpot, or an option it does not have
            return true;
        }
    }

    /**
     * What a compiled call of {@code ops} operations may take with vectors of {@code bits}: a fixed 10 µs (timer,
     * dispatch, small-call overheads) plus 0.75 ns per operation at 512 bits, 1.5 at 256, 3 at 128. C2's code ran
     * 0.15-0.4 ns per operation at 512 bits (the 360M shape's matmuls and attention, one thread, in cache, on a busy
     * machine), about twice that at 256; C1's boxed vectors 2.5-25, the interpreter some 300. Calls this small cost
     * little even before C2 has compiled them.
     */
    static long fastNanos(long ops, int bits) {
        return 10_000 + ops * 384 / bits;
    }

    /** The kernels' vector width ({@code SimdKernels.vectorBits()}), 128 if it cannot be read. */
    static int vectorBits(Kernels kernels) {
        try {
            Object bits = kernels.getClass().getMethod("vectorBits").invoke(kernels);
            return bits instanceof Integer b && b >= 128 ? b : 128;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return 128;
        }
    }

    private static List<Item> items(Kernels k, Shape shape, int[] blockRows, int bits) {
        int dim = shape.dim();
        int hidden = shape.hidden();
        int nHeads = shape.nHeads();
        int nKvHeads = shape.nKvHeads();
        int headDim = shape.headDim();
        Map<String, Tensor> byShape = new LinkedHashMap<>(); // one matrix per (dtype, row length)
        for (Tensor m : shape.matrices()) {
            byShape.putIfAbsent(m.dtype() + " x " + m.dim(1), m);
        }
        int maxRows = 0;
        for (int r : blockRows) {
            maxRows = Math.max(maxRows, r);
        }
        int maxIn = Math.max(dim, hidden);
        for (Tensor m : byShape.values()) {
            maxIn = Math.max(maxIn, m.dim(1));
        }
        int group = Math.max(1, nHeads / Math.max(1, nKvHeads)); // query heads of one kv head: all the code paths
        int qDim = group * headDim;
        int capacity = Math.max(POSITIONS + maxRows, SHORT_BLOCK_POSITIONS + SHORT_BLOCK);
        int half = headDim / 2;
        float[] x = filled(maxRows * maxIn, 1);
        float[] out1 = new float[maxRows * Math.max(MAX_OUT, maxIn)];
        float[] out2 = new float[maxRows * MAX_OUT];
        float[] normWeight = filled(dim, 2);
        float[] q = filled(maxRows * nHeads * headDim, 3);
        // the cache also reaches past one attention chunk, so the split over chunks and threads and the merge of
        // several chunks' partials are compiled before the first long context needs them
        int cached = Math.max(capacity, LONG_POSITION + maxRows);
        KvLayer kv = new KvLayer(shape.kvDType(), 1, headDim, cached);
        kv.write(0, cached, filled(headDim * cached, 4), 0, filled(headDim * cached, 5), 0);
        float[] attOut = new float[maxRows * qDim];
        float[] cos = filled(capacity * half, 6);
        float[] sin = filled(capacity * half, 7);
        float[] gate = new float[maxRows * hidden];
        float[] up = filled(maxRows * hidden, 8);
        float[] gateInput = filled(maxRows * hidden, 9);
        int[] position = {0};
        int[] tree = new int[maxRows]; // a binary tree in heap order: nodes at every depth, one root
        int[] depths = new int[maxRows];
        for (int t = 0; t < maxRows; t++) {
            tree[t] = t == 0 ? -1 : (t - 1) / 2;
            depths[t] = t == 0 ? 0 : depths[tree[t]] + 1;
        }
        int[] treePositions = new int[maxRows];
        List<Item> items = new ArrayList<>();
        for (int rows : blockRows) {
            int positions = rows < SHORT_BLOCK ? SHORT_BLOCK_POSITIONS : POSITIONS;
            for (Map.Entry<String, Tensor> e : byShape.entrySet()) {
                Tensor m = e.getValue();
                int in = m.dim(1);
                int outRows = (int) Math.min(m.dim(0),
                        Math.max(MIN_OUT, Math.min(MAX_OUT, MATMUL_WORK / ((long) rows * in))));
                Tensor w = new Tensor(m.name() + " (warm-up slice)", m.dtype(), new long[]{outRows, in},
                        m.data().asSlice(0, (long) outRows * in * m.dtype().bytes()));
                // two matrices in one call, as a layer's q/k/v and gate/up are multiplied (one call covers one too)
                Tensor[] pair = {w, w};
                float[][] outs = {out1, out2};
                items.add(new Item(bits, "matmul " + e.getKey() + ", " + rows + " rows", () -> {
                    k.matmul(outs, pair, x, rows);
                    return 2L * rows * outRows * in;
                }));
            }
            items.add(new Item(bits, "rmsnorm " + dim + ", " + rows + " rows", () -> {
                k.rmsnorm(out1, x, normWeight, rows, dim, 1e-5f);
                return 3L * rows * dim;
            }));
            items.add(new Item(bits, "rope, " + rows + " rows", () -> {
                int p = next(position, positions);
                k.ropeInPlace(q, rows, nHeads, headDim, p, cos, sin);
                k.ropeInPlace(q, rows, nKvHeads, headDim, p, cos, sin);
                return 3L * rows * (nHeads + nKvHeads) * headDim;
            }));
            items.add(new Item(bits, "attention, " + rows + " rows", () -> {
                int p = next(position, positions);
                k.attention(attOut, q, kv, rows, p, group);
                return 4L * rows * (p + rows) * qDim;
            }));
            items.add(new Item(bits, "attention past a chunk, " + rows + " rows", () -> {
                k.attention(attOut, q, kv, rows, LONG_POSITION, group);
                return 4L * rows * (LONG_POSITION + rows) * qDim;
            }));
            if (rows > 1) { // a block may be a tree of drafts: its own loops after the prefix, and RoPE by depth
                items.add(new Item(bits, "tree attention, " + rows + " rows", () -> {
                    int p = next(position, positions);
                    for (int t = 0; t < rows; t++) {
                        treePositions[t] = p + depths[t];
                    }
                    k.ropeInPlace(q, rows, nHeads, headDim, treePositions, cos, sin);
                    k.treeAttention(attOut, q, kv, rows, p, group, tree);
                    return 4L * rows * (p + rows) * qDim + 3L * rows * nHeads * headDim;
                }));
            }
            items.add(new Item(bits, "swiglu " + hidden + ", " + rows + " rows", () -> {
                System.arraycopy(gateInput, 0, gate, 0, rows * hidden);
                k.swigluInPlace(gate, up, rows * hidden);
                return 12L * rows * hidden;
            }));
            items.add(new Item(bits, "add " + dim + ", " + rows + " rows", () -> {
                k.addInPlace(out1, x, rows * dim);
                return (long) rows * dim;
            }));
        }
        return items;
    }

    /** The next start position below {@code positions}: a step of 7 (coprime to 48 and 160) visits all of them. */
    private static int next(int[] position, int positions) {
        position[0] += 7;
        return position[0] % positions;
    }

    private static float[] filled(int n, int seed) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) Math.sin(seed * 31 + i * 0.37) * 0.5f;
        }
        return a;
    }

    /** One kernel call to repeat; returns its operation count. */
    private interface Call {
        long run();
    }

    private static final class Item {
        final int bits;
        final String name;
        final Call call;
        int calls;
        int fastRounds;
        long first;
        long last;
        long limit;

        Item(int bits, String name, Call call) {
            this.bits = bits;
            this.name = name;
            this.call = call;
        }

        /**
         * Whether the item runs at compiled speed: up to three calls back to back, fast if one is. The first call
         * after a pause may find cold caches (or a descheduled thread on a busy machine); a call far above the limit
         * is not repeated.
         */
        boolean round() {
            for (int i = 0; i < 3; i++) {
                long begin = System.nanoTime();
                long ops = call.run();
                long nanos = System.nanoTime() - begin;
                if (calls++ == 0) {
                    first = nanos;
                }
                last = nanos;
                limit = fastNanos(ops, bits);
                if (nanos <= limit) {
                    return true;
                }
                if (nanos > 20 * limit) {
                    return false;
                }
            }
            return false;
        }
    }
}
