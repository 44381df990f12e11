package org.specula.tensor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A SIMD backend that exists but cannot start is an error under "auto" too, never a quiet scalar fallback. */
class KernelsFactoryTest {

    @Test
    void aSimdBackendThatFailsToStartIsAnError() {
        String old = System.getProperty("specula.vectorBits");
        String kernels = System.getProperty("specula.kernels"); // CI's scalar pass sets it: "auto" would not try SIMD
        System.setProperty("specula.vectorBits", "77"); // the SIMD constructor refuses this width
        System.clearProperty("specula.kernels");
        try {
            for (String name : new String[]{"auto", "simd"}) {
                SpeculaException e = assertThrows(SpeculaException.class, () -> KernelsFactory.create(name, 1).close(),
                        name + " must not fall back to scalar kernels");
                assertTrue(e.getMessage().startsWith("the SIMD backend failed to start with 1 threads "
                        + "(specula.vectorBits=77; use 128, 256 or 512)"), e.getMessage());
            }
        } finally {
            if (kernels != null) {
                System.setProperty("specula.kernels", kernels);
            }
            if (old == null) {
                System.clearProperty("specula.vectorBits");
            } else {
                System.setProperty("specula.vectorBits", old);
            }
        }
    }

    /** Names and counts are the caller's to check (the CLI refuses them as flags): here they are bugs. */
    @Test
    void unknownNamesAndThreadCountsAreRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KernelsFactory.create("gpu", 1)).getMessage()
                .contains("unknown kernels 'gpu'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KernelsFactory.create("auto", 0)).getMessage()
                .contains("threads must be at least 1"));
    }
}
