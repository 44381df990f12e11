package org.specula.tensor.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector loops of {@link SimdKernels#attention}: query-key scores over the transposed key cache and the
 * softmax-weighted sum of values. Every score and every output element is one fused multiply-add chain in a fixed
 * order, so its bits do not depend on how many queries run together or on which lane it falls.
 */
final class Attention {
    private Attention() {
    }

    /** Σ a[ao+i]·b[bo+i] for i &lt; n: one accumulator, fixed lane tree, scalar fma tail. */
    static float dot(Lanes width, float[] a, int ao, float[] b, int bo, int n, float[] scratch) {
        VectorSpecies<Float> sp = width.floats();
        int bound = sp.loopBound(n);
        FloatVector acc = FloatVector.zero(sp);
        for (int i = 0; i < bound; i += sp.length()) {
            acc = FloatVector.fromArray(sp, a, ao + i).fma(FloatVector.fromArray(sp, b, bo + i), acc);
        }
        float s = width.sum(acc, scratch);
        for (int i = bound; i < n; i++) {
            s = Math.fma(a[ao + i], b[bo + i], s);
        }
        return s;
    }

    /**
     * att[attOff + s] = (Σ_i q[qOff+i] · keysT[(kvOff+i) · capacity + s]) · scale for s &lt; len, with the keys
     * stored transposed: a vector holds the scores of consecutive positions and each is one fused multiply-add
     * chain over i ascending (no lane sum), the last positions under a mask, so a score never depends on its lane.
     */
    static void scores(Lanes width, float[] att, int attOff, float[] q, int qOff, float[] keysT, int kvOff,
                       int capacity, int len, int headDim, float scale) {
        VectorSpecies<Float> sp = width.floats();
        int lanes = sp.length();
        int bound = sp.loopBound(len);
        int s = 0;
        for (; s + 4 * lanes <= bound; s += 4 * lanes) { // four independent chains hide the FMA latency
            FloatVector a0 = FloatVector.zero(sp);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int i = 0; i < headDim; i++) {
                FloatVector qi = FloatVector.broadcast(sp, q[qOff + i]);
                int row = (kvOff + i) * capacity + s;
                a0 = qi.fma(FloatVector.fromArray(sp, keysT, row), a0);
                a1 = qi.fma(FloatVector.fromArray(sp, keysT, row + lanes), a1);
                a2 = qi.fma(FloatVector.fromArray(sp, keysT, row + 2 * lanes), a2);
                a3 = qi.fma(FloatVector.fromArray(sp, keysT, row + 3 * lanes), a3);
            }
            a0.mul(scale).intoArray(att, attOff + s);
            a1.mul(scale).intoArray(att, attOff + s + lanes);
            a2.mul(scale).intoArray(att, attOff + s + 2 * lanes);
            a3.mul(scale).intoArray(att, attOff + s + 3 * lanes);
        }
        for (; s < bound; s += lanes) {
            FloatVector acc = FloatVector.zero(sp);
            for (int i = 0; i < headDim; i++) {
                acc = FloatVector.broadcast(sp, q[qOff + i])
                        .fma(FloatVector.fromArray(sp, keysT, (kvOff + i) * capacity + s), acc);
            }
            acc.mul(scale).intoArray(att, attOff + s);
        }
        if (s < len) { // the last len - bound positions under a mask: the same chain per lane, not a scalar loop
            VectorMask<Float> m = sp.indexInRange(s, len);
            FloatVector acc = FloatVector.zero(sp);
            for (int i = 0; i < headDim; i++) {
                acc = FloatVector.broadcast(sp, q[qOff + i])
                        .fma(FloatVector.fromArray(sp, keysT, (kvOff + i) * capacity + s, m), acc);
            }
            acc.mul(scale).intoArray(att, attOff + s, m);
        }
    }

    /**
     * {@link #scores} of two queries of one head at once, qA into attA and qB into attB, both over len positions
     * (the caller ignores what it does not need). Each key vector loaded serves both queries, and eight accumulator
     * chains instead of four keep the FMA units busy where one query's four chains wait on their latency. Every score
     * is the same chain as in {@link #scores}, so the bits are the same.
     */
    static void scores2(Lanes width, float[] attA, int offA, float[] attB, int offB, float[] q, int qA, int qB,
                        float[] keysT, int kvOff, int capacity, int len, int headDim, float scale) {
        VectorSpecies<Float> sp = width.floats();
        int lanes = sp.length();
        int bound = sp.loopBound(len);
        int s = 0;
        for (; s + 4 * lanes <= bound; s += 4 * lanes) {
            FloatVector a0 = FloatVector.zero(sp);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            FloatVector b0 = a0;
            FloatVector b1 = a0;
            FloatVector b2 = a0;
            FloatVector b3 = a0;
            for (int i = 0; i < headDim; i++) {
                FloatVector qa = FloatVector.broadcast(sp, q[qA + i]);
                FloatVector qb = FloatVector.broadcast(sp, q[qB + i]);
                int row = (kvOff + i) * capacity + s;
                FloatVector k0 = FloatVector.fromArray(sp, keysT, row);
                FloatVector k1 = FloatVector.fromArray(sp, keysT, row + lanes);
                FloatVector k2 = FloatVector.fromArray(sp, keysT, row + 2 * lanes);
                FloatVector k3 = FloatVector.fromArray(sp, keysT, row + 3 * lanes);
                a0 = qa.fma(k0, a0);
                a1 = qa.fma(k1, a1);
                a2 = qa.fma(k2, a2);
                a3 = qa.fma(k3, a3);
                b0 = qb.fma(k0, b0);
                b1 = qb.fma(k1, b1);
                b2 = qb.fma(k2, b2);
                b3 = qb.fma(k3, b3);
            }
            a0.mul(scale).intoArray(attA, offA + s);
            a1.mul(scale).intoArray(attA, offA + s + lanes);
            a2.mul(scale).intoArray(attA, offA + s + 2 * lanes);
            a3.mul(scale).intoArray(attA, offA + s + 3 * lanes);
            b0.mul(scale).intoArray(attB, offB + s);
            b1.mul(scale).intoArray(attB, offB + s + lanes);
            b2.mul(scale).intoArray(attB, offB + s + 2 * lanes);
            b3.mul(scale).intoArray(attB, offB + s + 3 * lanes);
        }
        for (; s < bound; s += lanes) {
            FloatVector a = FloatVector.zero(sp);
            FloatVector b = a;
            for (int i = 0; i < headDim; i++) {
                FloatVector k = FloatVector.fromArray(sp, keysT, (kvOff + i) * capacity + s);
                a = FloatVector.broadcast(sp, q[qA + i]).fma(k, a);
                b = FloatVector.broadcast(sp, q[qB + i]).fma(k, b);
            }
            a.mul(scale).intoArray(attA, offA + s);
            b.mul(scale).intoArray(attB, offB + s);
        }
        if (s < len) {
            VectorMask<Float> m = sp.indexInRange(s, len);
            FloatVector a = FloatVector.zero(sp);
            FloatVector b = a;
            for (int i = 0; i < headDim; i++) {
                FloatVector k = FloatVector.fromArray(sp, keysT, (kvOff + i) * capacity + s, m);
                a = FloatVector.broadcast(sp, q[qA + i]).fma(k, a);
                b = FloatVector.broadcast(sp, q[qB + i]).fma(k, b);
            }
            a.mul(scale).intoArray(attA, offA + s, m);
            b.mul(scale).intoArray(attB, offB + s, m);
        }
    }

    /**
     * {@link #weightedSum} of two consecutive query rows of one head at once: out[oA ..] over positions s &lt; len
     * weighted by attA, out[oB ..] over s &lt;= len weighted by attB (the later row sees one more position). Each
     * value vector loaded serves both rows; every element is the same chain over s ascending as in
     * {@link #weightedSum}, so the bits are the same.
     */
    static void weightedSum2(Lanes width, float[] out, int oA, int oB, float[] attA, int offA, float[] attB, int offB,
                             int len, float[] values, int kvOff, int kvDim, int headDim) {
        VectorSpecies<Float> sp = width.floats();
        int lanes = sp.length();
        int bound = sp.loopBound(headDim);
        int c = 0;
        for (; c + 4 * lanes <= bound; c += 4 * lanes) {
            FloatVector a0 = FloatVector.zero(sp);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            FloatVector b0 = a0;
            FloatVector b1 = a0;
            FloatVector b2 = a0;
            FloatVector b3 = a0;
            for (int s = 0; s < len; s++) {
                FloatVector wa = FloatVector.broadcast(sp, attA[offA + s]);
                FloatVector wb = FloatVector.broadcast(sp, attB[offB + s]);
                int v = s * kvDim + kvOff + c;
                FloatVector v0 = FloatVector.fromArray(sp, values, v);
                FloatVector v1 = FloatVector.fromArray(sp, values, v + lanes);
                FloatVector v2 = FloatVector.fromArray(sp, values, v + 2 * lanes);
                FloatVector v3 = FloatVector.fromArray(sp, values, v + 3 * lanes);
                a0 = wa.fma(v0, a0);
                a1 = wa.fma(v1, a1);
                a2 = wa.fma(v2, a2);
                a3 = wa.fma(v3, a3);
                b0 = wb.fma(v0, b0);
                b1 = wb.fma(v1, b1);
                b2 = wb.fma(v2, b2);
                b3 = wb.fma(v3, b3);
            }
            FloatVector wb = FloatVector.broadcast(sp, attB[offB + len]);
            int v = len * kvDim + kvOff + c;
            b0 = wb.fma(FloatVector.fromArray(sp, values, v), b0);
            b1 = wb.fma(FloatVector.fromArray(sp, values, v + lanes), b1);
            b2 = wb.fma(FloatVector.fromArray(sp, values, v + 2 * lanes), b2);
            b3 = wb.fma(FloatVector.fromArray(sp, values, v + 3 * lanes), b3);
            a0.intoArray(out, oA + c);
            a1.intoArray(out, oA + c + lanes);
            a2.intoArray(out, oA + c + 2 * lanes);
            a3.intoArray(out, oA + c + 3 * lanes);
            b0.intoArray(out, oB + c);
            b1.intoArray(out, oB + c + lanes);
            b2.intoArray(out, oB + c + 2 * lanes);
            b3.intoArray(out, oB + c + 3 * lanes);
        }
        for (; c < bound; c += lanes) {
            FloatVector a = FloatVector.zero(sp);
            FloatVector b = a;
            for (int s = 0; s < len; s++) {
                FloatVector v = FloatVector.fromArray(sp, values, s * kvDim + kvOff + c);
                a = FloatVector.broadcast(sp, attA[offA + s]).fma(v, a);
                b = FloatVector.broadcast(sp, attB[offB + s]).fma(v, b);
            }
            b = FloatVector.broadcast(sp, attB[offB + len])
                    .fma(FloatVector.fromArray(sp, values, len * kvDim + kvOff + c), b);
            a.intoArray(out, oA + c);
            b.intoArray(out, oB + c);
        }
        for (; c < headDim; c++) {
            float a = 0;
            float b = 0;
            for (int s = 0; s < len; s++) {
                float v = values[s * kvDim + kvOff + c];
                a = Math.fma(attA[offA + s], v, a);
                b = Math.fma(attB[offB + s], v, b);
            }
            out[oA + c] = a;
            out[oB + c] = Math.fma(attB[offB + len], values[len * kvDim + kvOff + c], b);
        }
    }

    /**
     * out[o+i] = Σ_s att[attOff+s] · values[s · kvDim + kvOff + i] for i &lt; headDim, each element one fused
     * multiply-add chain over s ascending from 0, with up to four
     * vectors of accumulators kept in registers across all positions.
     */
    static void weightedSum(Lanes width, float[] out, int o, float[] att, int attOff, int len, float[] values,
                            int kvOff, int kvDim, int headDim) {
        VectorSpecies<Float> sp = width.floats();
        int lanes = sp.length();
        int bound = sp.loopBound(headDim);
        int c = 0;
        for (; c + 4 * lanes <= bound; c += 4 * lanes) {
            FloatVector a0 = FloatVector.zero(sp);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int s = 0; s < len; s++) {
                FloatVector w = FloatVector.broadcast(sp, att[attOff + s]);
                int v = s * kvDim + kvOff + c;
                a0 = w.fma(FloatVector.fromArray(sp, values, v), a0);
                a1 = w.fma(FloatVector.fromArray(sp, values, v + lanes), a1);
                a2 = w.fma(FloatVector.fromArray(sp, values, v + 2 * lanes), a2);
                a3 = w.fma(FloatVector.fromArray(sp, values, v + 3 * lanes), a3);
            }
            a0.intoArray(out, o + c);
            a1.intoArray(out, o + c + lanes);
            a2.intoArray(out, o + c + 2 * lanes);
            a3.intoArray(out, o + c + 3 * lanes);
        }
        for (; c < bound; c += lanes) {
            FloatVector a = FloatVector.zero(sp);
            for (int s = 0; s < len; s++) {
                a = FloatVector.broadcast(sp, att[attOff + s])
                        .fma(FloatVector.fromArray(sp, values, s * kvDim + kvOff + c), a);
            }
            a.intoArray(out, o + c);
        }
        for (; c < headDim; c++) {
            float a = 0;
            for (int s = 0; s < len; s++) {
                a = Math.fma(att[attOff + s], values[s * kvDim + kvOff + c], a);
            }
            out[o + c] = a;
        }
    }

}
