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
import org.specula.tensor.DType;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.tensor.KvLayer;

/**
 * Causal GQA attention of a block of query rows over one layer's KV cache, SmolLM2-360M shape (15 heads, 5 KV
 * heads, head_dim 64) and Llama-3.2-1B shape (32 heads, 8 KV heads, head_dim 64), at a context position of 512 or
 * 2048, with an F32 or BF16 cache: rows = 1 is decode, rows = 5 a k = 4 verification. {@link #treeAttention} runs
 * the same rows as a binary tree in heap order (node t's parent (t − 1) / 2: for 5 rows a root, two children and two
 * grandchildren), the tree verification's attention; {@code -p rows=20} gives the size of a {@code --tree 4,2,1}.
 * Each is checked once against the scalar oracle.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "-XX:ObjectAlignmentInBytes=64"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AttentionBenchmark {
    @Param({"scalar", "simd"})
    public String backend;
    @Param({"2"})
    public int threads;
    @Param({"15/5", "32/8"})
    public String heads;
    @Param({"512", "2048"})
    public int position;
    @Param({"1", "5"})
    public int rows;
    @Param({"F32", "BF16"})
    public String kvDType;

    static final int HEAD_DIM = 64;
    private Kernels kernels;
    private int nHeads;
    private int nKvHeads;
    private float[] q;      // [rows][nHeads * headDim]
    private KvLayer kv;     // positions 0 .. position + rows - 1
    private float[] out;    // [rows][nHeads * headDim]
    private int[] parents;  // [rows]: the binary tree of treeAttention

    @Setup
    public void setUp() {
        String[] h = heads.split("/");
        nHeads = Integer.parseInt(h[0]);
        nKvHeads = Integer.parseInt(h[1]);
        Random random = new Random(3);
        q = random(random, rows * nHeads * HEAD_DIM);
        kv = new KvLayer(DType.valueOf(kvDType), nKvHeads, HEAD_DIM, position + rows);
        kv.write(0, position + rows, random(random, (position + rows) * nKvHeads * HEAD_DIM), 0,
                random(random, (position + rows) * nKvHeads * HEAD_DIM), 0);
        out = new float[rows * nHeads * HEAD_DIM];
        parents = new int[rows];
        for (int t = 0; t < rows; t++) {
            parents[t] = t == 0 ? -1 : (t - 1) / 2;
        }
        kernels = KernelsFactory.create(backend, threads);
        Kernels scalar = KernelsFactory.create("scalar", 1);
        float[] expected = new float[out.length];
        attention();
        scalar.attention(expected, q, kv, rows, position, nHeads);
        check("attention", expected);
        treeAttention();
        scalar.treeAttention(expected, q, kv, rows, position, nHeads, parents);
        check("treeAttention", expected);
    }

    private void check(String what, float[] expected) {
        for (int i = 0; i < out.length; i++) {
            if (Math.abs(expected[i] - out[i]) > 1e-4 + 1e-4 * Math.abs(expected[i])) {
                throw new IllegalStateException(backend + " " + what + " out[" + i + "] = " + out[i]
                        + ", scalar says " + expected[i]);
            }
        }
    }

    static float[] random(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextFloat() * 2 - 1;
        }
        return a;
    }

    @Benchmark
    public float[] attention() {
        kernels.attention(out, q, kv, rows, position, nHeads);
        return out;
    }

    @Benchmark
    public float[] treeAttention() {
        kernels.treeAttention(out, q, kv, rows, position, nHeads, parents);
        return out;
    }

    @TearDown
    public void tearDown() {
        kernels.close();
    }
}
