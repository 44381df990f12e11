package org.specula.sampling.simd;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Loading a vector implementation by name, and deciding when to use it. Vector API code runs boxed, some 100×
 * slower than a scalar twin, until C2 compiles it, and C2 waits for thousands of calls. So a background thread at the
 * lowest priority times both implementations on a private row until the vector one has been at least twice as fast
 * 50 times in a row, then reports; it gives up after a minute (a machine whose vectors the JIT does not compile), and
 * the scalar twin stays.
 */
final class Warmup {
    private static final long LIMIT_NANOS = 60_000_000_000L;
    private static final int FAST_IN_A_ROW = 50;

    private Warmup() {}

    /**
     * The instance returned by the static {@code preferred()} of the named class, or null without the
     * {@code jdk.incubator.vector} module or if it cannot be loaded (the scalar twin then serves, only slower).
     */
    static <T> T load(String className, Class<T> type) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return null;
        try {
            return type.cast(Class.forName(className).getDeclaredMethod("preferred").invoke(null));
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    /**
     * Starts the race on a daemon thread; each supplier runs its implementation once and returns the nanoseconds it
     * took. {@code done} receives whether the vector implementation won.
     */
    static void start(String name, LongSupplier vectorNanos, LongSupplier scalarNanos, Consumer<Boolean> done) {
        Thread.ofPlatform().daemon().name(name).priority(Thread.MIN_PRIORITY).start(() -> {
            long start = System.nanoTime();
            int fastInARow = 0;
            while (fastInARow < FAST_IN_A_ROW && System.nanoTime() - start < LIMIT_NANOS) {
                long vector = vectorNanos.getAsLong();
                long scalar = scalarNanos.getAsLong();
                fastInARow = 2 * vector <= scalar ? fastInARow + 1 : 0;
            }
            done.accept(fastInARow >= FAST_IN_A_ROW);
        });
    }
}
