package org.specula.tensor.simd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of platform daemon threads that runs one {@link Job} split into {@code parts = workers + 1} parts; the
 * caller runs part 0. A call allocates nothing and takes no lock: the caller publishes the job by bumping a volatile
 * generation; workers spin on it for a short while after each job (the next matmul usually follows within
 * microseconds) and then park. One caller at a time.
 */
final class WorkerPool implements AutoCloseable {

    /** A job split into parts; part p of parts does its share. Must not block. */
    interface Job {
        void run(int part, int parts);
    }

    /** How long an idle worker spins before parking. */
    private static final long SPIN_NANOS = 200_000;

    private final Thread[] workers;
    private final AtomicIntegerArray sleeping;
    private final AtomicInteger pending = new AtomicInteger();
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

    int parts() {
        return workers.length + 1;
    }

    /** Runs job on all parts and returns when every part is done; rethrows a worker's failure. */
    void run(Job job) {
        if (closed) {
            throw new IllegalStateException("kernels are closed");
        }
        int parts = parts();
        failure = null;
        this.job = job;
        pending.set(workers.length);
        generation++; // volatile write: publishes job and pending to the workers (single caller)
        for (int i = 0; i < workers.length; i++) {
            if (sleeping.get(i) != 0) {
                LockSupport.unpark(workers[i]);
            }
        }
        Throwable mine = null;
        try {
            job.run(0, parts);
        } catch (Throwable t) {
            mine = t;
        }
        int spins = 0;
        while (pending.get() != 0) {
            if (++spins < 1 << 16) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        this.job = null;
        Throwable theirs = failure;
        if (mine != null || theirs != null) {
            Throwable first = mine != null ? mine : theirs;
            if (first instanceof RuntimeException e) {
                throw e;
            }
            if (first instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(first);
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
            try {
                job.run(index + 1, workers.length + 1);
            } catch (Throwable t) {
                failure = t;
            }
            pending.decrementAndGet();
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
