package org.specula.loader;

import org.specula.tensor.SpeculaException;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The fields of a Hugging Face config.json that a Llama-family forward pass needs. Defaults follow transformers'
 * LlamaConfig; unknown {@code model_type} or {@code rope_scaling} types are errors naming the field.
 *
 * @param headDim   per-head size (config head_dim, else hidden / heads)
 * @param bosId     -1 when absent
 * @param eosIds    possibly empty (eos_token_id may be a number or a list)
 */
public record LlamaConfig(int hiddenSize, int intermediateSize, int numLayers, int numHeads, int numKvHeads,
                          int headDim, int vocabSize, int maxPositions, double rmsNormEps, double ropeTheta,
                          RopeScaling ropeScaling, boolean tieWordEmbeddings, int bosId, int[] eosIds) {

    /** rope_scaling of type "llama3" (Llama 3.1+): frequency-dependent interpolation of the RoPE frequencies. */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
    }

    public LlamaConfig {
        eosIds = eosIds.clone();
    }

    @Override
    public int[] eosIds() {
        return eosIds.clone();
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    public int qDim() {
        return numHeads * headDim;
    }

    public boolean isEos(int id) {
        for (int e : eosIds) {
            if (e == id) {
                return true;
            }
        }
        return false;
    }

    public static LlamaConfig load(Path configJson) {
        if (Files.isDirectory(configJson)) {
            throw new SpeculaException(configJson + ": is a directory; config.json must be the model's JSON file");
        }
        String text;
        try {
            text = Files.readString(configJson, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new SpeculaException(configJson + ": is not UTF-8 text; config.json must be UTF-8 JSON");
        } catch (NoSuchFileException e) {
            throw new SpeculaException(configJson + ": not found; a Hugging Face model folder needs config.json");
        } catch (IOException e) {
            throw new SpeculaException(configJson + ": cannot read (" + e.getMessage() + ")");
        }
        return parse(Json.parseObject(text, configJson.toString()), configJson.toString());
    }

    public static LlamaConfig parse(Map<String, Object> json, String source) {
        JsonFields f = new JsonFields(json, source);
        String modelType = f.optionalString("model_type", "llama");
        if (!modelType.equals("llama")) {
            throw new SpeculaException(source + ": model_type \"" + modelType
                    + "\" is not supported; Specula runs Llama-architecture models (model_type \"llama\")");
        }
        String act = f.optionalString("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new SpeculaException(source + ": hidden_act \"" + act + "\" is not supported; Llama uses \"silu\"");
        }
        if (f.optionalBoolean("attention_bias", false) || f.optionalBoolean("mlp_bias", false)) {
            throw new SpeculaException(source + ": attention_bias/mlp_bias true is not supported yet");
        }
        int hidden = f.positiveInt("hidden_size");
        int heads = f.positiveInt("num_attention_heads");
        int kvHeads = f.has("num_key_value_heads") ? f.positiveInt("num_key_value_heads") : heads;
        if (heads % kvHeads != 0) {
            throw new SpeculaException(source + ": num_attention_heads (" + heads
                    + ") must be a multiple of num_key_value_heads (" + kvHeads + ")");
        }
        int headDim;
        if (f.has("head_dim")) {
            headDim = f.positiveInt("head_dim");
        } else {
            if (hidden % heads != 0) {
                throw new SpeculaException(source + ": hidden_size " + hidden + " is not divisible by "
                        + "num_attention_heads " + heads + " and head_dim is absent; add head_dim");
            }
            headDim = hidden / heads;
        }
        if (headDim % 2 != 0) {
            throw new SpeculaException(source + ": head_dim " + headDim + " must be even for RoPE");
        }
        double eps = f.positiveDouble("rms_norm_eps", 1e-6);
        double theta = f.positiveDouble("rope_theta", 10000.0);
        int maxPositions = f.has("max_position_embeddings") ? f.positiveInt("max_position_embeddings") : 2048;
        int intermediate = f.positiveInt("intermediate_size");
        int layers = f.positiveInt("num_hidden_layers");
        int vocab = f.positiveInt("vocab_size");
        RopeScaling scaling = ropeScaling(f.raw("rope_scaling"), source);
        boolean tied = f.optionalBoolean("tie_word_embeddings", false);
        int bos = f.has("bos_token_id") ? tokenId(f.raw("bos_token_id"), vocab, source, "bos_token_id") : -1;
        return new LlamaConfig(hidden, intermediate, layers, heads, kvHeads, headDim, vocab, maxPositions, eps, theta,
                scaling, tied, bos, eosIds(f.raw("eos_token_id"), vocab, source));
    }

    private static RopeScaling ropeScaling(Object value, String source) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?> raw)) {
            throw new SpeculaException(source + ": rope_scaling must be an object or null");
        }
        @SuppressWarnings("unchecked")
        JsonFields f = new JsonFields((Map<String, Object>) raw, source + " rope_scaling");
        String type = f.optionalString("rope_type", f.optionalString("type", "default"));
        return switch (type) {
            case "default" -> null;
            case "llama3" -> llama3(f, source);
            default -> throw new SpeculaException(source + ": rope_scaling type \"" + type
                    + "\" is not supported; supported: llama3 (or null)");
        };
    }

    /**
     * transformers' rope validation requires every field of the llama3 type (it has no defaults for them); we also
     * refuse values that would make the frequencies NaN or infinite: a non-positive factor, high_freq_factor not
     * above low_freq_factor.
     */
    private static RopeScaling llama3(JsonFields f, String source) {
        for (String key : new String[]{"factor", "low_freq_factor", "high_freq_factor",
                "original_max_position_embeddings"}) {
            if (!f.has(key)) {
                throw new SpeculaException(source + ": rope_scaling of rope_type llama3 is missing \"" + key + "\"; it"
                        + " needs factor, low_freq_factor, high_freq_factor and original_max_position_embeddings");
            }
        }
        double factor = f.positiveDouble("factor", 0);
        double low = f.positiveDouble("low_freq_factor", 0);
        double high = f.positiveDouble("high_freq_factor", 0);
        if (!(high > low)) {
            throw new SpeculaException(source + ": field \"high_freq_factor\" (" + high
                    + ") must be greater than low_freq_factor (" + low + ")");
        }
        return new RopeScaling(factor, low, high, f.positiveInt("original_max_position_embeddings"));
    }

    private static int[] eosIds(Object value, int vocabSize, String source) {
        if (value == null) {
            return new int[0];
        }
        if (value instanceof List<?> list) {
            int[] ids = new int[list.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = tokenId(list.get(i), vocabSize, source, "eos_token_id[" + i + "]");
            }
            return ids;
        }
        return new int[]{tokenId(value, vocabSize, source, "eos_token_id")};
    }

    /** A token id field: an integer in 0..vocab_size-1, since the embedding has no row for any other. */
    private static int tokenId(Object value, int vocabSize, String source, String field) {
        if (!(value instanceof Long l)) {
            throw new SpeculaException(source + ": field \"" + field + "\" must be an integer token id"
                    + (field.equals("eos_token_id") ? " or a list of them" : "") + " (got " + value + ")");
        }
        if (l < 0 || l >= vocabSize) {
            throw new SpeculaException(source + ": field \"" + field + "\" is " + l + ", outside the vocabulary 0.."
                    + (vocabSize - 1) + " (vocab_size " + vocabSize + "); fix the id or remove the field");
        }
        return (int) (long) l;
    }

    /**
     * RoPE inverse frequencies [headDim/2]: theta^(-2i/headDim), adjusted per llama3 rope_scaling when present.
     */
    public double[] ropeInverseFrequencies() {
        int half = headDim / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            inv[i] = 1.0 / Math.pow(ropeTheta, (2.0 * i) / headDim);
        }
        if (ropeScaling != null) {
            double lowWavelen = ropeScaling.originalMaxPositions() / ropeScaling.lowFreqFactor();
            double highWavelen = ropeScaling.originalMaxPositions() / ropeScaling.highFreqFactor();
            for (int i = 0; i < half; i++) {
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen > lowWavelen) {
                    inv[i] = inv[i] / ropeScaling.factor();
                } else if (wavelen >= highWavelen) {
                    double smooth = (ropeScaling.originalMaxPositions() / wavelen - ropeScaling.lowFreqFactor())
                            / (ropeScaling.highFreqFactor() - ropeScaling.lowFreqFactor());
                    inv[i] = (1 - smooth) * inv[i] / ropeScaling.factor() + smooth * inv[i];
                }
            }
        }
        return inv;
    }
}
