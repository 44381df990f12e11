package org.specula.loader;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.specula.loader.chat.ChatTemplate;
import org.specula.loader.chat.Message;
import org.specula.loader.tokenizer.Tokenizer;
import org.specula.testdata.Samples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * Our tokenizers against the Hugging Face tokenizers library itself (Rust, through DJL's JNI binding, whose jar
 * bundles the native library: no download at test time) on random text: ASCII with control characters, mixed
 * scripts with combining marks, emoji with ZWJ and variation selectors, whitespace runs (Unicode spaces, \r\n),
 * digit runs (also non-ASCII digits), contractions in any case and special-token strings. HF always matches added
 * tokens in the input, so ours is asked with parseSpecial = true; both with and without special tokens added.
 * QuickTheories, fixed seed, 2 000 strings per tokenizer; decoding of the ids is compared too.
 */
class TokenizerOracleProperties {
    private static final long SEED = 20250117L;
    private static final int EXAMPLES = 2000;

    private record Pair(Tokenizer ours, HuggingFaceTokenizer oracle) {
    }

    private static Pair llama2;
    private static Pair gpt2;
    private static Pair llama3;

    @BeforeAll
    static void load() throws IOException {
        llama2 = pair("tokenizers/llama2/tokenizer.json");
        gpt2 = pair("tokenizers/gpt2/tokenizer.json");
        llama3 = pair("tokenizers/llama3/tokenizer.json");
    }

    @AfterAll
    static void close() {
        for (Pair p : new Pair[] {llama2, gpt2, llama3}) {
            if (p != null) {
                p.oracle().close();
            }
        }
    }

    private static Pair pair(String file) throws IOException {
        Path path = Samples.path(file);   // the file, not the folder: both read the same tokenizer.json only
        return new Pair(Tokenizer.load(path), HuggingFaceTokenizer.newInstance(path, Map.of()));
    }

    @Test
    void llama2EncodesLikeHuggingFace() {
        check(llama2, "<s>", "</s>", "<unk>", "▁");
    }

    @Test
    void gpt2EncodesLikeHuggingFace() {
        check(gpt2, "<|endoftext|>", "Ġ", "Ċ", "Ã©");
    }

    @Test
    void llama3EncodesLikeHuggingFace() {
        check(llama3, "<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|reserved_special_token_7|>");
    }

    private static void check(Pair pair, String... specials) {
        qt().withFixedSeed(SEED).withExamples(EXAMPLES)
                .forAll(texts(specials))
                .checkAssert(text -> {
                    String shown = Json.quote(text) + " = " + text.codePoints().mapToObj(Integer::toHexString)
                            .collect(Collectors.joining(" ", "[", "]"));
                    for (boolean addSpecial : new boolean[] {false, true}) {
                        long[] expected = pair.oracle().encode(text, addSpecial, false).getIds();
                        int[] actual = pair.ours().encode(text, addSpecial, true);
                        assertArrayEquals(expected, Arrays.stream(actual).asLongStream().toArray(),
                                () -> shown + " addSpecial=" + addSpecial + " ours " + Arrays.toString(actual));
                        assertEquals(pair.oracle().decode(expected, true), pair.ours().decode(actual),
                                () -> "decode of " + Arrays.toString(actual) + " from " + shown);
                    }
                });
    }

    private static final List<Message> CONVERSATION = List.of(Message.system("Be brief."), Message.user("Hi! 🦙"),
            Message.assistant(" Hello.\n"), Message.user("Count: 1 2 3"));

    /** Hand-picked corners (and rendered chats) of the Oniguruma → Java regex translation and of the split patterns. */
    @Test
    void cornersEncodeLikeHuggingFace() {
        List<String> corners = List.of("'ſ 'ſt 'ß", "\u0085x\u0085", "a\u00A0\u00A0b", "x \u3000 y", "\u000B\u000C",
                "   \n", " \n \r\n  x", "123456789 12", "٠١٢٣٤٥", "ⅫⅪ ½¾", "'S'T'RE'VE'M'LL'D", "\u200D\u200B", "a\tb",
                "<|eot_id|>x<|eot_id|>", " <|endoftext|> ", "<s> </s>", "",
                ChatTemplate.byName("llama3").render(CONVERSATION, true),
                ChatTemplate.byName("llama2").render(CONVERSATION, true),
                ChatTemplate.byName("chatml").render(CONVERSATION, true));
        for (Pair pair : List.of(llama2, gpt2, llama3)) {
            for (String text : corners) {
                long[] expected = pair.oracle().encode(text, false, false).getIds();
                int[] actual = pair.ours().encode(text, false, true);
                assertArrayEquals(expected, Arrays.stream(actual).asLongStream().toArray(),
                        () -> Json.quote(text) + " ours " + Arrays.toString(actual));
            }
        }
    }

    /** Random ids (byte pieces split UTF-8 characters): decode and the stream equal HF's lossy decode. */
    @Test
    void randomIdsDecodeLikeHuggingFace() {
        for (Pair pair : List.of(gpt2, llama3, llama2)) {
            int size = pair.ours().vocabSize();
            Gen<Integer> id = integers().between(0, size - 1).mix(integers().between(0, 300), 50);
            qt().withFixedSeed(SEED).withExamples(EXAMPLES / 2)
                    .forAll(lists().of(id).ofSizeBetween(0, 12))
                    .checkAssert(list -> {
                        int[] ids = list.stream().mapToInt(Integer::intValue).toArray();
                        String expected = pair.oracle().decode(Arrays.stream(ids).asLongStream().toArray(), true);
                        assertEquals(expected, pair.ours().decode(ids), list::toString);
                        assertEquals(expected, TokenizerTest.stream(pair.ours(), ids, true), list::toString);
                    });
        }
    }

    private static Gen<String> texts(String... specials) {
        Gen<String> ascii = codePoints(integers().between(0, 127), 0, 10);
        Gen<String> printable = codePoints(integers().between(0x20, 0x7E), 1, 12);
        Gen<Integer> script = integers().between(0xA0, 0x24F)                  // Latin-1, Latin Extended
                .mix(integers().between(0x300, 0x36F), 15)                     // combining marks
                .mix(integers().between(0x370, 0x4FF), 20)                     // Greek, Cyrillic
                .mix(integers().between(0x600, 0x6FF), 10)                     // Arabic (with its digits)
                .mix(integers().between(0x900, 0x97F), 10)                     // Devanagari
                .mix(integers().between(0xE00, 0xE7F), 10)                     // Thai
                .mix(integers().between(0x3040, 0x30FF), 15)                   // Kana
                .mix(integers().between(0x4E00, 0x9FFF), 20)                   // CJK
                .mix(integers().between(0xAC00, 0xD7A3), 10);                  // Hangul
        Gen<String> scripts = codePoints(script, 1, 8);
        Gen<Integer> emojiCp = integers().between(0x1F300, 0x1FAFF)
                .mix(integers().between(0, 2).map(i -> new int[] {0x200D, 0xFE0F, 0x1F3FB}[i]), 25);
        Gen<String> emoji = codePoints(emojiCp, 1, 4);
        Gen<Integer> spaceCp = integers().between(0, 9).map(i -> new int[] {' ', ' ', ' ', '\t', '\n', '\r', 0x0B,
                0xA0, 0x3000, 0x2009}[i]);
        Gen<String> spaces = codePoints(spaceCp, 1, 8);
        Gen<String> digits = codePoints(integers().between('0', '9').mix(integers().between(0x660, 0x669), 10), 1, 12);
        List<String> words = List.of("'s", "'T", "'re", "'VE", "'m", "'ll", "'D", "Hello", " world", "the", "I'm",
                "don't", "\r\n", "...", "--", "ſ");
        Gen<String> word = integers().between(0, words.size() - 1).map(words::get);
        Gen<String> special = integers().between(0, specials.length - 1).map(i -> specials[i]);
        Gen<String> part = printable.mix(ascii, 15).mix(scripts, 20).mix(emoji, 10).mix(spaces, 20)
                .mix(digits, 12).mix(word, 20).mix(special, 4);
        return lists().of(part).ofSizeBetween(0, 8).map(parts -> String.join("", parts));
    }

    private static Gen<String> codePoints(Gen<Integer> cp, int min, int max) {
        return lists().of(cp).ofSizeBetween(min, max).map(list -> {
            StringBuilder s = new StringBuilder();
            list.forEach(s::appendCodePoint);
            return s.toString();
        });
    }
}
