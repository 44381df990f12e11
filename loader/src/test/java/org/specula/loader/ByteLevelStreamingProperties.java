package org.specula.loader;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.specula.loader.tokenizer.Tokenizer;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * Streaming byte-level decoding (QuickTheories, fixed seed): for any text, the chunks printed while streaming its
 * ids never hold a U+FFFD or a lone surrogate (no broken UTF-8 reaches the user) and join to the text; for any ids,
 * the stream joins to decode.
 */
class ByteLevelStreamingProperties {
    private static final long SEED = 7L;
    private static List<Tokenizer> tokenizers;

    @BeforeAll
    static void load() {
        tokenizers = List.of(ByteLevelTokenizerTest.gpt2(), ByteLevelTokenizerTest.llama3());
    }

    private static Gen<String> texts() {
        Gen<Integer> cp = integers().between(0x20, 0x7E).mix(integers().between(0xA0, 0x52F), 25)
                .mix(integers().between(0x4E00, 0x9FFF), 20).mix(integers().between(0x1F300, 0x1FAFF), 25)
                .mix(integers().between(0, 3).map(i -> new int[] {' ', '\n', '\t', 0x200D}[i]), 20);
        return lists().of(cp).ofSizeBetween(0, 30).map(list -> {
            StringBuilder s = new StringBuilder();
            list.forEach(s::appendCodePoint);
            return s.toString();
        });
    }

    @Test
    void streamedChunksAreWholeCharacters() {
        for (Tokenizer t : tokenizers) {
            qt().withFixedSeed(SEED).withExamples(1000).forAll(texts()).checkAssert(text -> {
                Tokenizer.StreamDecoder s = t.newStreamDecoder(true);
                StringBuilder out = new StringBuilder();
                for (int id : t.encode(text, true)) {
                    String chunk = s.accept(id);
                    assertFalse(chunk.contains("\uFFFD"), () -> Json.quote(text) + " chunk " + Json.quote(chunk));
                    assertFalse(hasLoneSurrogate(chunk), () -> Json.quote(text) + " chunk " + Json.quote(chunk));
                    out.append(chunk);
                }
                assertEquals(text, out.append(s.finish()).toString());
            });
        }
    }

    /** A code point in the surrogate range means a pair was cut between chunks. */
    private static boolean hasLoneSurrogate(String s) {
        return s.codePoints().anyMatch(cp -> cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE);
    }

    @Test
    void streamJoinsToDecodeForAnyIds() {
        for (Tokenizer t : tokenizers) {
            Gen<Integer> ids = integers().between(0, t.vocabSize() - 1).mix(integers().between(0, 400), 60);
            qt().withFixedSeed(SEED).withExamples(1000).forAll(lists().of(ids).ofSizeBetween(0, 16)).checkAssert(list -> {
                int[] array = list.stream().mapToInt(Integer::intValue).toArray();
                assertEquals(t.decode(array), TokenizerTest.stream(t, array, true), list::toString);
                assertEquals(t.decode(array), TokenizerTest.stream(t, array, false), "no Strip in a ByteLevel decoder");
            });
        }
    }
}
