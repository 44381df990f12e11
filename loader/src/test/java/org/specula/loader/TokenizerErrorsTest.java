package org.specula.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.loader.tokenizer.Tokenizer;
import org.specula.tensor.SpeculaException;

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
    void badSplitPatternsNameTheField(@TempDir Path dir) throws IOException {
        String model = "\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}";
        assertTrue(failure(write(dir, "{" + model + ", \"pre_tokenizer\": {\"type\": \"Split\","
                + " \"pattern\": {\"Regex\": \"(a\"}, \"behavior\": \"Isolated\"}}"))
                .contains("pre_tokenizer.pattern.Regex is a regex Specula cannot compile"));
        assertTrue(failure(write(dir, "{" + model + ", \"pre_tokenizer\": {\"type\": \"Split\","
                + " \"pattern\": {\"String\": \" \"}, \"behavior\": \"Sideways\"}}"))
                .contains("pre_tokenizer.behavior \"Sideways\" must be Isolated, Removed"));
        assertTrue(failure(write(dir, "{" + model + ", \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\":"
                + " [{\"type\": \"Split\", \"pattern\": {\"Glob\": \"*\"}, \"behavior\": \"Removed\"}]}}"))
                .contains("pre_tokenizer.pretokenizers[0].pattern must be {\"Regex\": ...} or {\"String\": ...}"));
        assertTrue(failure(write(dir, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0},"
                + " \"continuing_subword_prefix\": \"##\"}}"))
                .contains("model.continuing_subword_prefix is set"));
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
                    + " (SentencePiece-style like Llama 2, byte-level like GPT-2 and Llama 3) are", failure(file));
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
                + " \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}}"))
                .contains("pre_tokenizer.type \"BertPreTokenizer\" is not supported"));
        assertTrue(failure(write(dir, "{\"model\": {\"type\": \"BPE\", " + vocab + "},"
                + " \"post_processor\": {\"type\": \"RobertaProcessing\"}}"))
                .contains("post_processor.type \"RobertaProcessing\" is not supported"));
        assertTrue(failure(write(dir, "{\"model\": {\"type\": \"BPE\", " + vocab + "},"
                + " \"decoder\": {\"type\": \"WordPiece\"}}"))
                .contains("decoder.type \"WordPiece\" is not supported"));
    }

    @Test
    void missingFilesSayWhatToPass(@TempDir Path dir) {
        assertTrue(failure(dir).contains("the model folder has no tokenizer.json"));
        assertTrue(failure(dir.resolve("nope.json")).contains("no such file or folder"));
    }

    @Test
    void eachIdBelongsToOneToken(@TempDir Path dir) throws IOException {
        assertTrue(failure(write(dir, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 0}}}"))
                .contains("model.vocab[\"b\"] has id 0, which \"a\" already has"));
        String model = "\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}}";
        assertTrue(failure(write(dir, "{" + model + ", \"added_tokens\": [{\"id\": 2, \"content\": \"<s>\"},"
                + " {\"id\": 2, \"content\": \"</s>\"}]}"))
                .contains("added_tokens[1].id is 2, the id of added_tokens[0] \"<s>\" too"));
        assertTrue(failure(write(dir, "{" + model + ", \"added_tokens\": [{\"id\": 1, \"content\": \"<s>\"}]}"))
                .contains("added_tokens[0].id is 1, the id of model.vocab[\"b\"] too"));
        assertTrue(failure(write(dir, "{" + model + ", \"added_tokens\": [{\"id\": 5, \"content\": \"a\"}]}"))
                .contains("added_tokens[0].id is 5 but model.vocab has \"a\" as 0"));
        // The same token in the vocab and added_tokens under one id is how Llama 2 spells <s>: accepted.
        Tokenizer t = Tokenizer.load(write(dir, "{" + model + ", \"added_tokens\": [{\"id\": 1, \"content\": \"b\","
                + " \"special\": true}]}"));
        assertTrue(t.isSpecial(1));
    }

    @Test
    void hugeIdsAreRefusedBeforeAllocating(@TempDir Path dir) throws IOException {
        assertTrue(failure(write(dir, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 2147483646}}}"))
                .contains("model.vocab[\"a\"] must be a token id, an integer in 0..16777215 (found 2147483646)"));
    }

    @Test
    void idsMustFitTheModel(@TempDir Path dir) throws IOException {
        String model = "\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 511}}";
        Path file = write(dir, "{" + model + "}");
        assertEquals(512, Tokenizer.load(dir, 512).vocabSize());
        for (int vocab : new int[]{511, 100}) {
            SpeculaException e = assertThrows(SpeculaException.class, () -> Tokenizer.load(dir, vocab));
            assertEquals(file + ": model.vocab[\"b\"] is 511, outside the model's vocab_size " + vocab + " (config.json);"
                    + " the tokenizer.json does not belong to this model", e.getMessage());
        }
        write(dir, "{" + model + ", \"added_tokens\": [{\"id\": 99999, \"content\": \"<x>\"}]}");
        SpeculaException e = assertThrows(SpeculaException.class, () -> Tokenizer.load(file, 512));
        assertTrue(e.getMessage().startsWith(file + ": added_tokens[0].id is 99999, outside the model's vocab_size"),
                e.getMessage());
        write(dir, "{" + model + ", \"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": ["
                + "{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}],"
                + " \"special_tokens\": {\"<s>\": {\"id\": \"<s>\", \"ids\": [700], \"tokens\": [\"<s>\"]}}}}");
        e = assertThrows(SpeculaException.class, () -> Tokenizer.load(file, 512));
        assertTrue(e.getMessage().startsWith(file + ": post_processor special_tokens id is 700, outside"), e.getMessage());
    }
}
