package org.specula.cli;

import org.junit.jupiter.api.Test;
import org.specula.loader.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.specula.cli.CliTest.model;
import static org.specula.cli.CliTest.run;

/**
 * Issue 19, item 6: bench reports the process's peak resident set (VmHWM) as peak_rss_bytes, a number where
 * /proc/self/status exists and null elsewhere, and labels it in its human output. The launcher's own peak on
 * stories260K is checked by .ci/memory-test (it needs bin/specula's JVM flags, not the test JVM's).
 */
class MemoryCliTest {
    static final boolean PROC = Files.isReadable(Path.of("/proc/self/status"));

    @Test
    void benchJsonReportsPeakRss() {
        CliTest.Result r = run("bench", "-m", model(), "--tokens", "8", "--prompt-tokens", "8", "--repeats", "1",
                "--json", "--no-bandwidth");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> json = Json.parseObject(r.out().strip(), "bench");
        assertTrue(json.containsKey("peak_rss_bytes"), "" + json.keySet());
        if (PROC) {
            long peak = ((Number) json.get("peak_rss_bytes")).longValue();
            assertTrue(peak > 0 && peak < 1L << 40, "peak_rss_bytes " + peak);
        } else {
            assertNull(json.get("peak_rss_bytes"));
        }
    }

    @Test
    void benchHumanOutputLabelsPeakRss() {
        CliTest.Result r = run("bench", "-m", model(), "--tokens", "8", "--prompt-tokens", "8", "--repeats", "1",
                "--no-bandwidth");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(PROC ? "peak RSS " : "peak RSS not available"), r.out());
        if (PROC) {
            assertTrue(r.out().matches("(?s).*peak RSS \\d+\\.\\d MB \\(before the bandwidth probe\\).*"), r.out());
        }
    }
}
