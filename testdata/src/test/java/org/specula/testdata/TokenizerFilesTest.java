package org.specula.testdata;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerFilesTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(ints = {259, 260, 300, 512, 49152, 128256})
    void tokenizerJsonHasSpecialsBytesAndVocabEntriesWithConsistentMerges(int vocabSize) throws IOException {
        TokenizerFiles.write(dir, vocabSize, 64);
        Map<String, Object> json = MiniJson.object(MiniJson.parse(Files.readString(dir.resolve("tokenizer.json"))));
        List<Object> added = MiniJson.array(json.get("added_tokens"));
        assertEquals(List.of("<unk>", "<s>", "</s>"),
                added.stream().map(t -> MiniJson.object(t).get("content")).toList());
        Map<String, Object> model = MiniJson.object(json.get("model"));
        assertEquals("BPE", model.get("type"));
        assertEquals(true, model.get("byte_fallback"));
        Map<String, Object> vocab = MiniJson.object(model.get("vocab"));
        assertEquals(vocabSize, vocab.size());
        Set<Long> ids = new HashSet<>();
        for (Object id : vocab.values()) {
            ids.add((Long) id);
        }
        assertEquals(vocabSize, ids.size(), "ids are distinct");
        assertTrue(ids.stream().allMatch(id -> id >= 0 && id < vocabSize), "ids are 0..vocab-1");
        assertEquals(0L, vocab.get("<unk>"));
        assertEquals(1L, vocab.get("<s>"));
        assertEquals(2L, vocab.get("</s>"));
        long byteTokens = vocab.keySet().stream().filter(k -> k.matches("<0x[0-9A-F]{2}>")).count();
        assertEquals(256, byteTokens);
        assertEquals(3L, vocab.get("<0x00>"));
        assertEquals(13L, vocab.get("<0x0A>"));
        assertEquals(258L, vocab.get("<0xFF>"));
        for (Object m : MiniJson.array(model.get("merges"))) {
            String[] parts = ((String) m).split(" ");
            assertEquals(2, parts.length, (String) m);
            assertTrue(vocab.containsKey(parts[0]) && vocab.containsKey(parts[1])
                    && vocab.containsKey(parts[0] + parts[1]), "merge " + m + " needs its parts and result");
        }
        assertEquals(MiniJson.object(json.get("post_processor")).get("type"), "TemplateProcessing");
        Map<String, Object> config = MiniJson.object(MiniJson.parse(
                Files.readString(dir.resolve("tokenizer_config.json"))));
        assertEquals(64L, config.get("model_max_length"));
        assertEquals("LlamaTokenizer", config.get("tokenizer_class"));
    }

    @ParameterizedTest
    @ValueSource(ints = {300, 49152})
    void everyPieceIsACharacterOrTheResultOfAnEarlierMerge(int vocabSize) {
        List<String> pieces = TokenizerFiles.pieces(vocabSize);
        assertEquals(vocabSize - TokenizerFiles.FIRST_PIECE, pieces.size());
        Set<String> results = new HashSet<>();
        for (String merge : TokenizerFiles.merges(vocabSize)) {
            results.add(merge.replace(" ", ""));
        }
        for (String piece : pieces) {
            assertTrue(piece.codePointCount(0, piece.length()) == 1 || results.contains(piece), piece);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {300})
    void aSmallVocabularyAlreadyCoversCommonEnglish(int vocabSize) {
        List<String> pieces = TokenizerFiles.pieces(vocabSize);
        for (String common : List.of("▁", "e", "t", "a", "▁t", "he", "▁the", "in", "y", "w", ".")) {
            assertTrue(pieces.contains(common), common);
        }
    }
}
