package org.specula.tensor.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise row kernels of {@link SimdKernels}: RMSNorm's scaling, softmax's exp, SwiGLU, residual adds and RoPE.
 * Each has a scalar tail that performs the same IEEE operations as its vector body, so an element's bits do not
 * depend on whether it falls in a vector or in the tail.
 */
final class RowOps {
    private RowOps() {
    }

    /** out[o+i] = weight[i] · (x[o+i] · scale) for i &lt; n (same two roundings as the scalar tail). */
    static void scale(Lanes width, float[] out, float[] x, int o, float[] weight, float scale, int n) {
        VectorSpecies<Float> sp = width.floats();
        int bound = sp.loopBound(n);
        for (int i = 0; i < bound; i += sp.length()) {
            FloatVector.fromArray(sp, x, o + i).mul(scale).mul(FloatVector.fromArray(sp, weight, i))
                    .intoArray(out, o + i);
        }
        for (int i = bound; i < n; i++) {
            out[o + i] = x[o + i] * scale * weight[i];
        }
    }

    /** x[off+i] *= factor for i &lt; n. */
    static void scaleInPlace(Lanes width, float[] x, int off, float factor, int n) {
        VectorSpecies<Float> sp = width.floats();
        int bound = sp.loopBound(n);
        for (int i = 0; i < bound; i += sp.length()) {
            FloatVector.fromArray(sp, x, off + i).mul(factor).intoArray(x, off + i);
        }
        for (int i = bound; i < n; i++) {
            x[off + i] *= factor;
        }
    }

    /** max of x[off .. off+n), n ≥ 1 (max is exact, so any order gives the same result). */
    // exp for softmax: Cody-Waite reduction by ln 2 and Cephes' degree-5 polynomial, in float. The vector body and
    // the scalar tail perform the same IEEE operations in the same order, so an element's value never depends on
    // whether it fell in a vector or in the tail (and no JIT-dependent library exp is involved). Error ≤ 2 ulp.
    private static final float LOG2E = 1.44269504f;
    private static final float MAGIC = 12582912f; // 1.5 * 2^23: adding it rounds to an integer
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;
    private static final int MAGIC_BITS = Float.floatToRawIntBits(MAGIC);

    /** exp(x − max) for x ≤ max, the scalar twin of the vector body of {@link #expShiftedInPlace}. */
    static float expShifted(float x, float max) {
        return exp(Math.max(x - max, -87f));
    }

    /** exp(d) for d in [−87, 88]: Cody-Waite reduction by ln 2, degree-5 polynomial, 2^n built in the exponent bits. */
    private static float exp(float d) {
        float t = d * LOG2E + MAGIC;
        float n = t - MAGIC;
        float r = Math.fma(n, -LN2_HI, d);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(P0, r, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        return y * Float.intBitsToFloat((Float.floatToRawIntBits(t) - MAGIC_BITS + 127) << 23);
    }

    /**
     * x[off+i] = exp(x[off+i] − max) for i &lt; n, every x ≤ max: {@link #exp(float)}'s operations on every lane, in
     * the same order. The vector exp is written out in the loop (here and in {@link #swiglu}) rather than a method:
     * C2 did not always inline that 187-byte method (not where the call site looked cold at compile time, as under
     * the launcher's lowered compile thresholds), and a vector passed to a call that is not inlined is boxed on the
     * heap (bench/LOG.md, session 12).
     */
    static void expShiftedInPlace(Lanes width, float[] x, int off, int n, float max) {
        VectorSpecies<Float> sp = width.floats();
        int bound = sp.loopBound(n);
        for (int i = 0; i < bound; i += sp.length()) {
            FloatVector d = FloatVector.fromArray(sp, x, off + i).sub(max).max(-87f);
            FloatVector t = d.mul(LOG2E).add(MAGIC);
            FloatVector nf = t.sub(MAGIC);
            FloatVector r = nf.fma(FloatVector.broadcast(sp, -LN2_HI), d);
            r = nf.fma(FloatVector.broadcast(sp, -LN2_LO), r);
            FloatVector p = FloatVector.broadcast(sp, P0).fma(r, FloatVector.broadcast(sp, P1));
            p = p.fma(r, FloatVector.broadcast(sp, P2));
            p = p.fma(r, FloatVector.broadcast(sp, P3));
            p = p.fma(r, FloatVector.broadcast(sp, P4));
            p = p.fma(r, FloatVector.broadcast(sp, P5));
            FloatVector y = p.fma(r.mul(r), r).add(1f);
            IntVector bits = t.reinterpretAsInts().sub(MAGIC_BITS - 127).lanewise(VectorOperators.LSHL, 23);
            y.mul(bits.reinterpretAsFloats()).intoArray(x, off + i);
        }
        for (int i = bound; i < n; i++) {
            x[off + i] = expShifted(x[off + i], max);
        }
    }

    /**
     * SwiGLU's gate: g / (1 + exp(−g)) · u, with exp as above on −g clamped to [−87, 88] and taken as +∞
     * beyond 88 (so the exponent bits never overflow and silu of a very negative g is −0). The scalar twin of
     * {@link #swiglu}; both perform the same IEEE operations, so an element never depends on its lane.
     */
    static float silu(float g, float u) {
        float e = -g > 88f ? Float.POSITIVE_INFINITY : exp(Math.min(Math.max(-g, -87f), 88f));
        return g / (1f + e) * u;
    }

    /** gate[i] = silu(gate[i]) · up[i] for i in [from, to): vector body and {@link #silu} tail agree bit for bit. */
    static void swiglu(Lanes width, float[] gate, float[] up, int from, int to) {
        VectorSpecies<Float> sp = width.floats();
        int i = from;
        for (; i + sp.length() <= to; i += sp.length()) {
            FloatVector g = FloatVector.fromArray(sp, gate, i);
            FloatVector d = g.neg().max(-87f).min(88f); // exp(d) written out, as in expShiftedInPlace
            FloatVector t = d.mul(LOG2E).add(MAGIC);
            FloatVector nf = t.sub(MAGIC);
            FloatVector r = nf.fma(FloatVector.broadcast(sp, -LN2_HI), d);
            r = nf.fma(FloatVector.broadcast(sp, -LN2_LO), r);
            FloatVector p = FloatVector.broadcast(sp, P0).fma(r, FloatVector.broadcast(sp, P1));
            p = p.fma(r, FloatVector.broadcast(sp, P2));
            p = p.fma(r, FloatVector.broadcast(sp, P3));
            p = p.fma(r, FloatVector.broadcast(sp, P4));
            p = p.fma(r, FloatVector.broadcast(sp, P5));
            FloatVector y = p.fma(r.mul(r), r).add(1f);
            IntVector bits = t.reinterpretAsInts().sub(MAGIC_BITS - 127).lanewise(VectorOperators.LSHL, 23);
            FloatVector e = y.mul(bits.reinterpretAsFloats())
                    .blend(Float.POSITIVE_INFINITY, g.neg().compare(VectorOperators.GT, 88f));
            g.div(e.add(1f)).mul(FloatVector.fromArray(sp, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) {
            gate[i] = silu(gate[i], up[i]);
        }
    }

    /** Σ a[ao+i]·b[bo+i] for i &lt; n: one accumulator, fixed lane tree, scalar fma tail (RMSNorm's sum of squares). */
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

    static float max(Lanes width, float[] x, int off, int n) {
        VectorSpecies<Float> sp = width.floats();
        int bound = sp.loopBound(n);
        float m = Float.NEGATIVE_INFINITY;
        if (bound > 0) {
            FloatVector acc = FloatVector.broadcast(sp, Float.NEGATIVE_INFINITY);
            for (int i = 0; i < bound; i += sp.length()) {
                acc = acc.max(FloatVector.fromArray(sp, x, off + i));
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (int i = bound; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    /** x[i] += y[i]; elementwise, so the vector body and scalar tail agree bit for bit. */
    static void add(Lanes width, float[] x, float[] y, int n) {
        VectorSpecies<Float> sp = width.floats();
        int bound = sp.loopBound(n);
        for (int i = 0; i < bound; i += sp.length()) {
            FloatVector.fromArray(sp, x, i).add(FloatVector.fromArray(sp, y, i)).intoArray(x, i);
        }
        for (int i = bound; i < n; i++) {
            x[i] += y[i];
        }
    }

    /** Rotate-half for one head at base: (a, b) ← (a·c − b·s, b·c + a·s), tables at table. */
    static void rope(Lanes width, float[] vec, int base, int half, float[] cos, float[] sin, int table) {
        VectorSpecies<Float> sp = width.floats();
        int bound = sp.loopBound(half);
        for (int i = 0; i < bound; i += sp.length()) {
            FloatVector c = FloatVector.fromArray(sp, cos, table + i);
            FloatVector s = FloatVector.fromArray(sp, sin, table + i);
            FloatVector a = FloatVector.fromArray(sp, vec, base + i);
            FloatVector b = FloatVector.fromArray(sp, vec, base + half + i);
            a.mul(c).sub(b.mul(s)).intoArray(vec, base + i);
            b.mul(c).add(a.mul(s)).intoArray(vec, base + half + i);
        }
        for (int i = bound; i < half; i++) {
            float c = cos[table + i];
            float s = sin[table + i];
            float a = vec[base + i];
            float b = vec[base + half + i];
            vec[base + i] = a * c - b * s;
            vec[base + half + i] = b * c + a * s;
        }
    }
}
