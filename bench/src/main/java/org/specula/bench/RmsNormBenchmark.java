package org.specula.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;

/**
 * RMSNorm of a block of rows for hidden sizes of real models (SmolLM2-360M 960, Llama-3.2-1B 2048) and one awkward
 * size. Checked once against the scalar oracle.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "-XX:ObjectAlignmentInBytes=64"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RmsNormBenchmark {
    @Param({"scalar", "simd"})
    public String backend;
    @Param({"960", "2048", "4099"})
    public int n;
    @Param({"1", "5"})
    public int rows;

    private Kernels kernels;
    private float[] x;      // [rows][n]
    private float[] weight; // [n]
    private float[] out;    // [rows][n]

    @Setup
    public void setUp() {
        Random random = new Random(4);
        x = AttentionBenchmark.random(random, rows * n);
        weight = AttentionBenchmark.random(random, n);
        out = new float[rows * n];
        kernels = KernelsFactory.create(backend, 1);
        rmsnorm();
        float[] expected = new float[out.length];
        KernelsFactory.create("scalar", 1).rmsnorm(expected, x, weight, rows, n, 1e-5f);
        for (int i = 0; i < out.length; i++) {
            if (Math.abs(expected[i] - out[i]) > 1e-5 + 1e-5 * Math.abs(expected[i])) {
                throw new IllegalStateException(backend + " rmsnorm out[" + i + "] = " + out[i] + ", scalar says "
                        + expected[i]);
            }
        }
    }

    @Benchmark
    public float[] rmsnorm() {
        kernels.rmsnorm(out, x, weight, rows, n, 1e-5f);
        return out;
    }

    @TearDown
    public void tearDown() {
        kernels.close();
    }
}
