package org.specula.tensor.simd;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tests run with {@code -XX:ObjectAlignmentInBytes=64} as the launcher does (the build's specula.jvmFlags), so
 * the BF16 kernels' arrays start at {@link Lanes#X_OFFSET} = 12 and the contract tests check every kernel with that
 * offset; a build that dropped the flag, or an option that stopped being read, fails here instead of silently
 * measuring split loads. tensor/pom.xml runs this test and the SIMD contract once more with the JVM's default
 * alignment ({@code -Dspecula.objectAlignment=8}), where the offset is 0.
 */
class AlignedOffsetTest {
    /** The alignment the build meant this run to have. */
    static final String EXPECTED = System.getProperty("specula.objectAlignment", "64");

    @Test
    void buildRunsTestsWithTheAlignmentItMeans() {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        assertEquals(EXPECTED, vm.getVMOption("ObjectAlignmentInBytes").getValue(),
                "pom.xml's specula.jvmFlags should pass -XX:ObjectAlignmentInBytes=64 to the tests (and "
                        + "tensor/pom.xml's second run none)");
    }

    @Test
    void withoutTheFlagTheOffsetIsZero() {
        org.junit.jupiter.api.Assumptions.assumeTrue(EXPECTED.equals("8"), "the run with the default alignment");
        assertEquals(0, Lanes.X_OFFSET);
    }

    @Test
    void offsetPutsTheFirstActivationOnA64ByteBoundary() {
        org.junit.jupiter.api.Assumptions.assumeTrue(EXPECTED.equals("64"), "the run with 64-byte alignment");
        // float[] elements start 16 bytes into the object (12 with compact object headers): 16 + 12 * 4 = 64
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        int base = Boolean.parseBoolean(vm.getVMOption("UseCompactObjectHeaders").getValue()) ? 12 : 16;
        assertEquals(0, (base + Lanes.X_OFFSET * Float.BYTES) % 64, "X_OFFSET " + Lanes.X_OFFSET);
        assertEquals(Lanes.X_OFFSET, Lanes.alignedOffset());
    }
}
