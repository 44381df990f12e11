package org.specula.sampling.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ShiftedExp} in vectors; loaded by name only when {@code jdk.incubator.vector} is present. One subclass per
 * width, so that {@link #species()} is a constant once inlined: the Vector API compiles to vector instructions only
 * for a species C2 can see as a constant (a species passed as a plain argument boxes every operation).
 */
abstract sealed class VectorShiftedExp extends ShiftedExp
        permits VectorShiftedExp.W128, VectorShiftedExp.W256, VectorShiftedExp.W512 {

    abstract VectorSpecies<Double> species();

    /** Floats of as many lanes as {@link #species}. */
    abstract VectorSpecies<Float> floats();

    /** Called by name, through {@link Warmup#load}, when {@link RowKernels#warmUp} starts. */
    static ShiftedExp preferred() {
        return forBits(DoubleVector.SPECIES_PREFERRED.vectorBitSize());
    }

    static VectorShiftedExp forBits(int bits) {
        return switch (bits) {
            case 512 -> new W512();
            case 256 -> new W256();
            case 128 -> new W128();
            default -> throw new IllegalArgumentException("no " + bits + "-bit double vectors");
        };
    }

    /** {@link ShiftedExp#shifted} on every lane, then on the tail: the same IEEE operations in the same order. */
    @Override
    final void inPlace(double[] x, int n, double max) {
        VectorSpecies<Double> sp = species();
        int bound = sp.loopBound(n);
        DoubleVector log2e = DoubleVector.broadcast(sp, LOG2E);
        DoubleVector magic = DoubleVector.broadcast(sp, MAGIC);
        DoubleVector ln2Hi = DoubleVector.broadcast(sp, -LN2_HI);
        DoubleVector ln2Lo = DoubleVector.broadcast(sp, -LN2_LO);
        DoubleVector one = DoubleVector.broadcast(sp, 1.0);
        for (int i = 0; i < bound; i += sp.length()) {
            DoubleVector shifted = DoubleVector.fromArray(sp, x, i).sub(max);
            DoubleVector d = shifted.max(FLOOR);
            DoubleVector t = d.mul(log2e).add(magic);
            DoubleVector k = t.sub(magic);
            DoubleVector r = k.fma(ln2Hi, d);
            r = k.fma(ln2Lo, r);
            DoubleVector p = DoubleVector.broadcast(sp, C13).fma(r, DoubleVector.broadcast(sp, C12));
            p = p.fma(r, DoubleVector.broadcast(sp, C11));
            p = p.fma(r, DoubleVector.broadcast(sp, C10));
            p = p.fma(r, DoubleVector.broadcast(sp, C9));
            p = p.fma(r, DoubleVector.broadcast(sp, C8));
            p = p.fma(r, DoubleVector.broadcast(sp, C7));
            p = p.fma(r, DoubleVector.broadcast(sp, C6));
            p = p.fma(r, DoubleVector.broadcast(sp, C5));
            p = p.fma(r, DoubleVector.broadcast(sp, C4));
            p = p.fma(r, DoubleVector.broadcast(sp, C3));
            p = p.fma(r, DoubleVector.broadcast(sp, C2));
            p = p.fma(r, one);
            p = p.fma(r, one);
            LongVector bits = t.reinterpretAsLongs().sub(MAGIC_BITS - 1023).lanewise(VectorOperators.LSHL, 52);
            p.mul(bits.reinterpretAsDoubles())
                    .blend(0.0, shifted.compare(VectorOperators.LT, FLOOR))
                    .intoArray(x, i);
        }
        for (int i = bound; i < n; i++) {
            x[i] = shifted(x[i], max);
        }
    }

    /** {@link ShiftedExp#scaled}'s quotient and exp on every lane, then on the tail. */
    @Override
    final void fromLogits(double[] out, float[] logits, int off, int n, double temperature, double max) {
        VectorSpecies<Double> sp = species();
        VectorSpecies<Float> fs = floats();
        int bound = sp.loopBound(n);
        DoubleVector log2e = DoubleVector.broadcast(sp, LOG2E);
        DoubleVector magic = DoubleVector.broadcast(sp, MAGIC);
        DoubleVector ln2Hi = DoubleVector.broadcast(sp, -LN2_HI);
        DoubleVector ln2Lo = DoubleVector.broadcast(sp, -LN2_LO);
        DoubleVector one = DoubleVector.broadcast(sp, 1.0);
        // The body repeats inPlace's: C2 compiles the Vector API only inside one method (an exp helper was not
        // inlined, and its vectors were boxed: 3x slower).
        for (int i = 0; i < bound; i += sp.length()) {
            DoubleVector x = (DoubleVector) FloatVector.fromArray(fs, logits, off + i)
                    .convertShape(VectorOperators.F2D, sp, 0);
            if (temperature != 1) x = x.div(temperature); // x / 1 is x: skipping it changes no bit
            DoubleVector shifted = x.sub(max);
            DoubleVector d = shifted.max(FLOOR);
            DoubleVector t = d.mul(log2e).add(magic);
            DoubleVector k = t.sub(magic);
            DoubleVector r = k.fma(ln2Hi, d);
            r = k.fma(ln2Lo, r);
            DoubleVector p = DoubleVector.broadcast(sp, C13).fma(r, DoubleVector.broadcast(sp, C12));
            p = p.fma(r, DoubleVector.broadcast(sp, C11));
            p = p.fma(r, DoubleVector.broadcast(sp, C10));
            p = p.fma(r, DoubleVector.broadcast(sp, C9));
            p = p.fma(r, DoubleVector.broadcast(sp, C8));
            p = p.fma(r, DoubleVector.broadcast(sp, C7));
            p = p.fma(r, DoubleVector.broadcast(sp, C6));
            p = p.fma(r, DoubleVector.broadcast(sp, C5));
            p = p.fma(r, DoubleVector.broadcast(sp, C4));
            p = p.fma(r, DoubleVector.broadcast(sp, C3));
            p = p.fma(r, DoubleVector.broadcast(sp, C2));
            p = p.fma(r, one);
            p = p.fma(r, one);
            LongVector bits = t.reinterpretAsLongs().sub(MAGIC_BITS - 1023).lanewise(VectorOperators.LSHL, 52);
            p.mul(bits.reinterpretAsDoubles())
                    .blend(0.0, shifted.compare(VectorOperators.LT, FLOOR))
                    .intoArray(out, i);
        }
        for (int i = bound; i < n; i++) {
            out[i] = scaled(logits[off + i], temperature, max);
        }
    }

    static final class W512 extends VectorShiftedExp {
        @Override
        VectorSpecies<Double> species() {
            return DoubleVector.SPECIES_512;
        }

        @Override
        VectorSpecies<Float> floats() {
            return FloatVector.SPECIES_256;
        }
    }

    static final class W256 extends VectorShiftedExp {
        @Override
        VectorSpecies<Double> species() {
            return DoubleVector.SPECIES_256;
        }

        @Override
        VectorSpecies<Float> floats() {
            return FloatVector.SPECIES_128;
        }
    }

    static final class W128 extends VectorShiftedExp {
        @Override
        VectorSpecies<Double> species() {
            return DoubleVector.SPECIES_128;
        }

        @Override
        VectorSpecies<Float> floats() {
            return FloatVector.SPECIES_64;
        }
    }
}
