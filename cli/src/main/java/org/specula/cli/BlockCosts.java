package org.specula.cli;

import org.specula.model.ForwardPass;

import java.util.Arrays;

/**
 * What bench reports of one target forward over a block against decode(1): verify(T) for chains of T rows, and a
 * tree's block. Both alternate the sizes over the same cached prompt and keep the best of each, by wall and by the
 * thread's CPU time.
 */
final class BlockCosts {
    private BlockCosts() {
    }

    /** How long {@link #verify} runs the block sizes untimed before it measures them. */
    static final long VERIFY_WARMUP_NANOS = 1_000_000_000L;

    /**
     * Best-of-repeats time of a forward of T tokens (logits for all) after the prompt, over T = 1's time: the first
     * BenchCommand.VERIFY_SIZES.length entries by wall time, the next as many by the calling thread's CPU time (with one kernel
     * thread all the work runs on it, and CPU time leaves out the time other processes held the core).
     */
    static double[] verify(ForwardPass pass, int[] prompt, int repeats) {
        int vocab = pass.model().config().vocabSize();
        int maxT = BenchCommand.VERIFY_SIZES[BenchCommand.VERIFY_SIZES.length - 1];
        float[] logits = new float[maxT * vocab];
        int[] block = Arrays.copyOf(prompt, maxT);
        int base = Math.min(prompt.length, pass.context() - maxT);
        int keep = pass.commonPrefix(prompt, base); // a --depth prefix stays: only the rest is fed again
        pass.truncate(keep);
        if (base > keep) {
            pass.forward(prompt, keep, base - keep, ForwardPass.Logits.NONE, null);
        }
        // Untimed warm-up for at least VERIFY_WARMUP_NANOS: on a small model the timed repeats alone are too few calls
        // for C2 to compile every tile, and one stories260K run reported verify(2)/decode(1) = 91.
        long warmupStart = System.nanoTime();
        do {
            for (int size : BenchCommand.VERIFY_SIZES) {
                pass.forward(block, 0, size, ForwardPass.Logits.ALL, logits);
                pass.truncate(base);
            }
        } while (System.nanoTime() - warmupStart < VERIFY_WARMUP_NANOS);
        int n = BenchCommand.VERIFY_SIZES.length;
        double[] best = new double[2 * n];
        Arrays.fill(best, Double.MAX_VALUE);
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int r = 0; r < Math.max(3, repeats * 2); r++) {
            for (int i = 0; i < n; i++) {
                long cpu = threads.getCurrentThreadCpuTime();
                long start = System.nanoTime();
                pass.forward(block, 0, BenchCommand.VERIFY_SIZES[i], ForwardPass.Logits.ALL, logits);
                best[i] = Math.min(best[i], System.nanoTime() - start);
                best[n + i] = Math.min(best[n + i], threads.getCurrentThreadCpuTime() - cpu);
                pass.truncate(base);
            }
        }
        double[] cost = new double[best.length];
        for (int i = 0; i < best.length; i++) {
            cost[i] = best[i] / best[i < n ? 0 : n];
        }
        return cost;
    }

    /**
     * {wall, CPU} time of one target forward over a tree block (parents as block rows, row 0 the root) over that of
     * decode(1), both after the prompt, alternated and best of each kept, as {@link #verify} measures chains.
     */
    static double[] tree(ForwardPass pass, int[] prompt, int[] parents, int repeats) {
        int vocab = pass.model().config().vocabSize();
        int rows = parents.length;
        float[] logits = new float[rows * vocab];
        int[] block = new int[rows];
        for (int i = 0; i < rows; i++) {
            block[i] = prompt[i % prompt.length];
        }
        int base = Math.min(prompt.length, pass.context() - rows);
        pass.truncate(Math.min(pass.commonPrefix(prompt, base), base));
        if (base > pass.length()) {
            pass.forward(prompt, pass.length(), base - pass.length(), ForwardPass.Logits.NONE, null);
        }
        pass.warmUp(rows);
        long warmupStart = System.nanoTime();
        do {
            pass.forwardTree(block, 0, rows, parents, logits, null, 0);
            pass.truncate(base);
            pass.forward(block, 0, 1, ForwardPass.Logits.ALL, logits);
            pass.truncate(base);
        } while (System.nanoTime() - warmupStart < VERIFY_WARMUP_NANOS);
        long[] best = {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE}; // tree, decode; wall, cpu
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int r = 0; r < Math.max(3, repeats * 2); r++) {
            for (int which = 0; which < 2; which++) {
                long cpu = threads.getCurrentThreadCpuTime();
                long start = System.nanoTime();
                if (which == 0) {
                    pass.forwardTree(block, 0, rows, parents, logits, null, 0);
                } else {
                    pass.forward(block, 0, 1, ForwardPass.Logits.ALL, logits);
                }
                best[which] = Math.min(best[which], System.nanoTime() - start);
                best[2 + which] = Math.min(best[2 + which], threads.getCurrentThreadCpuTime() - cpu);
                pass.truncate(base);
            }
        }
        return new double[]{(double) best[0] / best[1], (double) best[2] / best[3]};
    }

}
