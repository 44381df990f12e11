package org.specula.sampling.simd;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sampler's exp: vector lanes and scalar twin give the same bits at every width, within 2 ulp of exp. */
class ShiftedExpTest {
    private static final double[] SPECIALS = {0.0, -0.0, -1e-300, -1e-17, -0.34657359027997264, -0.3465735902799727,
            -0.6931471805599453, -1.0, -20.5, -707.9, -708.0, -708.0000000000001, -709.5, -745.2, -1e6,
            Double.NEGATIVE_INFINITY};

    @Test
    void theBuildsJvmLoadsTheVectorExp() {
        // The build's test JVMs run with --add-modules jdk.incubator.vector; how soon the vectors pay off is the
        // benchmarks' business (specula bench), not a unit test's.
        assertNotNull(Warmup.load(ShiftedExp.VECTOR_CLASS, ShiftedExp.class),
                ShiftedExp.VECTOR_CLASS + " was not loaded");
    }

    @Test
    void withoutTheIncubatorModuleTheScalarTwinGivesTheSameBits() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                NoIncubatorProbe.class.getName()).start();
        List<String> lines = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        String errors = new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish");
        assertEquals(0, child.exitValue(), "child JVM: " + lines + " " + errors);
        for (int bits : new int[]{128, 256, 512}) {
            String vectorBits = Integer.toString(Arrays.hashCode(probeRow(VectorShiftedExp.forBits(bits))));
            assertEquals(List.of("false", "true", vectorBits), lines,
                    "without the module: no vectors, warm at once, and the bits of " + bits + "-bit vectors");
        }
    }

    /** exp(x − max) of a fixed row, as the sampler's rows run now (the scalar twin without the module). */
    static long[] probeRow() {
        return probeRow(null);
    }

    /** exp(x − max) of a fixed row by this implementation, or as the rows run now if null. */
    static long[] probeRow(ShiftedExp exp) {
        Random random = new Random(22);
        double[] row = new double[1003];
        for (int i = 0; i < row.length; i++) row[i] = -random.nextDouble() * 40;
        if (exp == null) {
            RowKernels.shiftedExpInPlace(row, row.length, 0.5);
        } else {
            exp.inPlace(row, row.length, 0.5);
        }
        return Arrays.stream(row).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    @Test
    void lanesAndScalarTwinAgreeBitwiseAndAreAccurate() {
        Random random = new Random(21);
        int n = 4099;
        double[] shifts = new double[n];
        for (int i = 0; i < n; i++) {
            shifts[i] = i < SPECIALS.length ? SPECIALS[i]
                    : -random.nextDouble() * (i % 3 == 0 ? 720 : i % 3 == 1 ? 30 : 1);
        }
        double max = 2.75;
        for (int bits : new int[]{128, 256, 512}) {
            // Element i sits at a different lane, or in the tail, for each width and for n and n - 1 elements.
            for (int count : new int[]{n, n - 1}) {
                double[] x = new double[count];
                for (int i = 0; i < count; i++) x[i] = shifts[i] + max;
                VectorShiftedExp.forBits(bits).inPlace(x, count, max);
                for (int i = 0; i < count; i++) {
                    double scalar = ShiftedExp.shifted(shifts[i] + max, max);
                    assertEquals(Double.doubleToRawLongBits(scalar), Double.doubleToRawLongBits(x[i]),
                            bits + " bits: exp(" + shifts[i] + ") lane differs from the scalar twin");
                }
            }
        }
        for (int i = 0; i < n; i++) {
            double d = (shifts[i] + max) - max;
            double got = ShiftedExp.shifted(shifts[i] + max, max);
            if (d >= -708) {
                double exact = Math.exp(d);
                assertTrue(Math.abs(got - exact) <= 2 * Math.ulp(exact), "exp(" + d + ") = " + got + ", exact " + exact);
            } else {
                assertEquals(0.0, got, "exp(" + d + ") below the floor reads as exactly 0");
            }
        }
    }

    @Test
    void rowsFromLogitsGiveTheQuotientsExpsBitForBitAtEveryWidth() {
        Random random = new Random(23);
        for (int n : new int[]{1, 3, 7, 8, 13, 64, 257, 1000}) {
            for (double temperature : new double[]{1, 0.8f, 0.05f, 2.5f}) {
                int off = n % 3;
                float[] logits = new float[off + n + 2];
                for (int i = 0; i < logits.length; i++) logits[i] = (float) (random.nextGaussian() * 6);
                logits[off] = -0f;
                if (n > 2) logits[off + 2] = Float.NEGATIVE_INFINITY;
                float maxLogit = Float.NEGATIVE_INFINITY;
                for (int i = off; i < off + n; i++) maxLogit = Math.max(maxLogit, logits[i]);
                double max = maxLogit / temperature;
                for (int bits : new int[]{128, 256, 512}) {
                    double[] out = new double[n];
                    VectorShiftedExp.forBits(bits).fromLogits(out, logits, off, n, temperature, max);
                    for (int i = 0; i < n; i++) {
                        double expected = ShiftedExp.shifted(logits[off + i] / temperature, max);
                        assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(out[i]),
                                bits + " bits, T = " + temperature + ", logit " + logits[off + i]);
                    }
                }
                double[] scalar = new double[n];
                new ShiftedExp.Scalar().fromLogits(scalar, logits, off, n, temperature, max);
                for (int i = 0; i < n; i++) {
                    assertEquals(ShiftedExp.shifted(logits[off + i] / temperature, max), scalar[i]);
                }
            }
        }
    }

    @Test
    void theMaximumMapsToExactlyOne() {
        for (double max : new double[]{0, -3.5, 17.25, 1e10, -1e10}) {
            assertEquals(1.0, ShiftedExp.shifted(max, max));
            for (ShiftedExp exp : new ShiftedExp[]{ShiftedExp.SCALAR, VectorShiftedExp.forBits(128),
                    VectorShiftedExp.forBits(256), VectorShiftedExp.forBits(512)}) {
                double[] row = {max, max, max, max, max, max, max, max, max};
                exp.inPlace(row, row.length, max);
                for (double value : row) assertEquals(1.0, value, exp.getClass().getName());
            }
        }
    }

    @Test
    void isMonotoneAcrossReductionBoundaries() {
        // The reduction switches k at odd multiples of ln2/2; exp must not step backwards there.
        for (int k = -1020; k <= 0; k++) {
            double boundary = (k - 0.5) * Math.log(2);
            double below = ShiftedExp.shifted(Math.nextDown(boundary), 0);
            double at = ShiftedExp.shifted(boundary, 0);
            double above = ShiftedExp.shifted(Math.nextUp(boundary), 0);
            assertTrue(below <= at && at <= above, "not monotone at " + boundary + ": " + below + " " + at + " " + above);
        }
    }
}
