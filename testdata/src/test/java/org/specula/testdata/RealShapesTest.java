package org.specula.testdata;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.tensor.DType;
import org.specula.testdata.TinyModels.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RealShapesTest {
    @TempDir
    Path dir;

    @Test
    void parameterCountsAreThoseOfTheRealCheckpoints() {
        assertEquals(134_515_008L, RealShapes.smolLm2_135M().parameterCount());
        assertEquals(361_821_120L, RealShapes.smolLm2_360M().parameterCount());
        assertEquals(1_235_814_400L, RealShapes.llama32_1B().parameterCount());
        assertEquals(DType.BF16, RealShapes.llama32_1B().dtype());
    }

    @Test
    void llama32ConfigCarriesHeadDimAndLlama3RopeScaling() {
        Map<String, Object> c = MiniJson.object(MiniJson.parse(TinyModels.config(RealShapes.llama32_1B())));
        assertEquals(64L, c.get("head_dim"));
        assertEquals(500000.0, c.get("rope_theta"));
        assertEquals(131072L, c.get("max_position_embeddings"));
        assertEquals(Map.of("rope_type", "llama3", "factor", 32.0, "low_freq_factor", 1.0, "high_freq_factor", 4.0,
                "original_max_position_embeddings", 8192L), c.get("rope_scaling"));
        assertEquals("bfloat16", c.get("torch_dtype"));
    }

    @Test
    void generateModelWritesTheNamedShape() throws IOException {
        GenerateModel.main(new String[]{"--shape", "tiny", "--out", dir.toString(), "--dtype", "f16", "--seed", "5",
                "--shards", "2"});
        Map<String, Object> c = MiniJson.object(MiniJson.parse(Files.readString(dir.resolve("config.json"))));
        assertEquals("float16", c.get("torch_dtype"));
        assertTrue(Files.exists(dir.resolve("model-00002-of-00002.safetensors")));
        assertEquals(RealShapes.smolLm2_360M(), GenerateModel.shape("SmolLM2-360M"));
        Spec expected = Spec.tiny().withDtype(DType.F16).withSeed(5).withShards(2);
        assertEquals(TinyModels.weights(expected).get("model.norm.weight")[3],
                ReadBack.of(dir.resolve("model-00002-of-00002.safetensors")).tensors().get("model.norm.weight")
                        .floats()[3]);
    }
}
