package org.specula.loader;

import org.junit.jupiter.api.Test;
import org.specula.tensor.SpeculaException;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {
    @Test
    void parsesAllValueKinds() {
        Map<String, Object> o = Json.parseObject(
                "{\"s\":\"a\\u00e9\\n\\\"\",\"i\":-12,\"d\":1.5e-5,\"t\":true,\"f\":false,\"n\":null,\"l\":[1,[2],{}]}",
                "t.json");
        assertEquals("aé\n\"", o.get("s"));
        assertEquals(-12L, o.get("i"));
        assertEquals(1.5e-5, o.get("d"));
        assertEquals(true, o.get("t"));
        assertEquals(false, o.get("f"));
        assertTrue(o.containsKey("n"));
        assertNull(o.get("n"));
        assertEquals(List.of(1L, List.of(2L), Map.of()), o.get("l"));
    }

    @Test
    void surrogatePairsAndRawUtf8() {
        assertEquals("😀▁x", Json.parse("\"\\ud83d\\ude00▁x\"", "t"));
    }

    @Test
    void errorsNameSourceAndOffset() {
        for (String bad : new String[]{"{", "{\"a\" 1}", "[1,]", "{\"a\":1,\"a\":2}", "01", "\"abc", "nul",
                "{\"a\":1} x", "[1 2]", "\"\\x\""}) {
            SpeculaException e = assertThrows(SpeculaException.class, () -> Json.parse(bad, "cfg.json"), bad);
            assertTrue(e.getMessage().startsWith("cfg.json: malformed JSON at offset"), e.getMessage());
        }
    }

    @Test
    void quoteRoundTrips() {
        String s = "tab\t quote\" back\\ nl\n ctl\u0001 é";
        assertEquals(s, Json.parse(Json.quote(s), "t"));
    }
}
