package org.specula.model;

import org.specula.loader.LlamaConfig;
import org.specula.loader.ModelFolder;
import org.specula.tensor.DType;
import org.specula.tensor.Kernels;
import org.specula.tensor.SpeculaException;
import org.specula.tensor.Tensor;

import java.util.Arrays;

/**
 * A Llama-architecture model bound to its weights by Hugging Face (LlamaForCausalLM) tensor names, with shapes
 * checked against config.json. Weights stay where the loader put them (mapped file slices or aligned copies); only the small norm
 * vectors are copied to float arrays. Run it through a {@link ForwardPass}.
 */
public final class Llama {
    /** One decoder layer's weights. */
    record Layer(float[] attnNorm,  // [dim]
                 Tensor wq,         // [nHeads * headDim, dim]
                 Tensor wk,         // [nKvHeads * headDim, dim]
                 Tensor wv,         // [nKvHeads * headDim, dim]
                 Tensor wo,         // [dim, nHeads * headDim]
                 float[] ffnNorm,   // [dim]
                 Tensor wGate,      // [hidden, dim]
                 Tensor wUp,        // [hidden, dim]
                 Tensor wDown) {    // [dim, hidden]
    }

    final LlamaConfig config;
    final Kernels kernels;
    final Tensor embed;       // [vocab, dim]
    final Layer[] layers;
    final float[] finalNorm;  // [dim]
    final Tensor lmHead;      // [vocab, dim] (the embedding when tied)

    private Llama(LlamaConfig config, Kernels kernels, Tensor embed, Layer[] layers, float[] finalNorm,
                  Tensor lmHead) {
        this.config = config;
        this.kernels = kernels;
        this.embed = embed;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
    }

    /** Binds the folder's tensors; the folder must stay open while the model is used. */
    public static Llama load(ModelFolder folder, Kernels kernels) {
        LlamaConfig c = folder.config();
        Binder b = new Binder(folder, "config.json", "config.json and the weights disagree");
        int dim = c.hiddenSize();
        Tensor embed = b.matrix("model.embed_tokens.weight", c.vocabSize(), dim);
        Layer[] layers = new Layer[c.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = b.layer(c, "model.layers." + l + ".", true);
        }
        float[] finalNorm = b.vector("model.norm.weight", dim);
        Tensor lmHead = folder.has("lm_head.weight") ? b.matrix("lm_head.weight", c.vocabSize(), dim) : embed;
        if (lmHead == embed && !c.tieWordEmbeddings()) {
            // transformers would initialise a missing untied head randomly; we refuse rather than guess.
            throw new SpeculaException(folder.dir() + ": missing tensor \"lm_head.weight\" while config.json has "
                    + "tie_word_embeddings false; set it to true if the head shares the embedding");
        }
        return new Llama(c, kernels, embed, layers, finalNorm, lmHead);
    }

    public LlamaConfig config() {
        return config;
    }

    public Kernels kernels() {
        return kernels;
    }

    /**
     * A forward pass with its own KV cache of {@code context} positions in {@link #defaultKvDType()} and its
     * activation buffers.
     */
    public ForwardPass newForwardPass(int context) {
        return new ForwardPass(this, context, defaultKvDType());
    }

    /** A forward pass whose KV cache stores keys and values as kvDType (F32, BF16 or F16). */
    public ForwardPass newForwardPass(int context, DType kvDType) {
        return new ForwardPass(this, context, kvDType);
    }

    /**
     * The KV cache dtype when none is asked for: the dtype of the attention weights (layer 0's query projection), so
     * a BF16 model gets a BF16 cache (half the bytes per step) and an F32 model keeps F32 and its reference tolerances.
     */
    public DType defaultKvDType() {
        return layers[0].wq().dtype();
    }

    /** {@link #defaultKvDType()} read from a folder without loading the model (F32 when the tensor is missing). */
    public static DType defaultKvDType(ModelFolder folder) {
        String q = "model.layers.0.self_attn.q_proj.weight";
        return folder.tensors().containsKey(q) ? folder.tensor(q).dtype() : DType.F32;
    }

    /**
     * Checks tensor names, shapes and dtypes against what {@code implier} (config.json, or the target a drafter must
     * fit) implies; a wrong shape's one-line error ends with {@code advice}.
     */
    record Binder(ModelFolder folder, String implier, String advice) {
        Tensor matrix(String name, int rows, int cols) {
            Tensor t = folder.tensor(name);
            check(t, new long[]{rows, cols});
            if (!t.dtype().isFloatWeight()) {
                throw new SpeculaException(folder.dir() + ": tensor \"" + name + "\" has dtype " + t.dtype()
                        + "; weights must be F32, F16 or BF16");
            }
            return t;
        }

        /**
         * A decoder layer's weights under prefix, in c's shape; without an input norm (EAGLE's layer) its attnNorm is
         * null.
         */
        Layer layer(LlamaConfig c, String p, boolean inputNorm) {
            int dim = c.hiddenSize();
            return new Layer(
                    inputNorm ? vector(p + "input_layernorm.weight", dim) : null,
                    matrix(p + "self_attn.q_proj.weight", c.qDim(), dim),
                    matrix(p + "self_attn.k_proj.weight", c.kvDim(), dim),
                    matrix(p + "self_attn.v_proj.weight", c.kvDim(), dim),
                    matrix(p + "self_attn.o_proj.weight", dim, c.qDim()),
                    vector(p + "post_attention_layernorm.weight", dim),
                    matrix(p + "mlp.gate_proj.weight", c.intermediateSize(), dim),
                    matrix(p + "mlp.up_proj.weight", c.intermediateSize(), dim),
                    matrix(p + "mlp.down_proj.weight", dim, c.intermediateSize()));
        }

        float[] vector(String name, int n) {
            Tensor t = folder.tensor(name);
            check(t, new long[]{n});
            return t.toFloatArray();
        }

        private void check(Tensor t, long[] expected) {
            if (!Arrays.equals(t.shape(), expected)) {
                throw new SpeculaException(folder.dir() + ": tensor \"" + t.name() + "\" has shape "
                        + t.shapeString() + " but " + implier + " implies " + Arrays.toString(expected)
                        + "; " + advice);
            }
        }
    }
}
