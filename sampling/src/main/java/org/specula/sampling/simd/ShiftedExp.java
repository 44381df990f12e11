package org.specula.sampling.simd;

import java.util.function.LongSupplier;

/**
 * exp(x − max) over a row of doubles: the softmax of the sampler. {@code Math.exp} is a call per element;
 * {@link VectorShiftedExp} runs the same method in vectors when {@code jdk.incubator.vector} is present, and
 * {@link RowKernels} chooses between the two.
 *
 * <p>Method: Cody-Waite reduction by ln 2 (d = k·ln 2 + r, |r| ≤ ln 2 / 2), the degree-13 Taylor polynomial of e^r by
 * Horner with fused multiply-adds (truncation error below 1e-17 relative), and 2^k built in the exponent bits. Error
 * ≤ 2 ulp; exp(0) is exactly 1. Shifts below −708 give exactly 0 rather than a subnormal (such a weight is below
 * 3.4e-308 of the row's largest and can never be drawn).
 *
 * <p>Determinism: the vector body and the scalar twin {@link #shifted} perform the same IEEE operations in the same
 * order, each exactly rounded (no library exp, whose results differ between its vector and scalar forms and between
 * JIT tiers). An element's value depends only on its input: not on the lane width, its place in a vector, the JIT
 * tier or whether the incubator module is present. A seeded run samples the same tokens either way.
 */
abstract class ShiftedExp {
    static final String VECTOR_CLASS = "org.specula.sampling.simd.VectorShiftedExp";
    static final ShiftedExp SCALAR = new Scalar();

    static final double FLOOR = -708.0; // exp(−708) ≈ 3.3e-308 is still a normal double
    static final double LOG2E = 1.4426950408889634;
    static final double MAGIC = 6755399441055744.0; // 1.5 · 2^52: adding it rounds to an integer
    static final long MAGIC_BITS = Double.doubleToRawLongBits(MAGIC);
    static final double LN2_HI = 6.93147180369123816490e-01; // 32 significant bits: k · LN2_HI is exact
    static final double LN2_LO = 1.90821492927058770002e-10;
    // Cn = 1/n!, correctly rounded (each n! < 2^53 is exact); C1 = C0 = 1.
    static final double C13 = 1.0 / 6227020800.0;
    static final double C12 = 1.0 / 479001600.0;
    static final double C11 = 1.0 / 39916800.0;
    static final double C10 = 1.0 / 3628800.0;
    static final double C9 = 1.0 / 362880.0;
    static final double C8 = 1.0 / 40320.0;
    static final double C7 = 1.0 / 5040.0;
    static final double C6 = 1.0 / 720.0;
    static final double C5 = 1.0 / 120.0;
    static final double C4 = 1.0 / 24.0;
    static final double C3 = 1.0 / 6.0;
    static final double C2 = 1.0 / 2.0;

    ShiftedExp() {}

    /** exp(logit/temperature − max), the quotient in double: the scalar twin of {@link #fromLogits}'s lanes. */
    static double scaled(float logit, double temperature, double max) {
        return shifted(logit / temperature, max);
    }

    /** exp(x − max) for x ≤ max: the scalar twin of the vector body, operation for operation. */
    static double shifted(double x, double max) {
        double shifted = x - max;
        double d = Math.max(shifted, FLOOR);
        double t = d * LOG2E + MAGIC;
        double k = t - MAGIC;
        double r = Math.fma(k, -LN2_HI, d);
        r = Math.fma(k, -LN2_LO, r);
        double p = Math.fma(C13, r, C12);
        p = Math.fma(p, r, C11);
        p = Math.fma(p, r, C10);
        p = Math.fma(p, r, C9);
        p = Math.fma(p, r, C8);
        p = Math.fma(p, r, C7);
        p = Math.fma(p, r, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1.0);
        p = Math.fma(p, r, 1.0);
        double scale = Double.longBitsToDouble((Double.doubleToRawLongBits(t) - (MAGIC_BITS - 1023)) << 52);
        return shifted < FLOOR ? 0.0 : p * scale;
    }

    /** x[i] = exp(x[i] − max) for i &lt; n, every x[i] ≤ max, max finite. */
    abstract void inPlace(double[] x, int n, double max);

    /**
     * out[i] = exp(logits[off+i]/temperature − max) for i &lt; n: {@link #inPlace} of the quotients, fused into one
     * pass. Every quotient at most max, max finite, temperature &gt; 0.
     */
    abstract void fromLogits(double[] out, float[] logits, int off, int n, double temperature, double max);

    static final class Scalar extends ShiftedExp {
        @Override
        void inPlace(double[] x, int n, double max) {
            for (int i = 0; i < n; i++) x[i] = shifted(x[i], max);
        }

        @Override
        void fromLogits(double[] out, float[] logits, int off, int n, double temperature, double max) {
            for (int i = 0; i < n; i++) out[i] = scaled(logits[off + i], temperature, max);
        }
    }

    /** Warm-up laps on a private row: each call runs this implementation once and returns the nanoseconds taken. */
    LongSupplier laps() {
        double[] row = new double[512];
        float[] logits = new float[512];
        for (int i = 0; i < logits.length; i++) logits[i] = -0.125f * (i % 97);
        return () -> {
            for (int i = 0; i < row.length; i++) row[i] = -0.125 * (i % 97);
            long start = System.nanoTime();
            inPlace(row, row.length, 0);
            fromLogits(row, logits, 0, logits.length, 0.8, 0);
            return System.nanoTime() - start;
        };
    }
}
