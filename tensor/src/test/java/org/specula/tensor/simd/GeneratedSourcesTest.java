package org.specula.tensor.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The checked-in generated kernels are exactly what {@link KernelGenerator} writes today: a hand edit to a generated
 * file, or a generator change that was not run, fails here. Fix: run the generator (command in its javadoc).
 */
class GeneratedSourcesTest {
    private static final Path DIR = Path.of("src/main/java/org/specula/tensor/simd");

    @Test
    void checkedInSourcesEqualTheGeneratorsOutput() throws IOException {
        Map<String, String> sources = KernelGenerator.sources();
        assertTrue(sources.size() >= 7, "generator wrote " + sources.keySet());
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path file = DIR.resolve(e.getKey());
            assertTrue(Files.isRegularFile(file), file + " is missing; run KernelGenerator");
            assertEquals(e.getValue(), Files.readString(file), file + " differs from KernelGenerator's output; run "
                    + "KernelGenerator (see its javadoc) instead of editing it");
        }
    }

    @Test
    void everyGeneratedFileSaysSo() throws IOException {
        for (String name : KernelGenerator.sources().keySet()) {
            assertTrue(Files.readString(DIR.resolve(name)).startsWith(KernelGenerator.HEADER), name);
        }
    }

    /** Each plan's tile shapes exist in every dtype's dispatcher (a missing one would throw mid-forward). */
    @Test
    void everyPlannedShapeIsGenerated() {
        Map<String, String> sources = KernelGenerator.sources();
        for (TilePlan plan : TilePlan.values()) {
            for (int[] s : plan.shapes()) {
                for (String file : new String[]{"F32Tiles.java", "F16Tiles.java", "Bf16Tiles.java"}) {
                    assertTrue(sources.get(file).contains("static void tile" + s[0] + "x" + s[1] + "("),
                            plan + " needs " + s[0] + "x" + s[1] + " in " + file);
                }
            }
            assertTrue(plan.wideRows == 0 && plan.widenRows == Integer.MAX_VALUE || sources.get("WideTiles.java")
                    .contains("tile" + plan.weightRows + "x" + plan.wideRows + "("), plan + " wide tile");
        }
    }
}
