package org.specula.tensor.simd;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The softmax exp: vector lanes and scalar tail give the same bits, at every width, within 2 ulp of exp. */
class RowOpsExpTest {

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
            RowOps.expShiftedInPlace(lanes, x, 3, n, max); // offset 3: lanes and tail fall on different elements per width
            for (int i = 0; i < n; i++) {
                float scalar = RowOps.expShifted(inputs[i] + max, max);
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

    @Test
    void swigluLanesAndScalarTwinAgreeBitwiseAndAreAccurate() {
        Random random = new Random(12);
        int n = 4099;
        float[] gate = new float[n];
        float[] up = new float[n];
        float[] specials = {0f, -0f, 1e-30f, -1e-30f, 87f, -87f, 88f, -88f, 89f, -89f, 200f, -200f, 1e30f, -1e30f};
        for (int i = 0; i < n; i++) {
            gate[i] = i < specials.length ? specials[i] : (random.nextFloat() - 0.5f) * (i % 3 == 0 ? 60f : 12f);
            up[i] = (random.nextFloat() - 0.5f) * 4f;
        }
        for (int bits : new int[]{128, 256, 512}) {
            Lanes lanes = Lanes.forBits(bits);
            float[] g = new float[n + 3];
            float[] u = new float[n + 3];
            System.arraycopy(gate, 0, g, 3, n);
            System.arraycopy(up, 0, u, 3, n);
            RowOps.swiglu(lanes, g, u, 3, n + 3); // offset 3: lanes and tail fall on different elements per width
            for (int i = 0; i < n; i++) {
                float scalar = RowOps.silu(gate[i], up[i]);
                assertEquals(Float.floatToRawIntBits(scalar), Float.floatToRawIntBits(g[i + 3]),
                        bits + " bits: silu(" + gate[i] + ") lane differs from the scalar twin");
                double exact = gate[i] / (1.0 + Math.exp(-(double) gate[i])) * up[i];
                assertTrue(Math.abs(scalar - exact) <= 1e-34 + 4 * Math.ulp((float) exact), // 1e-34: beyond the clamp
                        "silu(" + gate[i] + ") * " + up[i] + " = " + scalar + ", exact " + exact);
            }
        }
    }
}
