package org.specula.tensor.simd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of platform daemon threads that runs one {@link Job} split into chunks. The caller publishes the job
 * by bumping a volatile generation and then works too; everyone claims chunks from one atomic counter, so a worker
 * that the OS has not scheduled yet delays nothing (the others take its chunks). A call allocates nothing and takes
 * no lock; idle workers spin for a short while (the next matmul usually follows within microseconds) and then park.
 * One caller at a time.
 */
final class WorkerPool implements AutoCloseable {

    /** A job split into chunks; chunk c of chunks does its share. Must not block. */
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
     * (generation &lt;&lt; 32) | (chunks &lt;&lt; 16) | next unclaimed chunk. A claim names its job and carries that job's
     * chunk count, so a worker that read a generation late can neither take a chunk of a later job nor pair an
     * earlier generation with a later job's chunk count (which once let a stale worker run a chunk of the new job
     * twice and count it towards the new job's completion).
     */
    private final AtomicLong claims = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    private volatile Job job;
    private volatile int generation;
    private volatile boolean closed;
    private volatile Throwable failure;

    WorkerPool(int threads, String name) {
        workers = new Thread[threads - 1];
        sleeping = new AtomicIntegerArray(workers.length);
        for (int i = 0; i < workers.length; i++) {
            int index = i;
            workers[i] = Thread.ofPlatform().daemon().name(name + "-" + (i + 1)).unstarted(() -> work(index));
            workers[i].start();
        }
    }

    /** Threads that run a job, the caller included. */
    int threads() {
        return workers.length + 1;
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
        claims.set(((long) g << 32) | ((long) chunks << 16));
        generation = g; // volatile write publishes everything above to the workers
        for (int i = 0; i < workers.length; i++) {
            if (sleeping.get(i) != 0) {
                LockSupport.unpark(workers[i]);
            }
        }
        runChunks(job, g);
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

    /** Claims and runs chunks of generation g until none is left. */
    private void runChunks(Job job, int g) {
        while (true) {
            long c = claims.get();
            int chunk = (int) (c & 0xFFFF);
            int chunks = (int) ((c >>> 16) & 0xFFFF);
            if ((int) (c >>> 32) != g || chunk >= chunks) {
                return;
            }
            if (claims.compareAndSet(c, c + 1)) {
                try {
                    job.run(chunk, chunks);
                } catch (Throwable t) {
                    failure = t;
                }
                done.incrementAndGet();
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
                runChunks(current, g);
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
