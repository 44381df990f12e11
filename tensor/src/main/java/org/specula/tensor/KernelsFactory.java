package org.specula.tensor;

import java.lang.reflect.InvocationTargetException;

/**
 * Chooses a {@link Kernels} backend at start-up. The SIMD backend is loaded by name, so a JVM without
 * {@code jdk.incubator.vector} never links against it; it then falls back to scalar with one line saying why. A
 * backend that is there but fails to start is an error, never a fallback.
 */
public final class KernelsFactory {
    public static final String SIMD_CLASS = "org.specula.tensor.simd.SimdKernels";

    private KernelsFactory() {
    }

    /**
     * @param name    "auto" (SIMD when available, else scalar; the system property specula.kernels=scalar makes
     *                "auto" mean scalar, so a whole test suite can run on the oracle), "simd" (error when
     *                unavailable) or "scalar"
     * @param threads worker threads for backends that use them (≥ 1)
     */
    public static Kernels create(String name, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1 (got " + threads + ")");
        }
        return switch (name) {
            case "scalar" -> new ScalarKernels();
            case "simd" -> loadSimd(threads, true);
            case "auto" -> "scalar".equals(System.getProperty("specula.kernels")) ? new ScalarKernels()
                    : loadSimd(threads, false);
            default -> throw new IllegalArgumentException("unknown kernels '" + name + "'; use auto, simd or scalar");
        };
    }

    private static Kernels loadSimd(int threads, boolean required) {
        String why;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            why = "module jdk.incubator.vector is not enabled; run java with --add-modules jdk.incubator.vector";
        } else {
            try {
                return (Kernels) Class.forName(SIMD_CLASS).getConstructor(int.class).newInstance(threads);
            } catch (ClassNotFoundException e) {
                why = "this build has no SIMD backend (" + SIMD_CLASS + ")";
            } catch (InvocationTargetException e) {
                // the backend exists but its constructor failed (threads refused, memory): an error even under
                // "auto", since falling back would hide the failure and run slower than asked
                Throwable cause = e.getCause();
                throw new SpeculaException("the SIMD backend failed to start with " + threads + " threads ("
                        + (cause instanceof SpeculaException ? cause.getMessage() : String.valueOf(cause))
                        + "); use fewer threads or the scalar kernels");
            } catch (ReflectiveOperationException | LinkageError e) {
                why = "SIMD backend could not be loaded: " + e;
            }
        }
        if (required) {
            throw new SpeculaException("SIMD kernels unavailable: " + why);
        }
        System.err.println("specula: using scalar kernels: " + why);
        return new ScalarKernels();
    }
}
