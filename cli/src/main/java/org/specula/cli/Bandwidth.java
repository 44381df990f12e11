package org.specula.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CountDownLatch;

/**
 * Memory read bandwidth of this machine right now, for the bench to report beside the weight-streaming rate it
 * achieves: each thread reads its share of 1 GiB of native memory (where model weights live too), one byte of every
 * 64-byte line; DRAM moves whole lines, so this is the rate lines arrive, with no arithmetic in the way. A thread
 * walks its share as 1, 8 or 16 interleaved runs (the kernels stream 8 or 4 runs); the best pass of the three
 * patterns, five passes each, is the result. (Summing a heap long[], as this probe first did, read 14-16 GB/s where
 * one run read 22-27: the loop was the limit. One run per thread read 34-37 GB/s where 8 runs read 42-43 and 16 runs
 * 43-44 in the same process, and decode of the 1B shape then streamed its weights faster than the probe.)
 */
final class Bandwidth {
    private static final long BYTES = 1L << 30;
    private static final int LINE = 64;
    private static final int[] RUNS = {1, 8, 16};

    private Bandwidth() {
    }

    /** Best observed GB/s (1e9 bytes/s) reading with {@code threads} threads. */
    static double measure(int threads) throws InterruptedException {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate(BYTES, 1 << 21);
            for (long i = 0; i < BYTES; i += 4096) {
                data.set(ValueLayout.JAVA_BYTE, i, (byte) i); // touch every page
            }
            long[] sink = new long[threads];
            double best = 0;
            for (int pass = 0; pass < 15; pass++) {
                int runs = RUNS[pass % RUNS.length];
                CountDownLatch done = new CountDownLatch(threads);
                long start = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    long from = BYTES / LINE * t / threads * LINE;
                    long to = BYTES / LINE * (t + 1) / threads * LINE;
                    Thread.ofPlatform().start(() -> {
                        sink[id] += readLines(data, from, to, runs);
                        done.countDown();
                    });
                }
                done.await();
                long nanos = System.nanoTime() - start;
                best = Math.max(best, (double) BYTES / nanos);
            }
            if (sink[0] == 42) {
                System.err.print(""); // keep the sums alive
            }
            return best;
        }
    }

    /** One byte of every line of [from, to), walked as runs interleaved sequential runs (the tail, if any, last). */
    static long readLines(MemorySegment data, long from, long to, int runs) {
        long run = (to - from) / LINE / runs * LINE;
        long sum = 0;
        for (long i = 0; i < run; i += LINE) {
            for (int r = 0; r < runs; r++) {
                sum += data.get(ValueLayout.JAVA_BYTE, from + r * run + i);
            }
        }
        for (long i = from + runs * run; i < to; i += LINE) {
            sum += data.get(ValueLayout.JAVA_BYTE, i);
        }
        return sum;
    }
}
