package org.specula.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.loader.tokenizer.Tokenizer;
import org.specula.tensor.SpeculaException;
import org.specula.testdata.Samples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Goldens against the shared reference encodings, plus the decoding and streaming contract on real tokenizers. */
class TokenizerTest {
    static Tokenizer llama2() {
        return Tokenizer.load(Samples.path("tokenizers/llama2"));
    }

    static Tokenizer stories() {
        return Tokenizer.load(Samples.path("models/stories260K"));
    }

    private static void assertAllEqual(List<TokenizerCases.Case> cases, java.util.function.Function<String, int[]> f) {
        List<String> failures = new ArrayList<>();
        for (TokenizerCases.Case c : cases) {
            int[] actual = f.apply(c.text());
            if (!Arrays.equals(c.ids(), actual)) {
                failures.add(c + " but got " + Arrays.toString(actual));
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases.size() + " cases differ:\n"
                + String.join("\n", failures));
    }

    @Test
    void stories260KEncodesLikeRunC() {
        Tokenizer t = stories();
        List<TokenizerCases.Case> cases = TokenizerCases.stories260K();
        assertEquals(8, cases.size());
        assertAllEqual(cases, text -> t.encode(text, true));
    }

    @Test
    void llama2EncodesLikeHuggingFace() {
        Tokenizer t = llama2();
        List<TokenizerCases.Case> cases = TokenizerCases.ggml("tokenizers/llama2");
        assertEquals(46, cases.size());
        assertEquals("", cases.get(2).text());
        assertAllEqual(cases, text -> t.encode(text, false));
    }

    /**
     * The Prepend normalizer adds one "▁" before every text and the decoder's Strip removes exactly one leading
     * space, so decode(encode(s)) == s for every s without "▁" (U+2581), leading spaces included: " Hello" is
     * "▁▁Hello" = [▁, ▁Hello], decoded "  Hello", stripped to " Hello".
     */
    @Test
    void decodeInvertsEncode() {
        for (Tokenizer t : List.of(llama2(), stories())) {
            List<TokenizerCases.Case> cases = new ArrayList<>(TokenizerCases.ggml("tokenizers/llama2"));
            cases.addAll(TokenizerCases.stories260K());
            for (TokenizerCases.Case c : cases) {
                assertEquals(c.text(), t.decode(t.encode(c.text(), false)), c::toString);
                assertEquals(c.text(), t.decode(t.encode(c.text(), true)), c::toString);
            }
        }
        Tokenizer t = llama2();
        assertArrayEquals(new int[] {29871, 15043}, t.encode(" Hello", false));
        assertEquals(" Hello", t.decode(new int[] {29871, 15043}));
        assertEquals("Hello", t.decode(new int[] {15043}));
        assertEquals("Hello", t.decode(new int[] {1, 15043, 2}), "special tokens are skipped");
    }

    @Test
    void streamingEqualsDecodeOnTheCases() {
        Tokenizer t = llama2();
        for (TokenizerCases.Case c : TokenizerCases.ggml("tokenizers/llama2")) {
            assertEquals(t.decode(c.ids()), stream(t, c.ids(), true), c::toString);
        }
    }

    /** A prompt decoded whole, then the rest streamed as a continuation, reads as the whole sequence decoded. */
    @Test
    void continuationAfterAPromptKeepsItsLeadingSpace() {
        Tokenizer t = llama2();
        for (TokenizerCases.Case c : TokenizerCases.ggml("tokenizers/llama2")) {
            int[] ids = c.ids();
            for (int k = 1; k < ids.length; k++) {
                if (isByte(t, ids[k - 1]) && isByte(t, ids[k])) {
                    continue;   // a split inside one character
                }
                String prompt = t.decode(Arrays.copyOfRange(ids, 0, k));
                String rest = stream(t, Arrays.copyOfRange(ids, k, ids.length), false);
                assertEquals(c.text(), prompt + rest, c + " split at " + k);
            }
        }
        assertEquals(" Hello world", stream(t, t.encode("Hello world", false), false));
        assertEquals("Hello world", stream(t, t.encode("Hello world", false), true));
    }

    @Test
    void aCharacterSplitOverBytePiecesIsNeverPrintedHalf() {
        Tokenizer t = llama2();
        int[] llama = t.encode("🦙", false);   // ▁ then the four UTF-8 bytes F0 9F A6 99
        assertArrayEquals(new int[] {29871, 243, 162, 169, 156}, llama);
        Tokenizer.StreamDecoder s = t.newStreamDecoder(false);
        assertEquals(" ", s.accept(llama[0]));
        for (int i = 1; i < llama.length; i++) {
            assertEquals("", s.accept(llama[i]), "byte " + i + " of 4");
        }
        assertEquals("🦙 Hello", s.accept(15043));
        assertEquals("", s.finish());

        Tokenizer.StreamDecoder end = t.newStreamDecoder(true);
        for (int i = 1; i < llama.length; i++) {
            assertEquals("", end.accept(llama[i]));
        }
        assertEquals("", end.accept(2), "a special token neither prints nor ends the byte run");
        assertEquals("🦙", end.finish());

        Tokenizer.StreamDecoder cut = t.newStreamDecoder(true);
        assertEquals("", cut.accept(243));
        assertEquals("", cut.accept(162));
        assertEquals("\uFFFD\uFFFD", cut.finish(), "an unfinished character: one U+FFFD per byte");
    }

    /** HF's ByteFallback: a run of byte pieces that is not valid UTF-8 becomes one U+FFFD per byte, all of it. */
    @Test
    void anInvalidByteRunDecodesToReplacementCharacters() {
        Tokenizer t = llama2();
        int a = 0x41 + 3;      // <0x41>, the byte of 'A'
        int lead = 0xE6 + 3;   // <0xE6>, a lead byte with no continuation
        assertEquals("A", t.decode(new int[] {a}));
        assertEquals("\uFFFD\uFFFD Hello", t.decode(new int[] {a, lead, 15043}));
        assertEquals("\uFFFD\uFFFD Hello", stream(t, new int[] {a, lead, 15043}, true));
    }

    @Test
    void specialTokensAreTextUnlessParsed() {
        Tokenizer t = llama2();
        int[] plain = t.encode("<s>Hello</s>", false);
        assertFalse(Arrays.stream(plain).anyMatch(t::isSpecial), Arrays.toString(plain));
        assertEquals("<s>Hello</s>", t.decode(plain));
        assertArrayEquals(new int[] {1, 15043, 2}, t.encode("<s>Hello</s>", false, true));
        assertArrayEquals(new int[] {1, 1, 15043}, t.encode("<s>Hello", true, true));
    }

    @Test
    void llama2Vocabulary() {
        Tokenizer t = llama2();
        assertEquals(32000, t.vocabSize());
        assertEquals(1, t.bosId().orElseThrow());
        assertArrayEquals(new int[] {2}, t.eosIds());
        assertEquals("<s>", t.token(1));
        assertEquals("▁Hello", t.token(15043));
        assertEquals("<0x0A>", t.token(13));
        assertTrue(t.isSpecial(0) && t.isSpecial(1) && t.isSpecial(2));
        assertFalse(t.isSpecial(3) || t.isSpecial(15043) || t.isSpecial(-1) || t.isSpecial(32000));
        assertThrows(SpeculaException.class, () -> t.token(32000));
        assertThrows(SpeculaException.class, () -> t.token(-1));
        assertArrayEquals(new int[] {1, 15043}, t.encode("Hello", true));
        assertArrayEquals(new int[] {1}, t.encode("", true));
        assertArrayEquals(new int[0], t.encode("", false));
        assertEquals("", t.decode(new int[] {32000, 99999, -5}), "ids beyond the vocab are skipped, as in HF");
        assertArrayEquals(t.encode("a\uFFFDb", false), t.encode("a\uD800b", false), "a lone surrogate is U+FFFD");
    }

    @Test
    void loadsAFileAsWellAsAFolder() {
        Tokenizer file = Tokenizer.load(Samples.path("models/stories260K/tokenizer.json"));
        Tokenizer folder = stories();
        assertEquals(512, file.vocabSize());
        assertArrayEquals(folder.encode("Once upon a time", true), file.encode("Once upon a time", true));
    }

    @Test
    void tokenizerConfigDecidesBosAndEosWhenItSaysSo(@TempDir Path dir) throws IOException {
        Files.copy(Samples.path("models/stories260K/tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"add_bos_token": false, "add_eos_token": true, "bos_token": "<s>",
                 "eos_token": {"content": "</s>", "special": true}}""");
        Tokenizer t = Tokenizer.load(dir);
        int[] ids = stories().encode("Once upon a time", false);
        int[] expected = Arrays.copyOf(ids, ids.length + 1);
        expected[ids.length] = 2;
        assertArrayEquals(expected, t.encode("Once upon a time", true));
        assertArrayEquals(ids, t.encode("Once upon a time", false));
        assertEquals(1, t.bosId().orElseThrow());
        assertArrayEquals(new int[] {2}, t.eosIds());

        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\"}");
        assertEquals(1, Tokenizer.load(dir).encode("Once", true)[0], "no add_bos_token: the template decides");
    }

    static String stream(Tokenizer t, int[] ids, boolean stripLeadingSpace) {
        Tokenizer.StreamDecoder s = t.newStreamDecoder(stripLeadingSpace);
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(s.accept(id));
        }
        return text.append(s.finish()).toString();
    }

    static boolean isByte(Tokenizer t, int id) {
        String piece = t.token(id);
        return piece.length() == 6 && piece.startsWith("<0x");
    }
}
