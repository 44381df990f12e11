package org.specula.sampling.simd;

import java.util.Arrays;

/**
 * Run in a child JVM without {@code --add-modules jdk.incubator.vector} by {@link ShiftedExpTest}: prints whether a
 * vector implementation loaded, whether the kernels are warm right after {@link RowKernels#warmUp}, then the bits of a
 * test row's exps.
 */
public final class NoIncubatorProbe {
    private NoIncubatorProbe() {}

    public static void main(String[] args) {
        System.out.println(Warmup.load(ShiftedExp.VECTOR_CLASS, ShiftedExp.class) != null
                || Warmup.load(RowScan.VECTOR_CLASS, RowScan.class) != null);
        RowKernels.warmUp();
        System.out.println(RowKernels.warm());
        System.out.println(Arrays.hashCode(ShiftedExpTest.probeRow()));
    }
}
