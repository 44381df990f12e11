package org.specula.testdata;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.specula.tensor.DType;
import org.specula.testdata.TinyModels.Spec;
import org.specula.testdata.TinyModels.TensorSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TinyModelsTest {
    @TempDir
    Path dir;

    @Test
    void tinyFolderHasTheHuggingFaceFilesAndLlamaTensorNamesAndShapes() throws IOException {
        Path model = TinyModels.write(dir.resolve("tiny"), Spec.tiny());
        for (String f : List.of("config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
                "tokenizer_config.json", "special_tokens_map.json")) {
            assertTrue(Files.isRegularFile(model.resolve(f)), f);
        }
        assertFalse(Files.exists(model.resolve("model.safetensors.index.json")));
        ReadBack back = ReadBack.of(model.resolve("model.safetensors"));
        Map<String, long[]> expected = new java.util.LinkedHashMap<>();
        expected.put("model.embed_tokens.weight", new long[]{300, 16});
        for (int i = 0; i < 2; i++) {
            String p = "model.layers." + i + ".";
            expected.put(p + "input_layernorm.weight", new long[]{16});
            expected.put(p + "self_attn.q_proj.weight", new long[]{16, 16});
            expected.put(p + "self_attn.k_proj.weight", new long[]{8, 16});
            expected.put(p + "self_attn.v_proj.weight", new long[]{8, 16});
            expected.put(p + "self_attn.o_proj.weight", new long[]{16, 16});
            expected.put(p + "post_attention_layernorm.weight", new long[]{16});
            expected.put(p + "mlp.gate_proj.weight", new long[]{40, 16});
            expected.put(p + "mlp.up_proj.weight", new long[]{40, 16});
            expected.put(p + "mlp.down_proj.weight", new long[]{16, 40});
        }
        expected.put("model.norm.weight", new long[]{16});
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(back.tensors().keySet()));
        expected.forEach((name, shape) -> {
            assertArrayEquals(shape, back.tensors().get(name).shape(), name);
            assertEquals("F32", back.tensors().get(name).dtype(), name);
        });
    }

    @Test
    void configHasTheLlamaFields() throws IOException {
        Path model = TinyModels.write(dir, Spec.tiny());
        Map<String, Object> c = MiniJson.object(MiniJson.parse(Files.readString(model.resolve("config.json"))));
        assertEquals("llama", c.get("model_type"));
        assertEquals(List.of("LlamaForCausalLM"), c.get("architectures"));
        assertEquals(16L, c.get("hidden_size"));
        assertEquals(40L, c.get("intermediate_size"));
        assertEquals(2L, c.get("num_hidden_layers"));
        assertEquals(4L, c.get("num_attention_heads"));
        assertEquals(2L, c.get("num_key_value_heads"));
        assertEquals(300L, c.get("vocab_size"));
        assertEquals(64L, c.get("max_position_embeddings"));
        assertEquals(1e-5, (Double) c.get("rms_norm_eps"), 1e-12);
        assertEquals(10000.0, c.get("rope_theta"));
        assertTrue(c.containsKey("rope_scaling") && c.get("rope_scaling") == null);
        assertEquals(true, c.get("tie_word_embeddings"));
        assertEquals(1L, c.get("bos_token_id"));
        assertEquals(2L, c.get("eos_token_id"));
        assertEquals("float32", c.get("torch_dtype"));
        assertFalse(c.containsKey("head_dim"), "head_dim is left out when the spec leaves it 0");

        Map<String, Object> withHeadDim = MiniJson.object(MiniJson.parse(TinyModels.config(
                Spec.tiny().withHeadDim(8).withDtype(DType.BF16))));
        assertEquals(8L, withHeadDim.get("head_dim"));
        assertEquals("bfloat16", withHeadDim.get("torch_dtype"));
    }

    @Test
    void untiedModelsHaveAnLmHeadAndAnExplicitHeadDimChangesProjectionShapes() throws IOException {
        Spec spec = Spec.tiny().withTied(false).withHeadDim(6);
        ReadBack back = ReadBack.of(TinyModels.write(dir, spec).resolve("model.safetensors"));
        assertArrayEquals(new long[]{300, 16}, back.tensors().get("lm_head.weight").shape());
        assertArrayEquals(new long[]{24, 16}, back.tensors().get("model.layers.0.self_attn.q_proj.weight").shape());
        assertArrayEquals(new long[]{12, 16}, back.tensors().get("model.layers.0.self_attn.k_proj.weight").shape());
        assertArrayEquals(new long[]{16, 24}, back.tensors().get("model.layers.0.self_attn.o_proj.weight").shape());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void shardedIndexListsEveryTensorInTheFileThatHoldsIt(DType dtype) throws IOException {
        Spec spec = Spec.tiny().withShards(3).withDtype(dtype).withTied(false);
        Path model = TinyModels.write(dir, spec);
        assertFalse(Files.exists(model.resolve("model.safetensors")));
        Map<String, Object> index = MiniJson.object(MiniJson.parse(
                Files.readString(model.resolve("model.safetensors.index.json"))));
        Map<String, Object> weightMap = MiniJson.object(index.get("weight_map"));
        List<String> names = TinyModels.tensors(spec).stream().map(TensorSpec::name).toList();
        assertEquals(names.stream().sorted().toList(), List.copyOf(weightMap.keySet()));
        long totalSize = 0;
        Map<String, String> seen = new HashMap<>();
        for (int s = 1; s <= 3; s++) {
            String file = "model-0000" + s + "-of-00003.safetensors";
            ReadBack shard = ReadBack.of(model.resolve(file));
            assertFalse(shard.tensors().isEmpty(), file);
            for (Map.Entry<String, ReadBack.Tensor> t : shard.tensors().entrySet()) {
                assertEquals(file, weightMap.get(t.getKey()), t.getKey());
                assertEquals(dtype.name(), t.getValue().dtype());
                assertEquals(null, seen.put(t.getKey(), file), t.getKey() + " in two shards");
                totalSize += t.getValue().bytes().length;
            }
        }
        assertEquals(names.size(), seen.size());
        assertEquals(totalSize, MiniJson.object(index.get("metadata")).get("total_size"));
        Map<String, float[]> weights = TinyModels.weights(spec);
        ReadBack last = ReadBack.of(model.resolve("model-00003-of-00003.safetensors"));
        assertArrayEquals(weights.get("lm_head.weight"), last.tensors().get("lm_head.weight").floats());
    }

    @Test
    void sameSeedGivesTheSameBytesAndAnotherSeedDifferentWeights() throws IOException {
        Spec spec = Spec.tiny().withDtype(DType.BF16).withShards(2);
        Path a = TinyModels.write(dir.resolve("a"), spec);
        Path b = TinyModels.write(dir.resolve("b"), spec);
        Path c = TinyModels.write(dir.resolve("c"), spec.withSeed(spec.seed() + 1));
        List<String> files = list(a);
        assertEquals(files, list(b));
        for (String f : files) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a.resolve("model-00001-of-00002.safetensors")),
                Files.readAllBytes(c.resolve("model-00001-of-00002.safetensors"))));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void weightsAreWhatTheStreamedFileHoldsAndWritingThemInMemoryGivesTheSameBytes(DType dtype) throws IOException {
        Spec spec = Spec.tiny().withDtype(dtype).withTied(false);
        Path streamed = TinyModels.write(dir, spec).resolve("model.safetensors");
        Map<String, float[]> weights = TinyModels.weights(spec);
        ReadBack back = ReadBack.of(streamed);
        SafetensorsWriter inMemory = new SafetensorsWriter();
        for (TensorSpec t : TinyModels.tensors(spec)) {
            assertArrayEquals(weights.get(t.name()), back.tensors().get(t.name()).floats(), t.name());
            inMemory.add(t.name(), dtype, t.shape(), weights.get(t.name()));
        }
        assertArrayEquals(Files.readAllBytes(streamed), Files.readAllBytes(inMemory.write(dir.resolve("mem"))));
    }

    @Test
    void weightScalesKeepNormsNearOneAndMatricesAtTheirStd() {
        Spec spec = Spec.tiny().withHidden(64).withIntermediate(128).withHeads(4, 2);
        Map<String, float[]> weights = TinyModels.weights(spec);
        for (TensorSpec t : TinyModels.tensors(spec)) {
            float[] w = weights.get(t.name());
            double mean = 0, sq = 0;
            for (float v : w) {
                mean += v;
            }
            mean /= w.length;
            for (float v : w) {
                sq += (v - mean) * (v - mean);
            }
            double std = Math.sqrt(sq / w.length);
            if (t.name().endsWith("norm.weight")) {
                for (float v : w) {
                    assertTrue(v > 0.75f && v < 1.25f, t.name() + " " + v);
                }
            } else {
                assertEquals(0, mean, 0.3 * t.std(), t.name() + " mean");
                assertEquals(t.std(), std, 0.2 * t.std(), t.name() + " std");
            }
        }
    }

    @Test
    void specRejectsInconsistentShapes() {
        Spec tiny = Spec.tiny();
        assertThrows(IllegalArgumentException.class, () -> tiny.withHeads(4, 3));
        assertThrows(IllegalArgumentException.class, () -> tiny.withHidden(18));
        assertThrows(IllegalArgumentException.class, () -> tiny.withVocab(258));
        assertThrows(IllegalArgumentException.class, () -> tiny.withDtype(DType.I32));
        assertThrows(IllegalArgumentException.class, () -> tiny.withShards(21));
        assertEquals(20, TinyModels.tensors(tiny.withShards(20)).size());
    }

    private static List<String> list(Path folder) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            files.forEach(f -> out.add(f.getFileName().toString()));
        }
        return out.stream().sorted().toList();
    }
}
