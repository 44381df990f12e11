package org.specula.tensor.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.specula.tensor.DType;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsContractTest;
import org.specula.tensor.KvLayer;
import org.specula.tensor.ScalarKernels;

/**
 * {@link Kernels#treeAttention} under random trees (several roots, any parent below its child), every KV dtype, the
 * contract test's head layouts and prefixes of 0 to 600 positions (across tiles and chunks): on the scalar backend
 * and on SIMD (the CPU's width, two threads), each row has the bits the same backend's attention gives its query over
 * the prefix and its root-to-node path laid out contiguously.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TreeAttentionProperties {
    private static final long SEED = 0x7EEL;
    private static final DType[] KV_TYPES = {DType.F32, DType.BF16, DType.F16};
    private static final int[][] LAYOUTS = {{4, 4, 64}, {15, 5, 64}, {8, 1, 64}, {8, 4, 8}, {6, 2, 16}};

    private final Kernels scalar = new ScalarKernels();
    private final Kernels simd = SimdKernelsContractTest.simd(2, 0);

    @AfterAll
    void close() {
        simd.close();
    }

    @Test
    void everyRowIsAttentionOverItsPath() {
        qt().withFixedSeed(SEED).withExamples(60)
                .forAll(integers().between(0, KV_TYPES.length * LAYOUTS.length - 1), integers().between(0, 600),
                        integers().between(1, 40), longs().all())
                .checkAssert((shape, startPos, rows, seed) -> {
                    int type = shape / LAYOUTS.length;
                    int layout = shape % LAYOUTS.length;
                    Random random = new Random(seed);
                    int nHeads = LAYOUTS[layout][0];
                    int headDim = LAYOUTS[layout][2];
                    int qDim = nHeads * headDim;
                    KvLayer kv = KernelsContractTest.kvLayer(random, KV_TYPES[type], LAYOUTS[layout][1], headDim,
                            startPos + rows, 2f);
                    float[] q = KernelsContractTest.randoms(random, rows * qDim, 1f);
                    int[] parents = KernelsContractTest.randomTree(random, rows);
                    for (Kernels k : new Kernels[] {scalar, simd}) {
                        float[] block = new float[q.length];
                        k.treeAttention(block, q, kv, rows, startPos, nHeads, parents);
                        int[] path = new int[rows];
                        KvLayer contiguous = KernelsContractTest.copyOf(kv);
                        for (int t = 0; t < rows; t++) {
                            int len = Kernels.ancestorPath(parents, t, path);
                            KernelsContractTest.layOutPath(contiguous, kv, startPos, path, len);
                            float[] alone = new float[qDim];
                            k.attention(alone, java.util.Arrays.copyOfRange(q, t * qDim, (t + 1) * qDim),
                                    contiguous, 1, startPos + len - 1, nHeads);
                            for (int i = 0; i < qDim; i++) {
                                int row = t;
                                int at = i;
                                assertEquals(Float.floatToRawIntBits(alone[i]),
                                        Float.floatToRawIntBits(block[t * qDim + i]),
                                        () -> k.name() + " " + KV_TYPES[type] + " tree "
                                                + java.util.Arrays.toString(parents) + " after " + startPos
                                                + ", layout " + java.util.Arrays.toString(LAYOUTS[layout]) + ": row "
                                                + row + " element " + at);
                            }
                        }
                    }
                });
    }
}
