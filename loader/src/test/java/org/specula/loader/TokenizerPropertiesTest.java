package org.specula.loader;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.specula.loader.tokenizer.Tokenizer;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

/**
 * Properties over random inputs (QuickTheories, fixed seed): the streaming decoder's output equals decode for any
 * ids (biased toward byte pieces, where the holding back happens, and special tokens), and decode inverts encode
 * for any text without the "▁" marker (U+2581, which encodes like a space) and without unpaired surrogates.
 * Named *Test rather than *Properties because surefire's default includes do not pick up *Properties classes.
 */
class TokenizerPropertiesTest {
    private static final long SEED = 20240601L;
    private static Tokenizer llama2;

    @BeforeAll
    static void load() {
        llama2 = TokenizerTest.llama2();
    }

    /** Byte pieces <0x00>..<0xFF> are ids 3..258 in Llama 2; 0..2 are special. */
    private static Gen<Integer> ids() {
        Gen<Integer> bytes = integers().between(3, 258);
        Gen<Integer> utf8Lead = integers().between(0xC2, 0xF4).map(b -> b + 3);
        Gen<Integer> utf8Continuation = integers().between(0x80, 0xBF).map(b -> b + 3);
        Gen<Integer> any = integers().between(-2, 32001);
        Gen<Integer> specials = integers().between(0, 2);
        return bytes.mix(utf8Lead, 30).mix(utf8Continuation, 40).mix(any, 40).mix(specials, 10);
    }

    @Test
    void streamingConcatenatesToDecode() {
        qt().withFixedSeed(SEED).withExamples(3000)
                .forAll(lists().of(ids()).ofSizeBetween(0, 40))
                .checkAssert(ids -> {
                    int[] array = ids.stream().mapToInt(Integer::intValue).toArray();
                    assertEquals(llama2.decode(array), TokenizerTest.stream(llama2, array, true), ids::toString);
                });
    }

    private static Gen<String> texts() {
        Gen<String> ascii = strings().ascii().ofLengthBetween(0, 12);
        Gen<String> spaces = integers().between(0, 4).map(n -> " ".repeat(n));
        Gen<String> anyBmp = strings().basicMultilingualPlaneAlphabet().ofLengthBetween(0, 6);
        Gen<String> anyCodePoint = strings().allPossible().ofLengthBetween(0, 4);
        Gen<String> words = integers().between(0, 5).map(i -> List.of("Hello", "the", "<s>", "</s>", " world", "日本語")
                .get(i));
        Gen<String> part = ascii.mix(spaces, 30).mix(anyBmp, 30).mix(anyCodePoint, 20).mix(words, 30);
        return lists().of(part).ofSizeBetween(0, 6).map(parts -> String.join("", parts))
                .assuming(s -> s.indexOf('\u2581') < 0 && isUnicodeText(s));
    }

    /** No unpaired surrogates: those are not text (encode reads them as U+FFFD). */
    private static boolean isUnicodeText(String s) {
        return s.codePoints().noneMatch(cp -> cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE);
    }

    @Test
    void decodeInvertsEncode() {
        qt().withFixedSeed(SEED).withExamples(3000)
                .forAll(texts())
                .checkAssert(text -> {
                    String shown = text.codePoints().mapToObj(Integer::toHexString).toList().toString();
                    assertEquals(text, llama2.decode(llama2.encode(text, false)), shown);
                    assertEquals(text, llama2.decode(llama2.encode(text, true)), shown);
                });
    }
}
