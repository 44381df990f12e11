package org.specula.sampling.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowScan} in vectors; loaded by name only when {@code jdk.incubator.vector} is present. One subclass per
 * width, so that the species are constants once inlined (a species passed as a plain argument boxes every
 * operation).
 */
abstract sealed class VectorRowScan extends RowScan permits VectorRowScan.W128, VectorRowScan.W256, VectorRowScan.W512 {

    abstract VectorSpecies<Float> floats();

    abstract VectorSpecies<Integer> ints();

    abstract VectorSpecies<Long> longs();

    /** Called by name, through {@link Warmup#load}, when {@link RowKernels#warmUp} starts. */
    static RowScan preferred() {
        return forBits(FloatVector.SPECIES_PREFERRED.vectorBitSize());
    }

    static VectorRowScan forBits(int bits) {
        return switch (bits) {
            case 512 -> new W512();
            case 256 -> new W256();
            case 128 -> new W128();
            default -> throw new IllegalArgumentException("no " + bits + "-bit float vectors");
        };
    }

    @Override
    final float maxOf(float[] x, int off, int n) {
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(n);
        // x[off] belongs to the row, so starting from it changes nothing; two chains halve the wait on max latency
        FloatVector m0 = FloatVector.broadcast(sp, x[off]), m1 = m0;
        int i = 0;
        for (; i + 2 * sp.length() <= bound; i += 2 * sp.length()) {
            m0 = m0.max(FloatVector.fromArray(sp, x, off + i));
            m1 = m1.max(FloatVector.fromArray(sp, x, off + i + sp.length()));
        }
        if (i < bound) m0 = m0.max(FloatVector.fromArray(sp, x, off + i));
        float max = m0.max(m1).reduceLanes(VectorOperators.MAX);
        for (i = bound; i < n; i++) max = Math.max(max, x[off + i]);
        return max;
    }

    @Override
    final int count(float[] x, int off, int n, float threshold) {
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(n);
        int count = 0;
        for (int i = 0; i < bound; i += sp.length()) {
            count += FloatVector.fromArray(sp, x, off + i).compare(VectorOperators.GE, threshold).trueCount();
        }
        for (int i = bound; i < n; i++) count += x[off + i] >= threshold ? 1 : 0;
        return count;
    }

    @Override
    final int indices(float[] x, int off, int n, float threshold, int[] out) {
        VectorSpecies<Float> sp = floats();
        VectorSpecies<Integer> si = ints();
        int bound = sp.loopBound(n);
        IntVector index = IntVector.zero(si).addIndex(1);
        IntVector step = IntVector.broadcast(si, sp.length());
        int count = 0;
        for (int i = 0; i < bound; i += sp.length()) {
            VectorMask<Float> at = FloatVector.fromArray(sp, x, off + i).compare(VectorOperators.GE, threshold);
            if (at.anyTrue()) {
                index.compress(at.cast(si)).intoArray(out, count);
                count += at.trueCount();
            }
            index = index.add(step);
        }
        for (int i = bound; i < n; i++) {
            if (x[off + i] >= threshold) out[count++] = i;
        }
        return count;
    }

    @Override
    final void rankSort(long[] keys, int m, long[] out) {
        VectorSpecies<Long> sp = longs();
        int bound = sp.loopBound(m);
        for (int i = 0; i < m; i++) {
            long key = keys[i];
            int above = 0;
            for (int j = 0; j < bound; j += sp.length()) {
                above += LongVector.fromArray(sp, keys, j).compare(VectorOperators.GT, key).trueCount();
            }
            for (int j = bound; j < m; j++) above += keys[j] > key ? 1 : 0;
            out[above] = key;
        }
    }

    static final class W512 extends VectorRowScan {
        @Override
        VectorSpecies<Float> floats() {
            return FloatVector.SPECIES_512;
        }

        @Override
        VectorSpecies<Integer> ints() {
            return IntVector.SPECIES_512;
        }

        @Override
        VectorSpecies<Long> longs() {
            return LongVector.SPECIES_512;
        }
    }

    static final class W256 extends VectorRowScan {
        @Override
        VectorSpecies<Float> floats() {
            return FloatVector.SPECIES_256;
        }

        @Override
        VectorSpecies<Integer> ints() {
            return IntVector.SPECIES_256;
        }

        @Override
        VectorSpecies<Long> longs() {
            return LongVector.SPECIES_256;
        }
    }

    static final class W128 extends VectorRowScan {
        @Override
        VectorSpecies<Float> floats() {
            return FloatVector.SPECIES_128;
        }

        @Override
        VectorSpecies<Integer> ints() {
            return IntVector.SPECIES_128;
        }

        @Override
        VectorSpecies<Long> longs() {
            return LongVector.SPECIES_128;
        }
    }
}
