package org.specula.loader;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.specula.loader.tokenizer.Tokenizer;
import org.specula.testdata.Samples;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Byte-level BPE (GPT-2, Llama 3): goldens, round trips, streaming, and linear time on pathological inputs. */
class ByteLevelTokenizerTest {
    private static Tokenizer gpt2;
    private static Tokenizer llama3;

    @BeforeAll
    static void load() {
        gpt2 = gpt2();
        llama3 = llama3();
    }

    static Tokenizer gpt2() {
        return Tokenizer.load(Samples.path("tokenizers/gpt2"));
    }

    static Tokenizer llama3() {
        return Tokenizer.load(Samples.path("tokenizers/llama3"));
    }

    @Test
    void gpt2EncodesLikeHuggingFace() {
        List<TokenizerCases.Case> cases = TokenizerCases.ggml("tokenizers/gpt2");
        List<String> failures = new ArrayList<>();
        for (TokenizerCases.Case c : cases) {
            int[] actual = gpt2.encode(c.text(), false);
            if (!Arrays.equals(c.ids(), actual)) {
                failures.add(c + " but got " + Arrays.toString(actual));
            }
            assertArrayEquals(actual, gpt2.encode(c.text(), true), "GPT-2 adds no special tokens");
            assertEquals(c.text(), gpt2.decode(actual), c::toString);
            assertEquals(c.text(), ByteLevelTokenizerTest.stream(gpt2, actual), c::toString);
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases.size() + " cases differ:\n"
                + String.join("\n", failures));
    }

    /** Ids from tiktoken's cl100k-derived Llama 3 vocabulary (the same ids HF gives). */
    @Test
    void llama3Goldens() {
        assertArrayEquals(new int[] {128000, 9906, 1917}, llama3.encode("Hello world", true));
        assertArrayEquals(new int[] {9906, 1917}, llama3.encode("Hello world", false));
        assertEquals(128000, llama3.bosId().orElseThrow());
        assertArrayEquals(new int[] {128001}, llama3.eosIds());
        assertEquals(128256, llama3.vocabSize());
        assertTrue(llama3.isSpecial(128009));
        assertEquals("<|eot_id|>", llama3.token(128009));
        // Llama 3 splits digit runs in threes and keeps ignore_merges: a pre-token in the vocab is one id.
        int[] digits = llama3.encode("1234567", false);
        assertEquals(3, digits.length, Arrays.toString(digits));
        assertEquals("1234567", llama3.decode(digits));
        for (String text : List.of("", " ", "  leading", "trailing  ", "tab\there", "new\n\nlines\r\n", "naïve café",
                "日本語のテキスト", "🦙🦙 emoji", "it's we'LL I'M", "\u0000\u0001 control", "a  b   c    d")) {
            assertEquals(text, llama3.decode(llama3.encode(text, false)), text);
            assertEquals(text, llama3.decode(llama3.encode(text, true)), text);
            assertEquals(text, stream(llama3, llama3.encode(text, true)), text);
        }
    }

    @Test
    void specialTokensAreTextUnlessParsed() {
        String text = "<|start_header_id|>user<|end_header_id|>";
        int[] plain = llama3.encode(text, false);
        assertFalse(Arrays.stream(plain).anyMatch(llama3::isSpecial), Arrays.toString(plain));
        assertEquals(text, llama3.decode(plain));
        assertArrayEquals(new int[] {128006, 882, 128007}, llama3.encode(text, false, true));
        assertEquals("user", llama3.decode(llama3.encode(text, false, true)), "special tokens decode to nothing");
        assertArrayEquals(new int[] {50256}, gpt2.encode("<|endoftext|>", false, true));
        assertArrayEquals(new int[] {50256}, gpt2.eosIds());
    }

    /** A token holding part of a UTF-8 character prints nothing until the character is complete. */
    @Test
    void streamingNeverPrintsHalfACharacter() {
        // GPT-2 spells "🦙" as bytes F0 9F A6 99 over several tokens.
        int[] ids = gpt2.encode(" 🦙!", false);
        assertTrue(ids.length >= 3, Arrays.toString(ids));
        Tokenizer.StreamDecoder s = gpt2.newStreamDecoder(true);
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            String text = s.accept(id);
            assertFalse(text.contains("\uFFFD"), "no replacement character mid-stream: " + Arrays.toString(ids));
            out.append(text);
        }
        assertEquals(" 🦙!", out.append(s.finish()).toString(), "the leading space of the first token is kept");

        int lead = IntStream.range(0, gpt2.vocabSize()).filter(id -> gpt2.token(id).equals("ð")).findFirst()
                .orElseThrow();   // 'ð' is the ByteLevel char of byte F0
        Tokenizer.StreamDecoder cut = gpt2.newStreamDecoder(true);
        assertEquals("", cut.accept(lead));
        assertEquals("\uFFFD", cut.finish(), "an unfinished character at the end is one U+FFFD, as HF's lossy UTF-8");
        assertEquals("\uFFFD", gpt2.decode(new int[] {lead}));
    }

    /**
     * The split patterns must not backtrack catastrophically: 200 k characters of one class encode in under 5 s. A
     * quadratic pattern needs some 4e10 steps there (minutes), a linear one well under a second even on a loaded
     * 2-core machine, so the bound separates the two by orders of magnitude rather than timing the tokenizer.
     */
    @Test
    void pathologicalInputsEncodeInLinearTime() {
        String mixed = "!?.,;:-_(){}[]<>@#$%^&*'\"/\\|~`+=";
        List<String> inputs = List.of(" ".repeat(200_000), "a".repeat(200_000), "7".repeat(200_000),
                mixed.repeat(200_000 / mixed.length()), " \n".repeat(100_000), "\t ".repeat(100_000) + "x",
                "'s".repeat(100_000), "é".repeat(200_000));
        for (Tokenizer t : List.of(gpt2, llama3)) {
            for (String input : inputs) {
                long start = System.nanoTime();
                int[] ids = t.encode(input, false);
                double seconds = (System.nanoTime() - start) / 1e9;
                assertTrue(seconds < 5, t + " took " + seconds + " s for " + Json.quote(input.substring(0, 8)));
                assertEquals(input, t.decode(ids));
            }
        }
    }

    static String stream(Tokenizer t, int[] ids) {
        return TokenizerTest.stream(t, ids, true);
    }
}
