package org.specula.tensor.simd;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The softmax exp: vector lanes and scalar tail give the same bits, at every width, within 2 ulp of exp. */
class LanesExpTest {

    @Test
    void vectorAndScalarAgreeBitwiseAndAreAccurate() {
        Random random = new Random(11);
        int n = 4099;
        float[] inputs = new float[n];
        for (int i = 0; i < n; i++) {
            inputs[i] = i < 8 ? new float[]{0f, -0f, -1e-30f, -86.9f, -87f, -87.5f, -200f, -0.3465736f}[i]
                    : -random.nextFloat() * (i % 3 == 0 ? 100f : 10f);
        }
        float max = 0.25f;
        for (int bits : new int[]{128, 256, 512}) {
            Lanes lanes = Lanes.forBits(bits);
            float[] x = new float[n + 3];
            for (int i = 0; i < n; i++) {
                x[i + 3] = inputs[i] + max;
            }
            lanes.expShiftedInPlace(x, 3, n, max); // offset 3: lanes and tail fall on different elements per width
            for (int i = 0; i < n; i++) {
                float scalar = Lanes.expShifted(inputs[i] + max, max);
                assertEquals(Float.floatToRawIntBits(scalar), Float.floatToRawIntBits(x[i + 3]),
                        bits + " bits: exp(" + inputs[i] + ") lane differs from the scalar twin");
                double d = (double) (inputs[i] + max) - max;
                if (d >= -86) {
                    double exact = Math.exp(d);
                    assertTrue(Math.abs(scalar - exact) <= 2.5 * Math.ulp((float) exact),
                            "exp(" + d + ") = " + scalar + ", exact " + exact);
                } else {
                    assertTrue(scalar >= 0 && scalar <= 4.5e-38, "exp(" + d + ") is ~0 (clamped at -87), got " + scalar);
                }
            }
        }
    }
}
