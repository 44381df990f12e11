package org.specula.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.tensor.SpeculaException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LlamaConfigTest {
    private static final String BASE = "\"hidden_size\":64,\"intermediate_size\":172,\"num_hidden_layers\":2,"
            + "\"num_attention_heads\":8,\"vocab_size\":512";

    private static LlamaConfig parse(String extra) {
        return LlamaConfig.parse(Json.parseObject("{" + BASE + extra + "}", "config.json"), "config.json");
    }

    private static String error(String extra) {
        SpeculaException e = assertThrows(SpeculaException.class, () -> parse(extra));
        assertTrue(e.getMessage().startsWith("config.json"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void defaultsFollowTransformers() {
        LlamaConfig c = parse("");
        assertEquals(8, c.numKvHeads());
        assertEquals(8, c.headDim());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(1e-6, c.rmsNormEps());
        assertNull(c.ropeScaling());
        assertEquals(-1, c.bosId());
        assertArrayEquals(new int[0], c.eosIds());
    }

    @Test
    void headDimAndEosList() {
        LlamaConfig c = parse(",\"head_dim\":16,\"num_key_value_heads\":2,\"eos_token_id\":[2,7],\"bos_token_id\":1");
        assertEquals(16, c.headDim());
        assertEquals(32, c.kvDim());
        assertArrayEquals(new int[]{2, 7}, c.eosIds());
        assertTrue(c.isEos(7));
    }

    @Test
    void llama3RopeScaling() {
        LlamaConfig c = parse(",\"rope_theta\":500000.0,\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":32.0,"
                + "\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":8192}");
        assertNotNull(c.ropeScaling());
        double[] inv = c.ropeInverseFrequencies();
        double plain0 = 1.0;
        assertEquals(plain0, inv[0], 1e-12, "high frequencies are kept");
        double plainLast = 1.0 / Math.pow(500000.0, 6.0 / 8);
        assertEquals(plainLast / 32.0, inv[3], 1e-15, "low frequencies are divided by factor");
    }

    @Test
    void errorsNameTheField() {
        assertTrue(error(",\"model_type\":\"gpt2\"").contains("model_type \"gpt2\""));
        assertTrue(error(",\"rope_scaling\":{\"type\":\"yarn\"}").contains("rope_scaling type \"yarn\""));
        assertTrue(error(",\"num_key_value_heads\":3").contains("num_key_value_heads"));
        assertTrue(error(",\"hidden_act\":\"gelu\"").contains("hidden_act"));
        SpeculaException e = assertThrows(SpeculaException.class,
                () -> LlamaConfig.parse(Json.parseObject("{\"hidden_size\":\"64\"}", "c.json"), "c.json"));
        assertTrue(e.getMessage().contains("\"hidden_size\" must be an integer"), e.getMessage());
        e = assertThrows(SpeculaException.class,
                () -> LlamaConfig.parse(Json.parseObject("{\"hidden_size\":64}", "c.json"), "c.json"));
        assertTrue(e.getMessage().contains("missing required field"), e.getMessage());
    }

    @Test
    void tokenIdsMustHaveAnEmbeddingRow() {
        assertTrue(error(",\"bos_token_id\":-1").contains("field \"bos_token_id\" is -1, outside the vocabulary 0..511"));
        assertTrue(error(",\"bos_token_id\":99999").contains("\"bos_token_id\" is 99999"));
        assertTrue(error(",\"eos_token_id\":512").contains("\"eos_token_id\" is 512"));
        assertTrue(error(",\"eos_token_id\":[2,99999]").contains("\"eos_token_id[1]\" is 99999"));
        assertTrue(error(",\"eos_token_id\":1e30").contains("\"eos_token_id\" must be an integer token id"));
        assertTrue(error(",\"eos_token_id\":[2,\"x\"]").contains("\"eos_token_id[1]\" must be an integer"));
        assertArrayEquals(new int[]{511}, parse(",\"eos_token_id\":511,\"bos_token_id\":null").eosIds());
    }

    @Test
    void llama3RopeScalingNeedsEveryField() {
        String full = "\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                + "\"original_max_position_embeddings\":8192";
        for (String key : new String[]{"factor", "low_freq_factor", "high_freq_factor",
                "original_max_position_embeddings"}) {
            String without = full.replaceAll(",?\"" + key + "\":[0-9.]+", "");
            String message = error(",\"rope_scaling\":{" + without + "}");
            assertTrue(message.startsWith("config.json: rope_scaling of rope_type llama3 is missing \"" + key + "\""), message);
        }
        assertTrue(error(",\"rope_scaling\":{" + full.replace("\"high_freq_factor\":4.0", "\"high_freq_factor\":1.0")
                + "}").contains("\"high_freq_factor\" (1.0) must be greater than low_freq_factor (1.0)"));
        assertTrue(error(",\"rope_scaling\":{" + full.replace("\"factor\":8.0", "\"factor\":0") + "}")
                .contains("field \"factor\" must be a positive finite number"));
    }

    @Test
    void eachNumericFieldIsNamedAlone() {
        String eps = error(",\"rms_norm_eps\":0");
        assertTrue(eps.contains("field \"rms_norm_eps\" must be a positive finite number (got 0)"), eps);
        assertFalse(eps.contains("rope_theta"), eps);
        String theta = error(",\"rope_theta\":-1e999");
        assertTrue(theta.contains("field \"rope_theta\" must be a positive finite number"), theta);
        assertFalse(theta.contains("rms_norm_eps"), theta);
        assertTrue(error(",\"rope_theta\":1e999").contains("\"rope_theta\""));
    }

    @Test
    void unreadableFilesSayWhy(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("config.json");
        Files.write(config, new byte[]{'{', (byte) 0xff, '}'});
        SpeculaException e = assertThrows(SpeculaException.class, () -> LlamaConfig.load(config));
        assertEquals(config + ": is not UTF-8 text; config.json must be UTF-8 JSON", e.getMessage());
        Files.delete(config);
        Files.createDirectory(config);
        e = assertThrows(SpeculaException.class, () -> LlamaConfig.load(config));
        assertTrue(e.getMessage().startsWith(config + ": is a directory"), e.getMessage());
    }
}
