package org.specula.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CountDownLatch;

/**
 * Memory read bandwidth of this machine right now, for the bench to report beside the weight-streaming rate it
 * achieves: each thread reads its share of 1 GiB of native memory (where model weights live too), one byte of every
 * 64-byte line; DRAM moves whole lines, so this is the rate lines arrive, with no arithmetic in the way. Best of
 * five passes. (Summing a heap long[] instead, as this probe first did, read 14-16 GB/s where this reads 22-27 on
 * the same machine: the loop, not the memory, was the limit.)
 */
final class Bandwidth {
    private static final long BYTES = 1L << 30;
    private static final int LINE = 64;

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
            for (int pass = 0; pass < 5; pass++) {
                CountDownLatch done = new CountDownLatch(threads);
                long start = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    long from = BYTES / LINE * t / threads * LINE;
                    long to = BYTES / LINE * (t + 1) / threads * LINE;
                    Thread.ofPlatform().start(() -> {
                        sink[id] += readLines(data, from, to);
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

    private static long readLines(MemorySegment data, long from, long to) {
        long sum = 0;
        for (long i = from; i < to; i += LINE) {
            sum += data.get(ValueLayout.JAVA_BYTE, i);
        }
        return sum;
    }
}
