package org.specula.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import org.junit.jupiter.api.Test;

class UniformsTest {
    @Test
    void inUnitIntervalAndAPureFunctionOfTheKey() {
        qt().withFixedSeed(20240601L).withExamples(2000)
                .forAll(longs().all(), longs().all(), integers().between(0, 2))
                .checkAssert((seed, position, stream) -> {
                    double u = Uniforms.at(seed, position, stream);
                    assertTrue(u >= 0 && u < 1, "u = " + u);
                    assertEquals(u, Uniforms.at(seed, position, stream));
                });
    }

    @Test
    void seedPositionAndStreamEachChangeTheValue() {
        double u = Uniforms.at(7, 100, Uniforms.SAMPLE);
        assertNotEquals(u, Uniforms.at(8, 100, Uniforms.SAMPLE));
        assertNotEquals(u, Uniforms.at(7, 101, Uniforms.SAMPLE));
        assertNotEquals(u, Uniforms.at(7, 100, Uniforms.ACCEPT));
        assertNotEquals(Uniforms.at(7, 100, Uniforms.ACCEPT), Uniforms.at(7, 100, Uniforms.DRAFT));
    }

    /** 10 equal bins, N = 200 000 consecutive positions per stream, seeds 1..3; α = 1e-4, 9 dof → 33.72. */
    @Test
    void roughlyUniformByChiSquareOnTenBins() {
        int n = 200_000, bins = 10;
        for (long seed = 1; seed <= 3; seed++) {
            for (int stream = 0; stream <= 2; stream++) {
                long[] counts = new long[bins];
                for (int position = 0; position < n; position++) {
                    counts[(int) (Uniforms.at(seed, position, stream) * bins)]++;
                }
                double expected = (double) n / bins, chiSquare = 0;
                for (long count : counts) chiSquare += (count - expected) * (count - expected) / expected;
                assertTrue(chiSquare < 33.72, "seed " + seed + " stream " + stream + ": chi-square " + chiSquare);
            }
        }
    }
}
