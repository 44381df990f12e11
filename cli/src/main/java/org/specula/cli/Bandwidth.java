package org.specula.cli;

import java.util.concurrent.CountDownLatch;

/**
 * Memory read bandwidth of this machine right now, for the bench to report beside the weight-streaming rate it
 * achieves: each thread sums its share of a 1 GiB long array (a loop the JIT vectorises), best of five passes.
 */
final class Bandwidth {
    private static final int LONGS = 1 << 27; // 1 GiB

    private Bandwidth() {
    }

    /** Best observed GB/s (1e9 bytes/s) reading with {@code threads} threads. */
    static double measure(int threads) throws InterruptedException {
        long[] data = new long[LONGS];
        for (int i = 0; i < data.length; i += 512) {
            data[i] = i; // touch every page
        }
        long[] sink = new long[threads];
        double best = 0;
        for (int pass = 0; pass < 5; pass++) {
            CountDownLatch done = new CountDownLatch(threads);
            long start = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                int id = t;
                int from = (int) ((long) LONGS * t / threads);
                int to = (int) ((long) LONGS * (t + 1) / threads);
                Thread.ofPlatform().start(() -> {
                    long sum = 0;
                    for (int i = from; i < to; i++) {
                        sum += data[i];
                    }
                    sink[id] += sum;
                    done.countDown();
                });
            }
            done.await();
            long nanos = System.nanoTime() - start;
            best = Math.max(best, (double) LONGS * Long.BYTES / nanos);
        }
        if (sink[0] == 42) {
            System.err.print(""); // keep the sums alive
        }
        return best;
    }
}
