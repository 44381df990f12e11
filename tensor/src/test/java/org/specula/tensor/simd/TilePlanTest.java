package org.specula.tensor.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.specula.tensor.SpeculaException;

class TilePlanTest {

    /** Every block of 2..128 rows is cut into groups that cover it, each a shape the plan has a tile for. */
    @Test
    void groupsCoverEveryBlockWithPlannedShapes() {
        for (TilePlan plan : TilePlan.values()) {
            List<Integer> sizes = plan.shapes().stream().map(s -> s[1]).toList();
            for (int rows = 2; rows <= 128; rows++) {
                List<Integer> groups = new ArrayList<>();
                for (int t = 0; t < rows; ) {
                    int g = plan.group(rows, t);
                    assertTrue(sizes.contains(g), plan + " rows " + rows + ": group " + g + " has no tile " + sizes);
                    groups.add(g);
                    t += g;
                }
                assertEquals(rows, groups.stream().mapToInt(Integer::intValue).sum(), plan + " " + groups);
            }
        }
    }

    @Test
    void theWidthsSplitAsDocumented() {
        assertEquals(List.of(5, 3), split(TilePlan.W512, 8));
        assertEquals(List.of(3, 3), split(TilePlan.W512, 6));
        assertEquals(List.of(5, 5, 3, 3), split(TilePlan.W512, 16));
        assertEquals(List.of(5), split(TilePlan.W256, 5));
        assertEquals(List.of(4, 4), split(TilePlan.W256, 8));
        assertEquals(List.of(4, 4, 4, 4), split(TilePlan.W256, 16));
        assertEquals(List.of(5, 4), split(TilePlan.W256, 9));
    }

    @Test
    void aForcedPlanIsNamedOrRefusedInOneLine() {
        String saved = System.getProperty("specula.tilePlan");
        try {
            System.setProperty("specula.tilePlan", "W256");
            assertSame(TilePlan.W256, TilePlan.forWidth(TilePlan.W512));
            System.setProperty("specula.tilePlan", "W999");
            SpeculaException e = assertThrows(SpeculaException.class, () -> TilePlan.forWidth(TilePlan.W512));
            assertEquals("specula.tilePlan=W999; use W512, W256 or W128", e.getMessage());
            System.clearProperty("specula.tilePlan");
            assertSame(TilePlan.W512, TilePlan.forWidth(TilePlan.W512));
        } finally {
            if (saved == null) {
                System.clearProperty("specula.tilePlan");
            } else {
                System.setProperty("specula.tilePlan", saved);
            }
        }
    }

    private static List<Integer> split(TilePlan plan, int rows) {
        List<Integer> groups = new ArrayList<>();
        for (int t = 0; t < rows; t += groups.getLast()) {
            groups.add(plan.group(rows, t));
        }
        return groups;
    }
}
