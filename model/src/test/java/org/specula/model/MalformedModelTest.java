package org.specula.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.loader.ModelFolder;
import org.specula.tensor.DType;
import org.specula.tensor.ScalarKernels;
import org.specula.tensor.SpeculaException;
import org.specula.testdata.SafetensorsWriter;
import org.specula.testdata.TinyModels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Weights that do not fit config.json fail at load with one line naming the folder and the tensor. */
class MalformedModelTest {
    @TempDir
    Path tmp;

    /** A tiny model whose safetensors are rewritten: edit returns the dtype to write a tensor as, or null to drop it. */
    private Path model(TinyModels.Spec spec, BiFunction<String, float[], DType> edit) {
        Path dir = TinyModels.write(tmp.resolve("m"), spec);
        SafetensorsWriter w = new SafetensorsWriter();
        for (Map.Entry<String, float[]> e : TinyModels.weights(spec).entrySet()) {
            DType dtype = edit.apply(e.getKey(), e.getValue());
            if (dtype != null) {
                long[] shape = TinyModels.tensors(spec).stream().filter(t -> t.name().equals(e.getKey()))
                        .findFirst().orElseThrow().shape();
                float[] values = e.getValue();
                if (dtype == DType.I32) {
                    values = new float[values.length];
                }
                w.add(e.getKey(), dtype, shape, values);
            }
        }
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }

    private String loadError(Path dir) {
        SpeculaException e = assertThrows(SpeculaException.class, () -> {
            try (ModelFolder folder = ModelFolder.open(dir)) {
                Llama.load(folder, new ScalarKernels());
            }
        });
        assertTrue(e.getMessage().startsWith(dir.toString()), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void missingTensor() {
        String msg = loadError(model(TinyModels.Spec.tiny(),
                (name, v) -> name.equals("model.layers.1.mlp.up_proj.weight") ? null : DType.F32));
        assertTrue(msg.contains("missing tensor \"model.layers.1.mlp.up_proj.weight\""), msg);
    }

    @Test
    void integerWeights() {
        String msg = loadError(model(TinyModels.Spec.tiny(),
                (name, v) -> name.equals("model.layers.0.self_attn.q_proj.weight") ? DType.I32 : DType.F32));
        assertTrue(msg.contains("q_proj") && msg.contains("I32"), msg);
    }

    @Test
    void untiedConfigWithoutHead() throws IOException {
        TinyModels.Spec spec = TinyModels.Spec.tiny();
        Path dir = TinyModels.write(tmp.resolve("m"), spec);
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"tie_word_embeddings\": true",
                "\"tie_word_embeddings\": false"));
        assertTrue(Files.readString(config).contains("\"tie_word_embeddings\": false"));
        assertTrue(loadError(dir).contains("lm_head.weight"));
    }

    @Test
    void shapeDisagreesWithConfig() throws IOException {
        Path dir = TinyModels.write(tmp.resolve("m"), TinyModels.Spec.tiny());
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"vocab_size\": 300", "\"vocab_size\": 301"));
        String msg = loadError(dir);
        assertTrue(msg.contains("embed_tokens") && msg.contains("config.json"), msg);
    }
}
