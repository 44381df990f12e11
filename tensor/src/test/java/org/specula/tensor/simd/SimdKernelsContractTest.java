package org.specula.tensor.simd;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.specula.tensor.DType;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsContractTest;
import org.specula.tensor.KvLayer;
import org.specula.tensor.Tensor;

/** {@link KernelsContractTest} for the SIMD backend at every vector width and with two threads. */
class SimdKernelsContractTest {

    /** Constructs the backend with {@code specula.vectorBits} set to bits (0: the CPU's preferred width). */
    static SimdKernels simd(int threads, int bits) {
        String old = System.getProperty("specula.vectorBits");
        try {
            if (bits > 0) {
                System.setProperty("specula.vectorBits", Integer.toString(bits));
            } else {
                System.clearProperty("specula.vectorBits");
            }
            return new SimdKernels(threads);
        } finally {
            if (old == null) {
                System.clearProperty("specula.vectorBits");
            } else {
                System.setProperty("specula.vectorBits", old);
            }
        }
    }

    @Nested
    class Bits128 extends KernelsContractTest {
        @Override
        protected Kernels create() {
            return simd(1, 128);
        }

        @Override
        protected boolean fullTreeSweep() {
            return false;
        }
    }

    @Nested
    class Bits256 extends KernelsContractTest {
        @Override
        protected Kernels create() {
            return simd(1, 256);
        }

        @Override
        protected boolean fullTreeSweep() {
            return false;
        }
    }

    @Nested
    class Bits512 extends KernelsContractTest {
        @Override
        protected Kernels create() {
            return simd(1, 512);
        }
    }

    @Nested
    class TwoThreads extends KernelsContractTest {
        @Override
        protected Kernels create() {
            return simd(2, 0);
        }

        @Override
        protected boolean fullTreeSweep() {
            return false;
        }
    }

    @Nested
    class ThreeThreads extends KernelsContractTest {
        @Override
        protected Kernels create() {
            return simd(3, 0);
        }

        @Override
        protected boolean fullTreeSweep() {
            return false;
        }
    }

    /** The thread split must not change a single bit: 1, 2 and 3 threads agree at every width and dtype. */
    @Test
    void matmulIsBitwiseIndependentOfThreads() {
        Random random = new Random(11);
        int outDim = 1001;
        int inDim = 515;
        try (Arena arena = Arena.ofShared()) {
            for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.F16}) {
                MemorySegment seg = arena.allocate((long) outDim * inDim * dtype.bytes() + 1)
                        .asSlice(1, (long) outDim * inDim * dtype.bytes());
                for (long i = 0; i < (long) outDim * inDim; i++) {
                    float v = random.nextFloat() * 2 - 1;
                    switch (dtype) {
                        case F32 -> seg.setAtIndex(Tensor.F32_LE, i, v);
                        case BF16 -> seg.setAtIndex(Tensor.I16_LE, i, DType.floatToBf16(v));
                        default -> seg.setAtIndex(Tensor.I16_LE, i, Float.floatToFloat16(v));
                    }
                }
                Tensor w = new Tensor("w", dtype, new long[] {outDim, inDim}, seg);
                float[] x = KernelsContractTest.randoms(random, 5 * inDim, 1f);
                for (int bits : new int[] {128, 256, 512}) {
                    float[] reference = null;
                    for (int threads = 1; threads <= 3; threads++) {
                        float[] out = new float[5 * outDim];
                        try (SimdKernels k = simd(threads, bits)) {
                            k.matmul(out, w, x, 5);
                        }
                        if (reference == null) {
                            reference = out;
                        } else if (!java.util.Arrays.equals(reference, out)) {
                            fail("simd " + bits + " bits " + dtype + ": " + threads + " threads differ from 1 thread");
                        }
                    }
                }
            }
        }
    }

    /**
     * Attention splits positions into chunks across threads and merges on the calling thread: 1, 2 and 3 threads
     * give the same bits, at every width and KV dtype, for decode and a verify block over several chunks.
     */
    @Test
    void attentionIsBitwiseIndependentOfThreads() {
        Random random = new Random(12);
        for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            KvLayer kv = KernelsContractTest.kvLayer(random, dtype, 5, 64, 1300, 2f);
            for (int rows : new int[] {1, 5}) {
                float[] q = KernelsContractTest.randoms(random, rows * 15 * 64, 1f);
                for (int bits : new int[] {128, 256, 512}) {
                    float[] reference = null;
                    for (int threads = 1; threads <= 3; threads++) {
                        float[] out = new float[q.length];
                        try (SimdKernels k = simd(threads, bits)) {
                            k.attention(out, q, kv, rows, 1300 - rows, 15);
                        }
                        if (reference == null) {
                            reference = out;
                        } else if (!java.util.Arrays.equals(reference, out)) {
                            fail("simd " + bits + " bits " + dtype + " attention, " + rows + " rows: " + threads
                                    + " threads differ from 1 thread");
                        }
                    }
                }
            }
        }
    }
}
