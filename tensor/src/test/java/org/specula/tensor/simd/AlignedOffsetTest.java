package org.specula.tensor.simd;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tests run with {@code -XX:ObjectAlignmentInBytes=64} as the launcher does (the build's specula.jvmFlags), so
 * the BF16 kernels' arrays start at {@link Lanes#X_OFFSET} = 12 and the contract tests check every kernel with that
 * offset; a build that dropped the flag, or an option that stopped being read, fails here instead of silently
 * measuring split loads.
 */
class AlignedOffsetTest {

    @Test
    void buildRunsTestsWithObjectsOn64ByteBoundaries() {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        assertEquals("64", vm.getVMOption("ObjectAlignmentInBytes").getValue(),
                "pom.xml's specula.jvmFlags should pass -XX:ObjectAlignmentInBytes=64 to the tests");
    }

    @Test
    void offsetPutsTheFirstActivationOnA64ByteBoundary() {
        // float[] elements start 16 bytes into the object (12 with compact object headers): 16 + 12 * 4 = 64
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        int base = Boolean.parseBoolean(vm.getVMOption("UseCompactObjectHeaders").getValue()) ? 12 : 16;
        assertEquals(0, (base + Lanes.X_OFFSET * Float.BYTES) % 64, "X_OFFSET " + Lanes.X_OFFSET);
        assertEquals(Lanes.X_OFFSET, Lanes.alignedOffset());
    }
}
