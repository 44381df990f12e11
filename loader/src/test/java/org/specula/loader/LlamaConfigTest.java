package org.specula.loader;

import org.junit.jupiter.api.Test;
import org.specula.tensor.SpeculaException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
