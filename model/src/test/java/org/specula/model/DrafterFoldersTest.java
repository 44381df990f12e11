package org.specula.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.loader.ModelFolder;
import org.specula.tensor.ScalarKernels;
import org.specula.tensor.SpeculaException;
import org.specula.testdata.Samples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Medusa, EAGLE and MTP folders for stories260K load; a drafter that does not fit its target (hidden size,
 * vocabulary, head layout) or a folder in another format is refused with one line naming the file and the field.
 */
class DrafterFoldersTest {
    @TempDir
    static Path tmp;
    static ModelFolder targetFolder;
    static ModelFolder draftFolder;
    static Llama target;
    static Llama other; // stories260K-draft: hidden 32, the same vocabulary

    @BeforeAll
    static void load() {
        targetFolder = ModelFolder.open(Samples.path("models/stories260K"));
        target = Llama.load(targetFolder, new ScalarKernels());
        draftFolder = ModelFolder.open(Samples.path("models/stories260K-draft"));
        other = Llama.load(draftFolder, new ScalarKernels());
    }

    @AfterAll
    static void close() {
        if (targetFolder != null) {
            targetFolder.close();
            draftFolder.close();
        }
    }

    static Path sample(String name) {
        return Samples.path("models/" + name);
    }

    /** A copy of a sample folder with one JSON file edited. */
    static Path edited(String name, String file, Function<String, String> edit) throws IOException {
        Path copy = Files.createTempDirectory(tmp, name);
        try (Stream<Path> files = Files.list(sample(name))) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        String text = Files.readString(copy.resolve(file));
        String changed = edit.apply(text);
        assertFalse(changed.equals(text), "the edit changes " + file);
        Files.writeString(copy.resolve(file), changed);
        return copy;
    }

    static String error(Runnable load, String... expected) {
        SpeculaException e = assertThrows(SpeculaException.class, load::run);
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        for (String part : expected) {
            assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' names " + part);
        }
        return e.getMessage();
    }

    static void medusa(Path dir, Llama target) {
        try (ModelFolder f = ModelFolder.openTensors(dir, ModelFolder.Weights.AUTO)) {
            MedusaHeads.load(f, target);
        }
    }

    static void eagle(Path dir, Llama target) {
        try (ModelFolder f = ModelFolder.open(dir)) {
            ChainHead.loadEagle(f, target);
        }
    }

    static void mtp(Path dir, Llama target) {
        try (ModelFolder f = ModelFolder.openTensors(dir, ModelFolder.Weights.AUTO)) {
            ChainHead.loadMtp(f, target);
        }
    }

    @Test
    void theSampleDraftersLoad() {
        try (ModelFolder m = ModelFolder.openTensors(sample("stories260K-medusa"), ModelFolder.Weights.AUTO);
             ModelFolder e = ModelFolder.open(sample("stories260K-eagle"));
             ModelFolder t = ModelFolder.openTensors(sample("stories260K-mtp"), ModelFolder.Weights.AUTO)) {
            assertEquals(4, MedusaHeads.load(m, target).count());
            assertEquals(ChainHead.Kind.EAGLE, ChainHead.loadEagle(e, target).kind());
            assertEquals(ChainHead.Kind.MTP, ChainHead.loadMtp(t, target).kind());
            assertFalse(ChainHead.hasMtp(targetFolder, target), "stories260K carries no MTP layer of its own");
            assertTrue(ChainHead.hasMtp(t, target));
        }
    }

    @Test
    void aDrafterForAnotherHiddenSizeIsRefused() {
        error(() -> medusa(sample("stories260K-medusa"), other), "config.json", "\"hidden_size\" is 64",
                "target's is 32");
        error(() -> eagle(sample("stories260K-eagle"), other), "config.json", "\"hidden_size\" is 64");
        error(() -> mtp(sample("stories260K-mtp"), other), "mtp_config.json", "\"hidden_size\" is 64");
    }

    @Test
    void aWrongVocabularyOrLayoutIsRefused() throws IOException {
        Path vocab = edited("stories260K-medusa", "config.json", s -> s.replace("\"vocab_size\": 512",
                "\"vocab_size\": 600"));
        error(() -> medusa(vocab, target), "config.json", "vocab_size");
        Path layers = edited("stories260K-medusa", "config.json", s -> s.replace("\"medusa_num_layers\": 1",
                "\"medusa_num_layers\": 2"));
        error(() -> medusa(layers, target), "medusa_num_layers");
        Path heads = edited("stories260K-medusa", "config.json", s -> s.replace("\"medusa_num_heads\": 4",
                "\"medusa_num_heads\": 5"));
        error(() -> medusa(heads, target), "4.0.linear.weight");
        Path noHeads = edited("stories260K-medusa", "config.json", s -> s.replace("\"medusa_num_heads\"",
                "\"heads\""));
        error(() -> medusa(noHeads, target), "config.json", "medusa_num_heads");
        Path kvHeads = edited("stories260K-eagle", "config.json", s -> s.replace("\"num_key_value_heads\": 4",
                "\"num_key_value_heads\": 2"));
        error(() -> eagle(kvHeads, target), "layers.0.self_attn.k_proj.weight", "[16, 64]");
        Path twoLayers = edited("stories260K-eagle", "config.json", s -> s.replace("\"num_hidden_layers\": 1",
                "\"num_hidden_layers\": 2"));
        error(() -> eagle(twoLayers, target), "num_hidden_layers");
        Path layerId = edited("stories260K-mtp", "mtp_config.json", s -> s.replace("\"mtp_layer_id\": 5",
                "\"mtp_layer_id\": 4"));
        error(() -> mtp(layerId, target), "mtp_layer_id");
    }

    @Test
    void aFolderInAnotherFormatIsRefused() {
        error(() -> medusa(sample("stories260K-eagle"), target), "not a Medusa folder", "medusa_lm_head.safetensors");
        error(() -> mtp(sample("stories260K-eagle"), target), "not an MTP module", "model.layers.5.eh_proj.weight");
        error(() -> eagle(sample("stories260K-draft"), target), "not an EAGLE folder", "fc.weight");
        error(() -> eagle(sample("stories260K-mtp"), target), "config.json");
    }
}
