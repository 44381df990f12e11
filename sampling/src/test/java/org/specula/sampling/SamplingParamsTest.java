package org.specula.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SamplingParamsTest {
    @Test
    void greedyIsTemperatureZeroWithFiltersOff() {
        assertEquals(new SamplingParams(0f, 0, 1f, 0f), SamplingParams.GREEDY);
        assertTrue(SamplingParams.GREEDY.isGreedy());
        assertTrue(new SamplingParams(0f, 40, 0.9f, 0.05f).isGreedy());
        assertFalse(new SamplingParams(0.7f, 0, 1f, 0f).isGreedy());
    }

    @Test
    void boundaryValuesAreAccepted() {
        new SamplingParams(Float.MIN_VALUE, 0, Float.MIN_VALUE, 0f);
        new SamplingParams(100f, Integer.MAX_VALUE, 1f, 1f);
    }

    @Test
    void invalidValuesNameTheFlagAndTheRange() {
        rejects("temperature must be a finite number >= 0 (0 = greedy), got -0.5", () -> params(-0.5f, 0, 1f, 0f));
        rejects("temperature must be a finite number >= 0 (0 = greedy), got NaN", () -> params(Float.NaN, 0, 1f, 0f));
        rejects("temperature must be a finite number >= 0 (0 = greedy), got Infinity",
                () -> params(Float.POSITIVE_INFINITY, 0, 1f, 0f));
        rejects("topK must be >= 0 (0 = off), got -1", () -> params(1f, -1, 1f, 0f));
        rejects("topP must be in (0, 1] (1 = off), got 0.0", () -> params(1f, 0, 0f, 0f));
        rejects("topP must be in (0, 1] (1 = off), got 1.5", () -> params(1f, 0, 1.5f, 0f));
        rejects("topP must be in (0, 1] (1 = off), got NaN", () -> params(1f, 0, Float.NaN, 0f));
        rejects("minP must be in [0, 1] (0 = off), got -0.1", () -> params(1f, 0, 1f, -0.1f));
        rejects("minP must be in [0, 1] (0 = off), got 1.01", () -> params(1f, 0, 1f, 1.01f));
        rejects("minP must be in [0, 1] (0 = off), got NaN", () -> params(1f, 0, 1f, Float.NaN));
    }

    private static void params(float temperature, int topK, float topP, float minP) {
        new SamplingParams(temperature, topK, topP, minP);
    }

    private static void rejects(String message, Executable construction) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, construction).getMessage());
    }
}
