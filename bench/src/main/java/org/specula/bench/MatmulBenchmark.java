package org.specula.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.specula.tensor.DType;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.tensor.Tensor;

/**
 * out[rows][outDim] = x[rows][inDim] · W[outDim][inDim]ᵀ for weight shapes of real models: SmolLM2-360M (960x960
 * attention, 2560x960 up/gate, 960x2560 down), Llama-3.2-1B (8192x2048 up/gate) and one awkward size. Weight-read
 * bandwidth (weight bytes per call / time) is printed after each iteration: at rows = 1 decode is memory-bound, so it
 * should approach the machine's read bandwidth; rows = 8 should cost little more than rows = 1. Each call reads the
 * next of several copies of the weights (256 MiB in all), so that, as in a forward pass, they come from memory and
 * not from the last-level cache.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "-XX:ObjectAlignmentInBytes=64"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MatmulBenchmark {
    @Param({"scalar", "simd"})
    public String backend;
    @Param({"1", "2"})
    public int threads;
    @Param({"F32", "BF16"})
    public String dtype;
    @Param({"960x960", "2560x960", "960x2560", "8192x2048", "257x1000"})
    public String shape;
    @Param({"1", "5", "8"})
    public int rows;

    private Arena arena;
    private Kernels kernels;
    static final long WORKING_SET = 256L << 20;

    private Tensor[] copies; // each [outDim, inDim]
    private int next;
    private Tensor w;  // [outDim, inDim], the first copy
    private float[] x;   // [rows, inDim]
    private float[] out; // [rows, outDim]
    private long calls;
    private long iterationStart;

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = shape.split("x");
        int outDim = Integer.parseInt(dims[0]);
        int inDim = Integer.parseInt(dims[1]);
        DType type = DType.valueOf(dtype);
        arena = Arena.ofShared();
        w = randomWeights(arena, type, outDim, inDim, new Random(1));
        copies = new Tensor[(int) Math.max(1, WORKING_SET / w.byteSize())];
        copies[0] = w;
        for (int c = 1; c < copies.length; c++) {
            MemorySegment copy = arena.allocate(w.byteSize(), 64).copyFrom(w.data());
            copies[c] = new Tensor("w" + c, type, w.shape(), copy);
        }
        x = new float[rows * inDim];
        Random random = new Random(2);
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat() * 2 - 1;
        }
        out = new float[rows * outDim];
        kernels = KernelsFactory.create(backend, threads);
        check(outDim, inDim);
    }

    /** One check against the scalar oracle, on a few output rows so that big shapes stay quick. */
    private void check(int outDim, int inDim) {
        kernels.matmul(out, w, x, rows);
        Kernels oracle = KernelsFactory.create("scalar", 1);
        int checkRows = Math.min(outDim, 64);
        long rowBytes = (long) inDim * w.dtype().bytes();
        Tensor head = new Tensor("head", w.dtype(), new long[] {checkRows, inDim},
                w.data().asSlice(0, checkRows * rowBytes));
        float[] expected = new float[rows * checkRows];
        oracle.matmul(expected, head, x, rows);
        for (int t = 0; t < rows; t++) {
            for (int d = 0; d < checkRows; d++) {
                float e = expected[t * checkRows + d];
                float a = out[t * outDim + d];
                if (Math.abs(e - a) > 1e-3 + 1e-4 * Math.abs(e)) {
                    throw new IllegalStateException(backend + " matmul " + dtype + " " + shape + " rows " + rows
                            + ": out[" + t + "][" + d + "] = " + a + ", scalar says " + e);
                }
            }
        }
    }

    static Tensor randomWeights(Arena arena, DType type, int outDim, int inDim, Random random) {
        long n = (long) outDim * inDim;
        MemorySegment seg = arena.allocate(n * type.bytes(), 64);
        for (long i = 0; i < n; i++) {
            float v = random.nextFloat() * 2 - 1;
            switch (type) {
                case F32 -> seg.setAtIndex(Tensor.F32_LE, i, v);
                case BF16 -> seg.setAtIndex(Tensor.I16_LE, i, DType.floatToBf16(v));
                case F16 -> seg.setAtIndex(Tensor.I16_LE, i, Float.floatToFloat16(v));
                default -> throw new IllegalArgumentException("weights must be F32, BF16 or F16, not " + type);
            }
        }
        return new Tensor("w", type, new long[] {outDim, inDim}, seg);
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        calls = 0;
        iterationStart = System.nanoTime();
    }

    @Benchmark
    public float[] matmul() {
        kernels.matmul(out, copies[next], x, rows);
        next = next + 1 == copies.length ? 0 : next + 1;
        calls++;
        return out;
    }

    @TearDown(Level.Iteration)
    public void printBandwidth() {
        double seconds = (System.nanoTime() - iterationStart) / 1e9;
        double gbPerSecond = calls * (double) w.byteSize() / seconds / 1e9;
        System.out.printf("  [%s t=%d %s %s rows=%d: %.2f GB/s of weights, %.1f us/call]%n",
                backend, threads, dtype, shape, rows, gbPerSecond, seconds * 1e6 / Math.max(1, calls));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernels.close();
        copies = null;
        arena.close();
    }
}
