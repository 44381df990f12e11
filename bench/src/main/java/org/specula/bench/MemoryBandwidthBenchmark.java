package org.specula.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The ceiling for memory-bound decode, 512 MiB (far larger than any cache) split over 1 or 2 threads;
 * GB/s = 0.537 / (ms per op) · 1000. {@code lines} reads native memory (where mapped weights live) one byte per
 * 64-byte line, the rate DRAM delivers lines, as {@code bench}'s probe does, each thread walking its share as
 * {@code runs} interleaved sequential runs (the probe takes the best of 1, 8 and 16; one run read 34-37 GB/s where
 * 8 read 42-43 on one machine); {@code sum} adds up a heap long[], which the loop rather than the memory limits on
 * some machines (14-16 against 22-27 GB/s on one). Plain Java (no incubator module), so it runs anywhere.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MemoryBandwidthBenchmark {
    static final int LONGS = 1 << 26; // 512 MiB

    @Param({"1", "2"})
    public int threads;

    /** Interleaved sequential runs per thread in {@link #lines()}. */
    @Param({"1", "8"})
    public int runs;

    private long[] data;
    private Arena arena;
    private MemorySegment offHeap;
    private ExecutorService pool;

    @Setup
    public void setUp() {
        data = new long[LONGS];
        for (int i = 0; i < LONGS; i++) {
            data[i] = i * 0x9E3779B97F4A7C15L;
        }
        arena = Arena.ofShared();
        offHeap = arena.allocate((long) LONGS * Long.BYTES, 1 << 21);
        for (long i = 0; i < offHeap.byteSize(); i += 4096) {
            offHeap.set(ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        pool = Executors.newFixedThreadPool(threads);
    }

    @Benchmark
    public long lines() throws Exception {
        long bytes = offHeap.byteSize();
        List<Future<Long>> parts = new ArrayList<>(threads);
        for (int p = 0; p < threads; p++) {
            long from = bytes / 64 * p / threads * 64;
            long to = bytes / 64 * (p + 1) / threads * 64;
            parts.add(pool.submit(() -> lines(offHeap, from, to, runs)));
        }
        long total = 0;
        for (Future<Long> part : parts) {
            total += part.get();
        }
        return total;
    }

    static long lines(MemorySegment m, long from, long to, int runs) {
        long run = (to - from) / 64 / runs * 64;
        long s = 0;
        for (long i = 0; i < run; i += 64) {
            for (int r = 0; r < runs; r++) {
                s += m.get(ValueLayout.JAVA_BYTE, from + r * run + i);
            }
        }
        for (long i = from + runs * run; i < to; i += 64) {
            s += m.get(ValueLayout.JAVA_BYTE, i);
        }
        return s;
    }

    @Benchmark
    public long sum() throws Exception {
        List<Future<Long>> parts = new ArrayList<>(threads);
        for (int p = 0; p < threads; p++) {
            int from = (int) ((long) LONGS * p / threads);
            int to = (int) ((long) LONGS * (p + 1) / threads);
            parts.add(pool.submit(() -> sum(data, from, to)));
        }
        long total = 0;
        for (Future<Long> part : parts) {
            total += part.get();
        }
        return total;
    }

    /** Four independent sums so the loop is limited by memory, not by one add chain. */
    static long sum(long[] a, int from, int to) {
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        int i = from;
        for (; i + 4 <= to; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < to; i++) {
            s0 += a[i];
        }
        return s0 + s1 + s2 + s3;
    }

    @TearDown
    public void tearDown() {
        pool.shutdownNow();
        arena.close();
    }
}
