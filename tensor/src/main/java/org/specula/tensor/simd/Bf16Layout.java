package org.specula.tensor.simd;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Where the BF16 kernels find their operands: activations split into even- and odd-indexed floats per run of two
 * vectors ({@link #pairOrder}), grouped per tile ({@link #blockOrder}), and weight rows widened to floats in the same
 * order ({@link #widen}).
 */
final class Bf16Layout {
    private Bf16Layout() {
    }

    /**
     * The activations in the order the BF16 kernels read them, into dst from index {@link Lanes#X_OFFSET}. Those
     * kernels load each run of 2·lanes weights as lanes ints, each int a pair of neighbours, and take the even weights
     * as {@code int << 16} and the odd ones as {@code int & 0xFFFF0000}: one operation per vector of weights where
     * widening shorts took two (sign-extend, then shift), both on the ports the FMAs need. The activations must then be
     * split the same way: for every run of 2·lanes floats of a row, its even-indexed floats and then its odd-indexed
     * ones; the floats past {@link Lanes#pairBound} keep their place. Every BF16 kernel (decode, tiles, widened rows)
     * uses this order, so the sum order of an output still does not depend on the path. bench/LOG.md, "BF16 as int
     * pairs".
     */
    static void pairOrder(Lanes lanes, float[] x, int rows, int inDim, float[] dst) {
        int n = lanes.floats().length();
        int pairs = lanes.pairBound(inDim);
        for (int t = 0; t < rows; t++) {
            int row = t * inDim;
            for (int b = row; b < row + pairs; b += 2 * n) {
                split(lanes, x, b, dst, Lanes.X_OFFSET + b);
            }
            System.arraycopy(x, row + pairs, dst, Lanes.X_OFFSET + row + pairs, inDim - pairs);
        }
    }

    /** x[from .. from + 2·lanes): its even-indexed floats to dst[to ..], its odd-indexed ones after them. */
    private static void split(Lanes lanes, float[] x, int from, float[] dst, int to) {
        VectorSpecies<Float> sp = lanes.floats();
        IntVector a = FloatVector.fromArray(sp, x, from).reinterpretAsInts();
        IntVector b = FloatVector.fromArray(sp, x, from + sp.length()).reinterpretAsInts();
        IntVector evens = IntVector.zero(lanes.ints()).addIndex(2); // 0, 2, 4, ...: indexes into a then b
        evens.selectFrom(a, b).reinterpretAsFloats().intoArray(dst, to);
        evens.add(1).selectFrom(a, b).reinterpretAsFloats().intoArray(dst, to + sp.length());
    }

    /**
     * The activations in the order the BF16 tiles read them: {@link #pairOrder}, and then, within each group of rows
     * one tile reads together ({@link TilePlan#group}), the blocks of its rows side by side, so that the tile finds its
     * rows' blocks a fixed distance apart and walks one sequential stream with one index (row t + k of the group
     * starting at row t: block j at {@code t·inDim + j·g + k·2·lanes}, after {@link Lanes#X_OFFSET}). The tails (the
     * floats past {@link Lanes#pairBound}) follow the group's blocks, row after row. With one row this is {@link
     * #pairOrder}. A 4×5 tile that kept five row offsets spilled them and recomputed them on every iteration;
     * interleaving all rows instead of each group put 16 rows' blocks 2 KiB apart, where they shared a few L1 sets.
     */
    static void blockOrder(Lanes lanes, float[] x, int rows, int inDim, float[] dst) {
        int span = 2 * lanes.floats().length();
        int pairs = lanes.pairBound(inDim);
        int rest = inDim - pairs;
        for (int t = 0; t < rows; ) {
            int g = lanes.plan.group(rows, t);
            int base = t * inDim;
            for (int k = 0; k < g; k++) {
                int row = (t + k) * inDim;
                for (int j = 0; j < pairs; j += span) {
                    split(lanes, x, row + j, dst, Lanes.X_OFFSET + base + j * g + k * span);
                }
                System.arraycopy(x, row + pairs, dst, Lanes.X_OFFSET + base + pairs * g + k * rest, rest);
            }
            t += g;
        }
    }

    /** Weight row d as floats into wide[off .. off + inDim): exact for BF16 and F16 (every value is a float). */
    static void widen(Lanes lanes, MemorySegment w, int kind, int d, int inDim, float[] wide, int off) {
        VectorSpecies<Float> sp = lanes.floats();
        int bound = sp.loopBound(inDim);
        long row = (long) d * inDim;
        int j = 0;
        if (kind == Lanes.BF16) { // in pair order, like the activations the BF16 kernels read (see pairOrder)
            int step = sp.length();
            int pairs = lanes.pairBound(inDim);
            VectorSpecies<Integer> is = lanes.ints();
            for (; j < pairs; j += 2 * step) {
                IntVector p = IntVector.fromMemorySegment(is, w, (row + j) * 2, Lanes.LE);
                p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(wide, off + j);
                p.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats().intoArray(wide, off + j + step);
            }
        } else {
            for (; j < bound; j += sp.length()) {
                lanes.f16(w, row + j).intoArray(wide, off + j);
            }
        }
        for (; j < inDim; j++) {
            wide[off + j] = Lanes.weight(kind, w, row + j);
        }
    }
}
