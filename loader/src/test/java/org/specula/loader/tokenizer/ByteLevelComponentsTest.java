package org.specula.loader.tokenizer;

import org.junit.jupiter.api.Test;
import org.specula.loader.Json;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The byte-level pieces on their own: the GPT-2 byte map and each pre-tokenizer step, with HF's documented results. */
class ByteLevelComponentsTest {
    private static List<String> words(String preTokenizerJson, String text) {
        PreTokenizer p = PreTokenizer.fromJson(Json.parse(preTokenizerJson, "test"), "test");
        List<String> out = new ArrayList<>();
        p.split(text, true, out::add);
        return out;
    }

    private static String split(String behavior, boolean invert) {
        return "{\"type\": \"Split\", \"pattern\": {\"String\": \"-\"}, \"behavior\": \"" + behavior + "\", \"invert\": "
                + invert + "}";
    }

    /** The example of HF's SplitDelimiterBehavior documentation. */
    @Test
    void splitBehaviorsMatchHuggingFaceDocs() {
        String text = "the-final--countdown";
        assertEquals(List.of("the", "final", "countdown"), words(split("Removed", false), text));
        assertEquals(List.of("the", "-", "final", "-", "-", "countdown"), words(split("Isolated", false), text));
        assertEquals(List.of("the-", "final-", "-", "countdown"), words(split("MergedWithPrevious", false), text));
        assertEquals(List.of("the", "-final", "-", "-countdown"), words(split("MergedWithNext", false), text));
        assertEquals(List.of("the", "-", "final", "--", "countdown"), words(split("Contiguous", false), text));
        assertEquals(List.of("-", "-", "-"), words(split("Removed", true), text), "invert: the gaps are matches");
    }

    @Test
    void regexSplitAndOtherSteps() {
        String llama3 = "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"\\\\p{N}{1,3}| ?\\\\p{L}+|\\\\s+(?!\\\\S)|\\\\s+\"},"
                + " \"behavior\": \"Isolated\", \"invert\": false}";
        assertEquals(List.of("123", "4", " ab", "  ", " cd", "\u3000"), words(llama3, "1234 ab   cd\u3000"));
        assertEquals(List.of("1", "2", "a", "3"), words("{\"type\": \"Digits\", \"individual_digits\": true}", "12a3"));
        assertEquals(List.of("12", "a", "3"), words("{\"type\": \"Digits\", \"individual_digits\": false}", "12a3"));
        assertEquals(List.of("Hey", "friend", "!?", "é"), words("{\"type\": \"Whitespace\"}", "Hey friend!? \u00A0é"));
        assertEquals(List.of("Hey", "friend!?"), words("{\"type\": \"WhitespaceSplit\"}", " Hey\tfriend!? "));
    }

    @Test
    void byteLevelStepSplitsAndMapsBytes() {
        String byteLevel = "{\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"use_regex\": true}";
        assertEquals(List.of("Ġhello", "Ġworld", "'s", "Ċ", "Ġé"), words(byteLevel, "hello world's\n é")
                .stream().map(w -> w.replace("Ã©", "é")).toList());
        assertEquals(List.of("ĠĠa"), words("{\"type\": \"ByteLevel\", \"add_prefix_space\": false,"
                + " \"use_regex\": false}", "  a"));
    }

    @Test
    void byteMapIsGpt2s() {
        assertEquals("Ġ", ByteLevel.encode(" "));
        assertEquals("Ċ", ByteLevel.encode("\n"));
        assertEquals("Ā", ByteLevel.encode("\u0000"));
        assertEquals("ðŁ¦Ļ", ByteLevel.encode("🦙"));
        java.util.Set<Character> seen = new java.util.HashSet<>();
        for (int b = 0; b < 256; b++) {
            char c = ByteLevel.charOf(b);
            assertEquals(b, ByteLevel.byteOf(c), "byte " + b);
            seen.add(c);
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
            assertEquals(printable, c == b, "byte " + b + " maps to itself iff printable");
        }
        assertEquals(256, seen.size());
        assertEquals(-1, ByteLevel.byteOf('\u0144'), "only 256 characters are mapped");
        assertEquals(-1, ByteLevel.byteOf(' '), "a space is not a mapped character");
    }
}
