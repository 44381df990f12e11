package org.specula.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.testdata.Samples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model folder with one malformed file, per family the loader checks (config.json, tokenizer.json, the
 * safetensors header): {@code generate} exits 2 before printing anything, with one line naming the file and field.
 */
class MalformedInputCliTest {
    @TempDir
    Path model;

    @BeforeEach
    void copyStories260K() throws IOException {
        Path source = Samples.path("models/stories260K");
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.write(model.resolve(f.getFileName()), Files.readAllBytes(f));
            }
        }
    }

    /** Runs generate on the folder and checks the refusal: exit 2, empty stdout, one line holding each fragment. */
    private void assertRefused(String... fragments) {
        assertRefused(new String[]{"generate", "-m", model.toString(), "-p", "Once", "-n", "2", "--temperature", "0"},
                fragments);
    }

    private void assertRefused(String[] args, String... fragments) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, code, "exit code; stderr: " + stderr);
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing on stdout");
        assertEquals(1, stderr.strip().lines().count(), "one line: " + stderr);
        assertFalse(stderr.contains("Exception") || stderr.contains("\tat "), "no stack trace: " + stderr);
        for (String f : fragments) {
            assertTrue(stderr.contains(f), "'" + stderr.strip() + "' should mention '" + f + "'");
        }
    }

    private void edit(String file, String from, String to) throws IOException {
        Path p = model.resolve(file);
        String text = Files.readString(p);
        assertTrue(text.contains(from), file + " should contain " + from);
        Files.writeString(p, text.replace(from, to));
    }

    @Test
    void configTokenIdsOutsideTheVocabulary() throws IOException {
        edit("config.json", "\"bos_token_id\": 1", "\"bos_token_id\": -1");
        assertRefused(model.resolve("config.json").toString(), "\"bos_token_id\" is -1", "0..511");
        edit("config.json", "\"bos_token_id\": -1", "\"bos_token_id\": 99999");
        assertRefused("config.json", "\"bos_token_id\" is 99999");
        edit("config.json", "\"bos_token_id\": 99999", "\"bos_token_id\": 1");
        edit("config.json", "\"eos_token_id\": 2", "\"eos_token_id\": [2, 99999]");
        assertRefused("config.json", "\"eos_token_id[1]\" is 99999");
    }

    @Test
    void configLlama3RopeScalingWithoutItsFields() throws IOException {
        edit("config.json", "\"rope_scaling\": null", "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0}");
        assertRefused("config.json", "rope_scaling of rope_type llama3 is missing \"low_freq_factor\"");
    }

    @Test
    void configNumbersNamedOneAtATime() throws IOException {
        edit("config.json", "\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": 0");
        assertRefused("config.json", "\"rms_norm_eps\" must be a positive finite number");
        edit("config.json", "\"rms_norm_eps\": 0", "\"rms_norm_eps\": 1e-05");
        edit("config.json", "\"rope_theta\": 10000.0", "\"rope_theta\": -1");
        assertRefused("config.json", "\"rope_theta\" must be a positive finite number (got -1)");
    }

    @Test
    void configNotUtf8() throws IOException {
        byte[] bytes = Files.readAllBytes(model.resolve("config.json"));
        bytes[bytes.length / 2] = (byte) 0xff;
        Files.write(model.resolve("config.json"), bytes);
        assertRefused("config.json: is not UTF-8 text");
    }

    @Test
    void tokenizerIdsBeyondTheModel() throws IOException {
        edit("tokenizer.json", "\"~\": 510", "\"~\": 512");
        assertRefused("tokenizer.json", "model.vocab[\"~\"] is 512, outside the model's vocab_size 512");
        edit("tokenizer.json", "\"~\": 512", "\"~\": 100000");
        assertRefused("tokenizer.json", "is 100000, outside the model's vocab_size 512");
    }

    /** score --ids needs tokenizer.json only for its pieces, and still reads it before printing any line. */
    @Test
    void scoreReadsTheTokenizerBeforeItsOutput() throws IOException {
        edit("tokenizer.json", "\"~\": 510", "\"~\": 512");
        assertRefused(new String[]{"score", "-m", model.toString(), "--ids", "1,403,407"}, "tokenizer.json",
                "outside the model's vocab_size 512");
    }

    @Test
    void tokenizerTwoTokensWithOneId() throws IOException {
        edit("tokenizer.json", "\"~\": 510", "\"~\": 509");
        assertRefused("tokenizer.json", "has id 509, which", "already has");
    }

    @Test
    void safetensorsMetadataNotStrings() throws IOException {
        rewriteHeader("{\"__metadata__\":{\"format\":\"pt\"}", "{\"__metadata__\":{\"format\":7   }");
        assertRefused("model.safetensors", "__metadata__ \"format\" must be a string (got 7)");
    }

    @Test
    void safetensorsHeaderLengthUnsigned() throws IOException {
        Path weights = model.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
        Files.write(weights, bytes);
        assertRefused("model.safetensors", "header length 18446744073709551615");
    }

    @Test
    void safetensorsDirectory() throws IOException {
        Path weights = model.resolve("model.safetensors");
        Files.delete(weights);
        Files.createDirectory(weights);
        assertRefused(weights + ": is a directory");
    }

    /** Replaces text at the start of the header with text of the same length, so offsets stay valid. */
    private void rewriteHeader(String from, String to) throws IOException {
        assertEquals(from.length(), to.length());
        Path weights = model.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        String start = new String(bytes, 8, from.length(), StandardCharsets.UTF_8);
        assertEquals(from, start);
        System.arraycopy(to.getBytes(StandardCharsets.UTF_8), 0, bytes, 8, to.length());
        Files.write(weights, bytes);
    }
}
