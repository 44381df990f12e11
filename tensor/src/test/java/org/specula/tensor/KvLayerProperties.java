package org.specula.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * {@link KvLayer#keep} and {@link KvLayer#copyPosition} under random caches (every dtype, 1 to 4 KV heads, head_dim
 * 2 to 40, prefixes across tile boundaries) and random accepted paths of a tree block: position start + k then holds
 * what slot slots[k] held, bit for bit, in every head and dimension; the prefix is untouched; nothing is allocated.
 */
class KvLayerProperties {
    private static final long SEED = 0x21L;
    private static final DType[] KV_TYPES = {DType.F32, DType.BF16, DType.F16};

    /** A cache of the given shape with every position 0 .. slots-1 written from random floats (some F16 subnormal). */
    private static KvLayer filled(Random random, DType dtype, int nKv, int headDim, int capacity) {
        KvLayer kv = new KvLayer(dtype, nKv, headDim, capacity);
        int n = kv.slots() * nKv * headDim;
        float[] k = KernelsContractTest.randoms(random, n, 3f);
        float[] v = KernelsContractTest.randoms(random, n, 3f);
        for (int i = 0; i < n; i += 7) {
            k[i] *= 1e-6f;
        }
        kv.write(0, kv.slots(), k, 0, v, 0);
        return kv;
    }

    /** The bits of every key and value of position p, keys first. */
    private static int[] bits(KvLayer kv, int p) {
        int kvDim = kv.nKvHeads() * kv.headDim();
        int[] out = new int[2 * kvDim];
        for (int h = 0; h < kv.nKvHeads(); h++) {
            for (int i = 0; i < kv.headDim(); i++) {
                out[h * kv.headDim() + i] = Float.floatToRawIntBits(kv.key(h, p, i));
                out[kvDim + h * kv.headDim() + i] = Float.floatToRawIntBits(kv.value(h, p, i));
            }
        }
        return out;
    }

    @Test
    void keepMovesTheAcceptedPathAfterThePrefix() {
        qt().withFixedSeed(SEED).withExamples(300)
                .forAll(integers().between(0, 2), integers().between(1, 4), integers().between(1, 20),
                        longs().all())
                .checkAssert((type, nKv, halfDim, seed) -> {
                    Random random = new Random(seed);
                    DType dtype = KV_TYPES[type];
                    int headDim = 2 * halfDim;
                    int start = random.nextInt(80); // crosses the tile (32) boundary
                    int rows = 1 + random.nextInt(40);
                    KvLayer kv = filled(random, dtype, nKv, headDim, start + rows);
                    int[] parents = KernelsContractTest.randomTree(random, rows);
                    int[] path = new int[rows];
                    int count = Kernels.ancestorPath(parents, random.nextInt(rows), path);
                    int[] slots = new int[count];
                    for (int k = 0; k < count; k++) {
                        slots[k] = start + path[k];
                    }
                    int[][] before = new int[kv.slots()][];
                    for (int p = 0; p < kv.slots(); p++) {
                        before[p] = bits(kv, p);
                    }
                    kv.keep(start, slots, count);
                    String what = dtype + " " + nKv + "x" + headDim + " keep " + java.util.Arrays.toString(slots)
                            + " at " + start;
                    for (int p = 0; p < start; p++) {
                        assertEquals(java.util.Arrays.toString(before[p]), java.util.Arrays.toString(bits(kv, p)),
                                what + ": prefix position " + p);
                    }
                    for (int k = 0; k < count; k++) {
                        assertEquals(java.util.Arrays.toString(before[slots[k]]),
                                java.util.Arrays.toString(bits(kv, start + k)), what + ": kept " + k);
                    }
                });
    }

    @Test
    void copyPositionCopiesEveryHeadAndDimensionAcrossTiles() {
        Random random = new Random(SEED);
        for (DType dtype : KV_TYPES) {
            KvLayer kv = filled(random, dtype, 3, 10, 100);
            for (int[] move : new int[][] {{5, 70}, {70, 5}, {31, 32}, {32, 31}, {17, 17}, {99, 0}}) {
                int[] expected = bits(kv, move[0]);
                int[] other = bits(kv, (move[1] + 1) % kv.slots());
                kv.copyPosition(move[0], move[1]);
                assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(bits(kv, move[1])),
                        dtype + " copy " + move[0] + " to " + move[1]);
                if ((move[1] + 1) % kv.slots() != move[0]) {
                    assertEquals(java.util.Arrays.toString(other),
                            java.util.Arrays.toString(bits(kv, (move[1] + 1) % kv.slots())),
                            dtype + " copy " + move[0] + " to " + move[1] + " touched its neighbour");
                }
            }
            assertThrows(IllegalArgumentException.class, () -> kv.copyPosition(0, kv.slots()));
            assertThrows(IllegalArgumentException.class, () -> kv.keep(10, new int[] {9}, 1), "a slot before start");
            assertThrows(IllegalArgumentException.class, () -> kv.keep(10, new int[] {12, 12}, 2), "a repeated slot");
        }
    }

    /** Compaction runs once per verification step: it must not allocate (checked where the JVM can count). */
    @Test
    void keepAllocatesNothing() {
        if (!(java.lang.management.ManagementFactory.getThreadMXBean()
                instanceof com.sun.management.ThreadMXBean threads) || !threads.isThreadAllocatedMemorySupported()) {
            return;
        }
        Random random = new Random(SEED);
        for (DType dtype : KV_TYPES) {
            KvLayer kv = filled(random, dtype, 5, 64, 300);
            int[] slots = {201, 203, 207, 230, 260};
            kv.keep(200, slots, slots.length); // loads and links what the calls need
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 200; i++) {
                kv.keep(200, slots, slots.length);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 1024, dtype + ": 200 compactions allocated " + allocated + " bytes");
        }
    }
}
