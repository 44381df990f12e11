package org.specula.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/** The bandwidth probe reads every line of its range exactly once, however many runs it walks. */
class BandwidthTest {

    @Test
    void everyLineIsReadOnceForEveryRunCount() {
        int lines = 1000 * 16 + 13; // not a multiple of any run count: the tail lines count too
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(64L * lines);
            long expected = 0;
            for (int i = 0; i < lines; i++) {
                byte b = (byte) (i * 31 + 7);
                data.set(ValueLayout.JAVA_BYTE, 64L * i, b);
                data.set(ValueLayout.JAVA_BYTE, 64L * i + 1, (byte) 99); // not the line's first byte: never read
                expected += b;
            }
            for (int runs : new int[] {1, 8, 16}) {
                assertEquals(expected, Bandwidth.readLines(data, 0, 64L * lines, runs), "runs " + runs);
            }
            long from = 64L * 5;
            long sub = 0;
            for (int i = 5; i < 405; i++) {
                sub += data.get(ValueLayout.JAVA_BYTE, 64L * i);
            }
            assertEquals(sub, Bandwidth.readLines(data, from, 64L * 405, 8), "a sub-range");
        }
    }
}
