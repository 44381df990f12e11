package org.specula.sampling.simd;

import java.util.Arrays;

/**
 * Run in a child JVM without {@code --add-modules jdk.incubator.vector} by {@link ShiftedExpTest}: prints whether the
 * rows ran in vectors, then the bits of a test row's exps.
 */
public final class NoIncubatorProbe {
    private NoIncubatorProbe() {}

    public static void main(String[] args) {
        System.out.println(ShiftedExp.vectorised() || RowScan.vectorised());
        System.out.println(Arrays.hashCode(ShiftedExpTest.probeRow()));
    }
}
