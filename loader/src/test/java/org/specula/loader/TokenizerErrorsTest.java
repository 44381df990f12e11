package org.specula.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.tensor.SpeculaException;
import org.specula.testdata.Samples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every refusal is one line that names the file and the field. */
class TokenizerErrorsTest {
    private static String failure(Path path) {
        SpeculaException e = assertThrows(SpeculaException.class, () -> Tokenizer.load(path));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static Path write(Path dir, String json) throws IOException {
        return Files.writeString(dir.resolve("tokenizer.json"), json);
    }

    @Test
    void byteLevelBpeIsRefusedForNow() {
        Path gpt2 = Samples.path("tokenizers/gpt2/tokenizer.json");
        assertEquals(gpt2 + ": byte-level BPE (pre_tokenizer ByteLevel) is not supported yet; only"
                + " SentencePiece-style BPE tokenizers (Llama 2 family) are", failure(gpt2));
        String llama3 = failure(Samples.path("tokenizers/llama3"));
        assertTrue(llama3.contains("tokenizer.json: byte-level BPE (pre_tokenizer ByteLevel) is not supported"), llama3);
    }

    @Test
    void aByteLevelDecoderAloneIsRefusedToo(@TempDir Path dir) throws IOException {
        Path file = write(dir, """
                {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
                 "decoder": {"type": "ByteLevel", "add_prefix_space": true}}""");
        assertTrue(failure(file).contains("byte-level BPE (decoder ByteLevel) is not supported yet"));
    }

    @Test
    void malformedJsonNamesTheFile(@TempDir Path dir) throws IOException {
        Path file = write(dir, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0,}}}");
        String message = failure(file);
        assertTrue(message.startsWith(file + ": malformed JSON at offset"), message);
    }

    @Test
    void missingVocabNamesTheField(@TempDir Path dir) throws IOException {
        Path file = write(dir, "{\"model\": {\"type\": \"BPE\", \"merges\": []}}");
        String message = failure(file);
        assertTrue(message.startsWith(file + ": model.vocab is missing"), message);
        assertTrue(failure(write(dir, "{\"added_tokens\": []}")).contains(": model is missing"));
    }

    @Test
    void otherModelTypesNameTheField(@TempDir Path dir) throws IOException {
        for (String type : new String[] {"WordPiece", "Unigram", "WordLevel"}) {
            Path file = write(dir, "{\"model\": {\"type\": \"" + type + "\", \"vocab\": {\"a\": 0}}}");
            assertEquals(file + ": model.type \"" + type + "\" is not supported; only BPE tokenizers"
                    + " (SentencePiece-style, Llama 2 family) are", failure(file));
        }
    }

    @Test
    void badMergesAndUnsupportedComponentsNameTheField(@TempDir Path dir) throws IOException {
        String vocab = "\"vocab\": {\"a\": 0, \"b\": 1}";
        assertTrue(failure(write(dir, "{\"model\": {\"type\": \"BPE\", " + vocab + ", \"merges\": [\"a b\"]}}"))
                .contains("model.merges[0] uses the piece \"ab\", which is not in model.vocab"));
        assertTrue(failure(write(dir, "{\"model\": {\"type\": \"BPE\", " + vocab + ", \"merges\": [\"ab\"]}}"))
                .contains("model.merges[0] \"ab\" must be two pieces separated by one space"));
        assertTrue(failure(write(dir, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": \"x\"}}}"))
                .contains("model.vocab[\"a\"] must be a token id"));
        assertTrue(failure(write(dir, "{\"model\": {\"type\": \"BPE\", " + vocab + "},"
                + " \"normalizer\": {\"type\": \"Lowercase\"}}"))
                .contains("normalizer.type \"Lowercase\" is not supported"));
        assertTrue(failure(write(dir, "{\"model\": {\"type\": \"BPE\", " + vocab + "},"
                + " \"pre_tokenizer\": {\"type\": \"Whitespace\"}}"))
                .contains("pre_tokenizer.type \"Whitespace\" is not supported"));
        assertTrue(failure(write(dir, "{\"model\": {\"type\": \"BPE\", " + vocab + "},"
                + " \"decoder\": {\"type\": \"WordPiece\"}}"))
                .contains("decoder.type \"WordPiece\" is not supported"));
    }

    @Test
    void missingFilesSayWhatToPass(@TempDir Path dir) {
        assertTrue(failure(dir).contains("the model folder has no tokenizer.json"));
        assertTrue(failure(dir.resolve("nope.json")).contains("no such file or folder"));
    }
}
