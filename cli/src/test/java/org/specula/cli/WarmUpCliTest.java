package org.specula.cli;

import org.junit.jupiter.api.Test;
import org.specula.loader.Json;
import org.specula.testdata.Samples;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The kernel warm-up before generation (tensor.simd.WarmUp) changes no token and prints nothing. */
class WarmUpCliTest {

    @Test
    void plainGenerationIsTheSameWithAndWithoutWarmUp() {
        same("generate", "-m", CliTest.model(), "-p", "Once upon a time", "-n", "24", "--seed", "5", "--json");
    }

    @Test
    void speculativeGenerationIsTheSameWithAndWithoutWarmUp() {
        same("generate", "-m", CliTest.model(), "--draft", Samples.path("models/stories260K-draft").toString(),
                "-p", "Once upon a time there was", "-n", "24", "--seed", "9", "--json");
    }

    @Test
    void scoreIsTheSameWithAndWithoutWarmUp() {
        same("score", "-m", CliTest.model(), "--text", "Once upon a time, there was a little girl named Lily.");
    }

    private static void same(String... args) {
        CliTest.Result cold = withoutWarmUp(args);
        CliTest.Result warm = CliTest.run(args);
        assertEquals(0, cold.code(), cold.err());
        assertEquals(0, warm.code(), warm.err());
        assertEquals(withoutTimes(cold.out()), withoutTimes(warm.out()));
        assertEquals(cold.err().isEmpty(), warm.err().isEmpty(), "the warm-up prints nothing: " + warm.err());
    }

    private static CliTest.Result withoutWarmUp(String... args) {
        String before = System.getProperty("specula.warmup");
        System.setProperty("specula.warmup", "false");
        try {
            return CliTest.run(args);
        } finally {
            if (before == null) {
                System.clearProperty("specula.warmup");
            } else {
                System.setProperty("specula.warmup", before);
            }
        }
    }

    /** JSON output without its "stats" (timings differ from run to run); other output as it is. */
    private static String withoutTimes(String out) {
        if (!out.startsWith("{")) {
            return out;
        }
        Map<String, Object> json = Json.parseObject(out.strip(), "stdout");
        json.remove("stats");
        return json.toString();
    }
}
