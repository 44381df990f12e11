package org.specula.testdata;

import org.specula.tensor.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Seeded random Llama models written as real Hugging Face folders: config.json, model.safetensors (or shards plus
 * model.safetensors.index.json), and a SentencePiece-style tokenizer ({@link TokenizerFiles}). Tensor names and
 * shapes are those of transformers' {@code LlamaForCausalLM}.
 *
 * <p>Weights come from a counter-based generator (SplitMix64 of seed, tensor name and element index, the stream
 * {@link java.util.SplittableRandom} walks), so any element can be computed on its own: {@link #write} streams
 * multi-GB models chunk by chunk and {@link #weights} returns the very same values in memory. Scales keep logits
 * O(1): embeddings and lm_head have std 2/√hidden, q/k/v/gate/up 1/√fan_in, o/down 0.5/√fan_in, norms 1 ± ~0.1.
 */
public final class TinyModels {
    private TinyModels() {
    }

    /** Llama 3 rope scaling ({@code "rope_type":"llama3"}), as in Llama-3.2's config.json. */
    public record Llama3RopeScaling(double factor, double lowFreqFactor, double highFreqFactor,
                                    int originalMaxPositions) {
    }

    /**
     * The shape and contents of a model. {@code headDim} 0 means hidden / heads and leaves head_dim out of
     * config.json; any other value is written. {@code ropeScaling} null writes {@code "rope_scaling": null}.
     */
    public record Spec(int hidden, int intermediate, int layers, int heads, int kvHeads, int headDim, int vocab,
                       int maxPositions, boolean tied, DType dtype, int shards, long seed, double ropeTheta,
                       float rmsNormEps, Llama3RopeScaling ropeScaling) {
        public Spec {
            if (hidden <= 0 || intermediate <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || maxPositions <= 0) {
                throw new IllegalArgumentException("sizes must be positive");
            }
            if (heads % kvHeads != 0) {
                throw new IllegalArgumentException("heads " + heads + " not a multiple of kvHeads " + kvHeads);
            }
            if (headDim == 0 && hidden % heads != 0) {
                throw new IllegalArgumentException("hidden " + hidden + " not a multiple of heads " + heads);
            }
            int effectiveHeadDim = headDim != 0 ? headDim : hidden / heads;
            if (headDim < 0 || effectiveHeadDim % 2 != 0) {
                throw new IllegalArgumentException("head dim " + effectiveHeadDim + " must be even (RoPE pairs)");
            }
            if (vocab < TokenizerFiles.FIRST_PIECE) {
                throw new IllegalArgumentException("vocab " + vocab + " < " + TokenizerFiles.FIRST_PIECE);
            }
            if (!dtype.isFloatWeight()) {
                throw new IllegalArgumentException("weights must be F32, F16 or BF16, not " + dtype);
            }
            if (shards < 1 || shards > tensorCount(layers, tied)) {
                throw new IllegalArgumentException("shards " + shards + " outside 1.." + tensorCount(layers, tied));
            }
        }

        /** hidden 16, intermediate 40, 2 layers, 4 heads, 2 kv heads, vocab 300, 64 positions, tied, F32, 1 shard. */
        public static Spec tiny() {
            return new Spec(16, 40, 2, 4, 2, 0, 300, 64, true, DType.F32, 1, 42, 10000.0, 1e-5f, null);
        }

        /** The head dimension in use: {@code headDim}, or hidden / heads when that is 0. */
        public int effectiveHeadDim() {
            return headDim != 0 ? headDim : hidden / heads;
        }

        /** Number of parameters (elements over all tensors). */
        public long parameterCount() {
            long total = 0;
            for (TensorSpec t : tensors(this)) {
                total += t.elements();
            }
            return total;
        }

        public Spec withHidden(int v) {
            return new Spec(v, intermediate, layers, heads, kvHeads, headDim, vocab, maxPositions, tied, dtype,
                    shards, seed, ropeTheta, rmsNormEps, ropeScaling);
        }

        public Spec withIntermediate(int v) {
            return new Spec(hidden, v, layers, heads, kvHeads, headDim, vocab, maxPositions, tied, dtype,
                    shards, seed, ropeTheta, rmsNormEps, ropeScaling);
        }

        public Spec withLayers(int v) {
            return new Spec(hidden, intermediate, v, heads, kvHeads, headDim, vocab, maxPositions, tied, dtype,
                    shards, seed, ropeTheta, rmsNormEps, ropeScaling);
        }

        /** Sets attention heads and kv heads together (they constrain each other). */
        public Spec withHeads(int heads, int kvHeads) {
            return new Spec(hidden, intermediate, layers, heads, kvHeads, headDim, vocab, maxPositions, tied, dtype,
                    shards, seed, ropeTheta, rmsNormEps, ropeScaling);
        }

        public Spec withHeadDim(int v) {
            return new Spec(hidden, intermediate, layers, heads, kvHeads, v, vocab, maxPositions, tied, dtype,
                    shards, seed, ropeTheta, rmsNormEps, ropeScaling);
        }

        public Spec withVocab(int v) {
            return new Spec(hidden, intermediate, layers, heads, kvHeads, headDim, v, maxPositions, tied, dtype,
                    shards, seed, ropeTheta, rmsNormEps, ropeScaling);
        }

        public Spec withMaxPositions(int v) {
            return new Spec(hidden, intermediate, layers, heads, kvHeads, headDim, vocab, v, tied, dtype,
                    shards, seed, ropeTheta, rmsNormEps, ropeScaling);
        }

        public Spec withTied(boolean v) {
            return new Spec(hidden, intermediate, layers, heads, kvHeads, headDim, vocab, maxPositions, v, dtype,
                    shards, seed, ropeTheta, rmsNormEps, ropeScaling);
        }

        public Spec withDtype(DType v) {
            return new Spec(hidden, intermediate, layers, heads, kvHeads, headDim, vocab, maxPositions, tied, v,
                    shards, seed, ropeTheta, rmsNormEps, ropeScaling);
        }

        public Spec withShards(int v) {
            return new Spec(hidden, intermediate, layers, heads, kvHeads, headDim, vocab, maxPositions, tied, dtype,
                    v, seed, ropeTheta, rmsNormEps, ropeScaling);
        }

        public Spec withSeed(long v) {
            return new Spec(hidden, intermediate, layers, heads, kvHeads, headDim, vocab, maxPositions, tied, dtype,
                    shards, v, ropeTheta, rmsNormEps, ropeScaling);
        }

        public Spec withRopeTheta(double v) {
            return new Spec(hidden, intermediate, layers, heads, kvHeads, headDim, vocab, maxPositions, tied, dtype,
                    shards, seed, v, rmsNormEps, ropeScaling);
        }

        public Spec withRmsNormEps(float v) {
            return new Spec(hidden, intermediate, layers, heads, kvHeads, headDim, vocab, maxPositions, tied, dtype,
                    shards, seed, ropeTheta, v, ropeScaling);
        }

        public Spec withRopeScaling(Llama3RopeScaling v) {
            return new Spec(hidden, intermediate, layers, heads, kvHeads, headDim, vocab, maxPositions, tied, dtype,
                    shards, seed, ropeTheta, rmsNormEps, v);
        }
    }

    /** One tensor of a model: name, shape (outermost first) and the distribution its values are drawn from. */
    public record TensorSpec(String name, long[] shape, float mean, float std) {
        public long elements() {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            return n;
        }
    }

    /** The model's tensors in file order: embeddings, layers 0.., final norm, lm_head when untied. */
    public static List<TensorSpec> tensors(Spec spec) {
        int h = spec.hidden(), f = spec.intermediate(), hd = spec.effectiveHeadDim();
        int q = spec.heads() * hd, kv = spec.kvHeads() * hd;
        float embedStd = (float) (2 / Math.sqrt(h));
        List<TensorSpec> out = new ArrayList<>();
        out.add(new TensorSpec("model.embed_tokens.weight", new long[]{spec.vocab(), h}, 0, embedStd));
        for (int i = 0; i < spec.layers(); i++) {
            String p = "model.layers." + i + ".";
            out.add(norm(p + "input_layernorm.weight", h));
            out.add(matrix(p + "self_attn.q_proj.weight", q, h, 1));     // [heads * headDim, hidden]
            out.add(matrix(p + "self_attn.k_proj.weight", kv, h, 1));    // [kvHeads * headDim, hidden]
            out.add(matrix(p + "self_attn.v_proj.weight", kv, h, 1));    // [kvHeads * headDim, hidden]
            out.add(matrix(p + "self_attn.o_proj.weight", h, q, 0.5));   // [hidden, heads * headDim]
            out.add(norm(p + "post_attention_layernorm.weight", h));
            out.add(matrix(p + "mlp.gate_proj.weight", f, h, 1));        // [intermediate, hidden]
            out.add(matrix(p + "mlp.up_proj.weight", f, h, 1));          // [intermediate, hidden]
            out.add(matrix(p + "mlp.down_proj.weight", h, f, 0.5));      // [hidden, intermediate]
        }
        out.add(norm("model.norm.weight", h));
        if (!spec.tied()) {
            out.add(new TensorSpec("lm_head.weight", new long[]{spec.vocab(), h}, 0, embedStd));
        }
        return out;
    }

    /** Writes the model folder into {@code dir} (created if missing) and returns {@code dir}. */
    public static Path write(Path dir, Spec spec) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("creating " + dir, e);
        }
        writeText(dir.resolve("config.json"), config(spec));
        writeText(dir.resolve("generation_config.json"), """
                {
                  "_from_model_config": true,
                  "bos_token_id": 1,
                  "eos_token_id": 2
                }""");
        TokenizerFiles.write(dir, spec.vocab(), spec.maxPositions());
        List<TensorSpec> tensors = tensors(spec);
        int[] shardOf = assignShards(tensors, spec);
        int n = spec.shards();
        Map<String, String> weightMap = new TreeMap<>();
        long totalSize = 0;
        for (int s = 0; s < n; s++) {
            String file = n == 1 ? "model.safetensors"
                    : String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", s + 1, n);
            SafetensorsWriter w = new SafetensorsWriter();
            for (int t = 0; t < tensors.size(); t++) {
                if (shardOf[t] == s) {
                    TensorSpec ts = tensors.get(t);
                    w.addGenerated(ts.name(), spec.dtype(), ts.shape(), source(spec.seed(), ts));
                    weightMap.put(ts.name(), file);
                }
            }
            totalSize += w.dataSize();
            w.write(dir.resolve(file));
        }
        if (n > 1) {
            StringBuilder index = new StringBuilder("{\n  \"metadata\": {\n    \"total_size\": ").append(totalSize)
                    .append("\n  },\n  \"weight_map\": {\n");
            String sep = "";
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                index.append(sep).append("    ").append(JsonText.quote(e.getKey())).append(": ")
                        .append(JsonText.quote(e.getValue()));
                sep = ",\n";
            }
            writeText(dir.resolve("model.safetensors.index.json"), index.append("\n  }\n}").toString());
        }
        return dir;
    }

    /**
     * The weights {@link #write} stores, by name in file order, already rounded to the spec's dtype, so an
     * independent reference computes on exactly what a loader reads. Only for models that fit in heap.
     */
    public static Map<String, float[]> weights(Spec spec) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (TensorSpec ts : tensors(spec)) {
            SafetensorsWriter.ElementSource source = source(spec.seed(), ts);
            float[] values = new float[Math.toIntExact(ts.elements())];
            for (int i = 0; i < values.length; i++) {
                values[i] = SafetensorsWriter.roundTo(spec.dtype(), source.valueAt(i));
            }
            out.put(ts.name(), values);
        }
        return out;
    }

    /** config.json as transformers writes it for LlamaForCausalLM. */
    public static String config(Spec spec) {
        String ropeScaling = spec.ropeScaling() == null ? "null" : String.format(Locale.ROOT, """
                {
                    "rope_type": "llama3",
                    "factor": %s,
                    "low_freq_factor": %s,
                    "high_freq_factor": %s,
                    "original_max_position_embeddings": %d
                  }""", spec.ropeScaling().factor(), spec.ropeScaling().lowFreqFactor(),
                spec.ropeScaling().highFreqFactor(), spec.ropeScaling().originalMaxPositions());
        String headDim = spec.headDim() == 0 ? "" : "  \"head_dim\": " + spec.headDim() + ",\n";
        String torchDtype = switch (spec.dtype()) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        };
        return String.format(Locale.ROOT, """
                {
                  "architectures": [
                    "LlamaForCausalLM"
                  ],
                  "model_type": "llama",
                  "hidden_size": %d,
                  "intermediate_size": %d,
                  "num_hidden_layers": %d,
                  "num_attention_heads": %d,
                  "num_key_value_heads": %d,
                %s  "vocab_size": %d,
                  "max_position_embeddings": %d,
                  "rms_norm_eps": %s,
                  "rope_theta": %s,
                  "rope_scaling": %s,
                  "hidden_act": "silu",
                  "attention_bias": false,
                  "attention_dropout": 0.0,
                  "mlp_bias": false,
                  "initializer_range": 0.02,
                  "pretraining_tp": 1,
                  "tie_word_embeddings": %s,
                  "bos_token_id": 1,
                  "eos_token_id": 2,
                  "use_cache": true,
                  "torch_dtype": "%s"
                }""", spec.hidden(), spec.intermediate(), spec.layers(), spec.heads(), spec.kvHeads(), headDim,
                spec.vocab(), spec.maxPositions(), Float.toString(spec.rmsNormEps()),
                Double.toString(spec.ropeTheta()), ropeScaling, spec.tied(), torchDtype);
    }

    /** Element i of tensor {@code ts}: mean + std · (an Irwin–Hall(4) variate scaled to unit variance). */
    static SafetensorsWriter.ElementSource source(long seed, TensorSpec ts) {
        long stream = mix64(seed ^ mix64(ts.name().hashCode() + 0x9E3779B97F4A7C15L));
        float mean = ts.mean(), std = ts.std();
        return index -> {
            long bits = mix64(stream + index * 0x9E3779B97F4A7C15L);
            int sum = (int) (bits & 0xFFFF) + (int) ((bits >>> 16) & 0xFFFF)
                    + (int) ((bits >>> 32) & 0xFFFF) + (int) (bits >>> 48);
            float unit = (sum - 2 * 65535) * (float) (Math.sqrt(3.0) / 65536.0);
            return mean + std * unit;
        };
    }

    /** SplitMix64's finaliser (the mixing step of {@link java.util.SplittableRandom}). */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static TensorSpec matrix(String name, int rows, int cols, double gain) {
        return new TensorSpec(name, new long[]{rows, cols}, 0, (float) (gain / Math.sqrt(cols)));
    }

    private static TensorSpec norm(String name, int size) {
        return new TensorSpec(name, new long[]{size}, 1, 0.05f);
    }

    private static int tensorCount(int layers, boolean tied) {
        return 9 * layers + 2 + (tied ? 0 : 1);
    }

    /** Contiguous runs of tensors of about total/shards bytes each; every shard gets at least one tensor. */
    private static int[] assignShards(List<TensorSpec> tensors, Spec spec) {
        long total = 0;
        for (TensorSpec t : tensors) {
            total += t.elements();
        }
        int n = spec.shards(), shard = 0, inShard = 0;
        long done = 0;
        int[] shardOf = new int[tensors.size()];
        for (int t = 0; t < tensors.size(); t++) {
            boolean full = done >= (shard + 1) * (total / n);
            boolean mustMove = tensors.size() - t == n - 1 - shard;
            if (shard < n - 1 && inShard > 0 && (full || mustMove)) {
                shard++;
                inShard = 0;
            }
            shardOf[t] = shard;
            inShard++;
            done += tensors.get(t).elements();
        }
        return shardOf;
    }

    private static void writeText(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }
}
