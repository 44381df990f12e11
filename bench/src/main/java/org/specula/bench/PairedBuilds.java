package org.specula.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Paired A/B of two builds of the tensor module in one JVM, for machines too noisy for run-to-run comparisons:
 * each build's classes load in their own class loader, both multiply the same BF16 matrices, and the two alternate
 * round by round (order swapped every round), so a slow phase of the machine hits both.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/classes org.specula.bench.PairedBuilds \
 *     A/tensor/target/classes B/tensor/target/classes OUT IN COUNT ROWS[,ROWS...] THREADS
 * </pre>
 *
 * Prints, per block size, each build's median and best time over COUNT matrices of OUT×IN (each multiplied REPEATS
 * times a round, default 1), the ratio of medians and in how many rounds B beat A. COUNT × OUT × IN × 2 bytes larger
 * than the caches measures from DRAM; one small matrix repeated measures in cache. With THREADS = 1 the times are the
 * calling thread's CPU time, not wall time.
 */
public final class PairedBuilds {
    private static final int ROUNDS = 12;
    private static final int WARMUP_ROUNDS = 3;

    private PairedBuilds() {
    }

    public static void main(String[] args) throws Throwable {
        if (args.length != 7 && args.length != 8) {
            System.err.println("usage: PairedBuilds CLASSES_A CLASSES_B OUT IN COUNT ROWS[,ROWS...] THREADS [REPEATS]");
            System.exit(2);
        }
        int out = Integer.parseInt(args[2]);
        int in = Integer.parseInt(args[3]);
        int count = Integer.parseInt(args[4]);
        int[] rowsList = Arrays.stream(args[5].split(",")).mapToInt(Integer::parseInt).toArray();
        int threads = Integer.parseInt(args[6]);
        int repeats = args.length == 8 ? Integer.parseInt(args[7]) : 1;
        int maxRows = Arrays.stream(rowsList).max().orElse(1);
        Arena arena = Arena.ofShared();
        MemorySegment[] weights = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            weights[i] = arena.allocate((long) out * in * 2, 64);
            for (long j = 0; j < (long) out * in; j++) {
                weights[i].setAtIndex(ValueLayout.JAVA_SHORT, j, (short) (0x3c00 + (j & 0xff))); // BF16 ~1.0..1.9
            }
        }
        MethodHandle[] matmul = new MethodHandle[2];
        Object[][] tensors = new Object[2][count];
        for (int side = 0; side < 2; side++) {
            URLClassLoader loader = new URLClassLoader(new URL[]{Path.of(args[side]).toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            Class<?> kernelsType = loader.loadClass("org.specula.tensor.Kernels");
            Object kernels = loader.loadClass("org.specula.tensor.KernelsFactory")
                    .getMethod("create", String.class, int.class).invoke(null, "simd", threads);
            Class<?> dtype = loader.loadClass("org.specula.tensor.DType");
            Object bf16 = Arrays.stream(dtype.getEnumConstants()).filter(c -> c.toString().equals("BF16"))
                    .findFirst().orElseThrow();
            Class<?> tensorType = loader.loadClass("org.specula.tensor.Tensor");
            Constructor<?> tensor = tensorType.getConstructor(String.class, dtype, long[].class, MemorySegment.class);
            for (int i = 0; i < count; i++) {
                tensors[side][i] = tensor.newInstance("w" + i, bf16, new long[]{out, in}, weights[i]);
            }
            matmul[side] = MethodHandles.publicLookup().findVirtual(kernelsType, "matmul",
                    MethodType.methodType(void.class, float[].class, tensorType, float[].class, int.class))
                    .bindTo(kernels);
        }
        float[] x = new float[maxRows * in];
        float[] y = new float[maxRows * out];
        Random random = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat() - 0.5f;
        }
        // One thread runs everything on the caller: its CPU time leaves out the time other processes held the core,
        // which on a shared machine moves wall times by more than the differences being measured.
        boolean cpuTime = threads == 1;
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        if (cpuTime) {
            System.out.println("1 thread: times are the thread's CPU time");
        }
        for (int rows : rowsList) {
            long[][] nanos = new long[2][ROUNDS];
            for (int round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
                for (int k = 0; k < 2; k++) {
                    int side = (round & 1) == 0 ? k : 1 - k;
                    long start = cpuTime ? cpu.getCurrentThreadCpuTime() : System.nanoTime();
                    for (int rep = 0; rep < repeats; rep++) {
                        for (Object w : tensors[side]) {
                            matmul[side].invoke(y, w, x, rows);
                        }
                    }
                    if (round >= 0) {
                        nanos[side][round] = (cpuTime ? cpu.getCurrentThreadCpuTime() : System.nanoTime()) - start;
                    }
                }
            }
            int wins = 0;
            for (int i = 0; i < ROUNDS; i++) {
                wins += nanos[1][i] < nanos[0][i] ? 1 : 0;
            }
            long[] a = nanos[0].clone();
            long[] b = nanos[1].clone();
            Arrays.sort(a);
            Arrays.sort(b);
            System.out.printf(Locale.ROOT, "rows %2d: A median %.2f ms (best %.2f) | B median %.2f ms (best %.2f) | "
                            + "B/A %.3f, B faster in %d/%d rounds%n", rows, a[ROUNDS / 2] / 1e6, a[0] / 1e6,
                    b[ROUNDS / 2] / 1e6, b[0] / 1e6, (double) b[ROUNDS / 2] / a[ROUNDS / 2], wins, ROUNDS);
        }
        System.exit(0);
    }
}
