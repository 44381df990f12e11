package org.specula.tensor.simd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of platform daemon threads that runs one {@link Job} split into chunks. The caller publishes the job
 * by bumping a volatile generation and then works too. The chunks are cut into one contiguous segment per thread
 * ({@link #segment}); thread i (the caller is 0) claims the chunks of segment i in ascending order, then those left in
 * the other segments, each segment through its own atomic counter. A worker that the OS has not scheduled yet so
 * delays nothing (the others take its chunks), and a thread that is not held up runs consecutive chunks, which lets
 * a job lay its chunks out so that one thread's weight streams continue from chunk to chunk. A call allocates nothing
 * and takes no lock; idle workers spin for a short while (the next matmul usually follows within microseconds) and
 * then park. One caller at a time.
 */
final class WorkerPool implements AutoCloseable {

    /**
     * A job split into chunks; chunk c of chunks does its share. Must not block. Chunks [segment(s), segment(s + 1))
     * usually run on one thread in ascending order, but any chunk may run on any thread.
     */
    interface Job {
        void run(int chunk, int chunks);
    }

    /** Most chunks one job may have (the claim word holds the count in 16 bits). */
    static final int MAX_CHUNKS = 0xFFFF;

    /** How long an idle worker spins before parking. */
    private static final long SPIN_NANOS = 200_000;

    private final Thread[] workers;
    private final AtomicIntegerArray sleeping;
    /**
     * One word per segment: (generation &lt;&lt; 32) | (end of the segment &lt;&lt; 16) | next unclaimed chunk. A claim names
     * its job and carries that job's bounds, so a worker that read a generation late can neither take a chunk of a
     * later job nor pair an earlier generation with a later job's bounds (which once let a stale worker run a chunk
     * of the new job twice and count it towards the new job's completion).
     */
    private final AtomicLongArray claims;
    private final AtomicInteger done = new AtomicInteger();
    private volatile Job job;
    private volatile int generation;
    private volatile boolean closed;
    private volatile Throwable failure;

    WorkerPool(int threads, String name) {
        this(threads, Thread.ofPlatform().daemon().name(name + "-", 1).factory());
    }

    /** With the factory that makes the worker threads (tests give one that fails, to check the cleanup). */
    WorkerPool(int threads, java.util.concurrent.ThreadFactory factory) {
        workers = new Thread[threads - 1];
        sleeping = new AtomicIntegerArray(workers.length);
        claims = new AtomicLongArray(threads);
        // a start that fails (the OS refuses a thread, memory runs out) stops the workers already started before it
        // propagates: a pool either starts whole or leaves no thread behind
        int started = 0;
        try {
            for (int i = 0; i < workers.length; i++) {
                int index = i;
                workers[i] = factory.newThread(() -> work(index));
                if (workers[i] == null) {
                    throw new IllegalStateException("the thread factory refused worker " + (i + 1));
                }
                workers[i].start();
                started++;
            }
        } catch (RuntimeException | Error e) {
            closed = true;
            for (int i = 0; i < started; i++) {
                LockSupport.unpark(workers[i]);
            }
            throw e;
        }
    }

    /** Threads that run a job, the caller included. */
    int threads() {
        return workers.length + 1;
    }

    /** First chunk of segment s (of threads() segments, s may be threads()) when a job has that many chunks. */
    static int segment(int s, int chunks, int threads) {
        return (int) ((long) chunks * s / threads);
    }

    /** Runs chunks 0 .. chunks-1 of job and returns when all are done; rethrows the first failure. */
    void run(Job job, int chunks) {
        if (closed) {
            throw new IllegalStateException("kernels are closed");
        }
        if (chunks < 1 || chunks > MAX_CHUNKS) {
            throw new IllegalArgumentException("chunks must be in 1.." + MAX_CHUNKS + " (got " + chunks + ")");
        }
        int g = generation + 1;
        failure = null;
        done.set(0);
        this.job = job;
        int n = claims.length();
        for (int s = 0; s < n; s++) {
            claims.set(s, ((long) g << 32) | ((long) segment(s + 1, chunks, n) << 16) | segment(s, chunks, n));
        }
        generation = g; // volatile write publishes everything above to the workers
        for (int i = 0; i < workers.length; i++) {
            if (sleeping.get(i) != 0) {
                LockSupport.unpark(workers[i]);
            }
        }
        runChunks(job, g, 0);
        int spins = 0;
        while (done.get() != chunks) {
            if (++spins < 1 << 12) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        this.job = null;
        Throwable first = failure;
        if (first instanceof RuntimeException e) {
            throw e;
        }
        if (first instanceof Error e) {
            throw e;
        }
        if (first != null) {
            throw new IllegalStateException(first);
        }
    }

    /**
     * Claims and runs chunks of generation g until none is left: those of segment first, then the other segments in
     * turn. Each claim word is (generation &lt;&lt; 32) | (end of its segment &lt;&lt; 16) | next unclaimed chunk, so a stale
     * thread can neither take a chunk of a later job nor pair one job's generation with another's bounds.
     */
    private void runChunks(Job job, int g, int first) {
        int n = claims.length();
        int chunks = -1;
        for (int i = 0; i < n; i++) {
            int s = (first + i) % n;
            while (true) {
                long c = claims.get(s);
                int chunk = (int) (c & 0xFFFF);
                int end = (int) ((c >>> 16) & 0xFFFF);
                if ((int) (c >>> 32) != g || chunk >= end) {
                    break;
                }
                if (claims.compareAndSet(s, c, c + 1)) {
                    if (chunks < 0) {
                        // The last segment ends at the chunk count. Its word still holds generation g: job g cannot
                        // finish, and so no later job can be published, before the chunk just claimed is done.
                        chunks = (int) (claims.get(n - 1) >>> 16 & 0xFFFF);
                    }
                    try {
                        job.run(chunk, chunks);
                    } catch (Throwable t) {
                        failure = t;
                    }
                    done.incrementAndGet();
                }
            }
        }
    }

    private void work(int index) {
        int seen = 0;
        while (true) {
            int g = generation;
            long spinStart = 0;
            while (g == seen) {
                if (closed) {
                    return;
                }
                if (spinStart == 0) {
                    spinStart = System.nanoTime();
                }
                Thread.onSpinWait();
                if (System.nanoTime() - spinStart > SPIN_NANOS) {
                    sleeping.set(index, 1); // then re-check: the caller unparks sleepers after bumping generation
                    if (generation == seen && !closed) {
                        LockSupport.park(this);
                    }
                    sleeping.set(index, 0);
                    spinStart = 0;
                }
                g = generation;
            }
            seen = g;
            Job current = job;
            if (current != null) {
                runChunks(current, g, index + 1);
            }
        }
    }
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        for (Thread w : workers) {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
