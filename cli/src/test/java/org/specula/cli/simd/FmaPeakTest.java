package org.specula.cli.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The FMA peak probe: a positive rate at the kernels' width, and the width read as the SIMD kernels read it. */
class FmaPeakTest {

    @Test
    void measuresAPositiveRateAtTheKernelWidth() throws InterruptedException {
        int bits = FmaPeak.kernelBits();
        assertTrue(bits == 128 || bits == 256 || bits == 512, "kernel bits " + bits);
        double peak = FmaPeak.measure(1, bits);
        assertTrue(peak > 0 && Double.isFinite(peak), "GFLOP/s " + peak);
        assertThrows(IllegalArgumentException.class, () -> FmaPeak.measure(1, 64));
    }

    @Test
    void widthFollowsSpeculaVectorBits() {
        String saved = System.getProperty("specula.vectorBits");
        try {
            System.setProperty("specula.vectorBits", "128");
            assertEquals(128, FmaPeak.kernelBits());
            System.setProperty("specula.vectorBits", " 256 ");
            assertEquals(256, FmaPeak.kernelBits());
            System.clearProperty("specula.vectorBits");
            assertEquals(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(), FmaPeak.kernelBits());
        } finally {
            if (saved == null) {
                System.clearProperty("specula.vectorBits");
            } else {
                System.setProperty("specula.vectorBits", saved);
            }
        }
    }
}
