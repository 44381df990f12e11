package org.specula.cli.simd;

import java.util.concurrent.CountDownLatch;
import java.util.function.IntConsumer;
import java.util.function.IntToDoubleFunction;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused multiply-add peak of this machine right now, for {@code specula bench} to report beside the prompt
 * (compute-bound) rate it achieves, as its memory bandwidth probe is the ceiling beside decode: each thread runs
 * {@link #CHAINS} independent chains of {@code FloatVector.fma} on registers only (no loads or stores in the loop), so
 * the FMA units, not memory or latency, are the limit: 12 chains cover 2 FMA pipes of 4-cycle latency with room to
 * spare. The width is the kernels' (a {@code static final} species, as the Vector API only compiles a constant
 * species to SIMD instructions). Warm-up runs until C2 has compiled the loop (the interpreter and C1 ran it
 * over a thousand times slower: 0.02 and 0.13 against 215 GFLOP/s at 512 bits on one thread), then the best of
 * {@link #REPEATS} timed passes of all threads, each from the threads' start to the last one's end, counts 2 flops per
 * lane per FMA.
 *
 * <p>The cli module's only class that links against {@code jdk.incubator.vector}, hence a simd package as the
 * kernels' and the sampler's, loaded by name ({@code BenchCommand}) and only when that module is present.
 */
public final class FmaPeak {
    static final int CHAINS = 12;
    static final int REPEATS = 5;
    /**
     * Most time the untimed warm-up may take: the whole probe took 0.25-0.45 s inside {@code bench} on the
     * development machine's 2 cores at a load of 7 (the interpreter and C1 run a few thousand calls, boxing every
     * vector, before C2 compiles the loop); the loop never stops allocating under -Xint or at a width the CPU lacks
     * (the Vector API's Java fallback), and the cap then ends the wait.
     */
    static final long WARMUP_CAP_NANOS = 2_000_000_000L;
    /** Iterations of one warm-up call: C2's thresholds count calls as well as iterations, so calls are short. */
    static final int WARMUP_ITERATIONS = 16;
    /** Warm-up calls between two checks. */
    static final int WARMUP_CALLS = 64;
    /** Aim of one timed pass. */
    static final long PASS_NANOS = 10_000_000L;

    /**
     * The kernels' width, a static final constant: the Vector API compiles only a constant species to SIMD
     * instructions, and a process runs its kernels at one width.
     */
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED.withShape(
            jdk.incubator.vector.VectorShape.forBitSize(kernelBits()));

    private FmaPeak() {
    }

    /** Best observed GFLOP/s (1e9 flops/s, an FMA = 2 flops per lane) on {@code threads} threads at {@code bits}. */
    public static double measure(int threads, int bits) throws InterruptedException {
        if (bits != S.vectorBitSize()) {
            throw new IllegalArgumentException("the probe runs at the kernels' width, " + S.vectorBitSize()
                    + " bits (specula.vectorBits or the CPU's), not " + bits);
        }
        IntToDoubleFunction loop = FmaPeak::run;
        double flopsPerIteration = 2.0 * CHAINS * (bits / Float.SIZE);
        double[] sink = new double[threads];
        com.sun.management.ThreadMXBean mx = threadBean();
        long deadline = System.nanoTime() + WARMUP_CAP_NANOS;
        onThreads(threads, id -> warmUp(loop, sink, id, mx, deadline));
        // Size the passes: double a call until it takes a millisecond (few calls even if the loop is still slow).
        int probe = 1_000;
        long nanos;
        while (true) {
            long t0 = System.nanoTime();
            sink[0] += loop.applyAsDouble(probe);
            nanos = Math.max(1, System.nanoTime() - t0);
            if (nanos >= 1_000_000 || probe >= 1 << 28) {
                break;
            }
            probe *= 2;
        }
        int iterations = (int) Math.clamp((double) PASS_NANOS * probe / nanos, 1_000, Integer.MAX_VALUE);
        double best = 0;
        for (int pass = 0; pass < REPEATS; pass++) {
            long wall = onThreads(threads, id -> sink[id] += loop.applyAsDouble(iterations));
            best = Math.max(best, flopsPerIteration * iterations * threads / wall);
        }
        if (sink[0] == 42) {
            System.err.print(""); // keep the results alive
        }
        return best;
    }

    /** Runs body(0) .. body(threads - 1) on as many new platform threads; returns the wall time until all are done. */
    private static long onThreads(int threads, IntConsumer body) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(threads);
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread.ofPlatform().start(() -> {
                try {
                    body.accept(id);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        return System.nanoTime() - start;
    }

    /**
     * Calls the loop until C2 has compiled it, on every thread (the counts that trigger compilation are shared, so
     * they are reached sooner): the interpreter and C1 box every vector in an object, C2's intrinsics keep them in
     * registers, so the loop is compiled when a round of calls allocates nothing. Where this JVM cannot count
     * allocations, until the deadline.
     */
    private static void warmUp(IntToDoubleFunction loop, double[] sink, int id, com.sun.management.ThreadMXBean mx,
            long deadline) {
        do {
            long before = mx == null ? 0 : mx.getCurrentThreadAllocatedBytes();
            for (int c = 0; c < WARMUP_CALLS; c++) {
                sink[id] += loop.applyAsDouble(WARMUP_ITERATIONS);
            }
            if (mx != null && mx.getCurrentThreadAllocatedBytes() - before < WARMUP_CALLS) {
                return; // less than a byte a call: no vector was boxed
            }
        } while (System.nanoTime() < deadline);
    }

    /** The width the SIMD kernels would use: specula.vectorBits when it names 128, 256 or 512, else the CPU's. */
    public static int kernelBits() {
        String forced = System.getProperty("specula.vectorBits");
        return switch (forced == null ? "" : forced.trim()) {
            case "128" -> 128;
            case "256" -> 256;
            case "512" -> 512;
            default -> FloatVector.SPECIES_PREFERRED.vectorBitSize();
        };
    }

    private static com.sun.management.ThreadMXBean threadBean() {
        try {
            if (java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx
                    && mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled()) {
                return mx;
            }
        } catch (RuntimeException | LinkageError e) { // no jdk.management module
            return null;
        }
        return null;
    }

    /**
     * The chains at the kernels' width. They converge to 1 (a -> 0.999 a + 0.001), so no value overflows or becomes
     * subnormal however long they run.
     */
    static double run(int n) {
        FloatVector m = FloatVector.broadcast(S, 0.999f);
        FloatVector c = FloatVector.broadcast(S, 0.001f);
        FloatVector a0 = FloatVector.broadcast(S, 0.1f);
        FloatVector a1 = FloatVector.broadcast(S, 0.2f);
        FloatVector a2 = FloatVector.broadcast(S, 0.3f);
        FloatVector a3 = FloatVector.broadcast(S, 0.4f);
        FloatVector a4 = FloatVector.broadcast(S, 0.5f);
        FloatVector a5 = FloatVector.broadcast(S, 0.6f);
        FloatVector a6 = FloatVector.broadcast(S, 0.7f);
        FloatVector a7 = FloatVector.broadcast(S, 0.8f);
        FloatVector a8 = FloatVector.broadcast(S, 0.9f);
        FloatVector a9 = FloatVector.broadcast(S, 1.1f);
        FloatVector a10 = FloatVector.broadcast(S, 1.2f);
        FloatVector a11 = FloatVector.broadcast(S, 1.3f);
        for (int i = 0; i < n; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
