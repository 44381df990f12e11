package org.specula.model;

import org.specula.loader.JsonFields;
import org.specula.loader.ModelFolder;
import org.specula.tensor.Kernels;
import org.specula.tensor.SpeculaException;
import org.specula.tensor.Tensor;

/**
 * Medusa-1 heads (FasterDecoding/Medusa's format: {@code medusa_lm_head.safetensors} and a config.json with
 * {@code medusa_num_heads} and {@code medusa_num_layers}). Head k reads the target's last hidden state h_t after the
 * final norm and predicts token t + 2 + k with one residual block and its own LM head:
 * {@code logits_k = W1_k · (h + SiLU(W0_k · h + b0_k))}. The heads attend to nothing, so they keep no cache.
 */
public final class MedusaHeads {
    /** The weights file of FasterDecoding/Medusa's format. */
    public static final String WEIGHTS = "medusa_lm_head.safetensors";

    private final Kernels kernels;
    private final Tensor[] w0;      // [heads][dim, dim]
    private final float[][] b0;     // [heads][dim]
    private final Tensor[] w1;      // [heads][vocab, dim]
    private final int dim;
    private final float[] h;        // [dim] the hidden state read
    private final float[] block;    // [dim] h + SiLU(W0 h + b0)

    private MedusaHeads(Kernels kernels, Tensor[] w0, float[][] b0, Tensor[] w1, int dim) {
        this.kernels = kernels;
        this.w0 = w0;
        this.b0 = b0;
        this.w1 = w1;
        this.dim = dim;
        this.h = new float[dim];
        this.block = new float[dim];
    }

    /**
     * Binds the heads in folder (opened with {@link ModelFolder#openTensors}) to target, whose hidden size and
     * vocabulary they must have; anything else is a one-line error naming the file and the field or tensor.
     */
    public static MedusaHeads load(ModelFolder folder, Llama target) {
        String configName = folder.dir().resolve("config.json").toString();
        if (!folder.hasFile("config.json") || !folder.hasFile(WEIGHTS)) {
            throw new SpeculaException(folder.dir() + ": not a Medusa folder (expected config.json and " + WEIGHTS
                    + ")");
        }
        JsonFields config = new JsonFields(folder.json("config.json"), configName);
        if (!config.has("medusa_num_heads")) {
            throw new SpeculaException(configName + ": missing field \"medusa_num_heads\"; a Medusa config.json "
                    + "gives the number of heads");
        }
        int heads = config.positiveInt("medusa_num_heads");
        int layers = config.has("medusa_num_layers") ? config.positiveInt("medusa_num_layers") : 1;
        if (layers != 1) {
            throw new SpeculaException(configName + ": field \"medusa_num_layers\" is " + layers + "; Specula reads "
                    + "Medusa-1 heads with one residual block (medusa_num_layers 1)");
        }
        int dim = target.config.hiddenSize();
        int vocab = target.config.vocabSize();
        checkSame(config, "hidden_size", dim, configName);
        checkSame(config, "vocab_size", vocab, configName);
        Llama.Binder b = new Llama.Binder(folder, "the target's hidden_size " + dim + " and vocab_size " + vocab,
                "the heads were not made for this target");
        Tensor[] w0 = new Tensor[heads];
        float[][] b0 = new float[heads][];
        Tensor[] w1 = new Tensor[heads];
        for (int k = 0; k < heads; k++) {
            w0[k] = b.matrix(k + ".0.linear.weight", dim, dim);
            b0[k] = b.vector(k + ".0.linear.bias", dim);
            w1[k] = b.matrix(k + ".1.weight", vocab, dim);
        }
        return new MedusaHeads(target.kernels, w0, b0, w1, dim);
    }

    /** A drafter's size field, when present, must equal the target's. */
    static void checkSame(JsonFields config, String key, int target, String file) {
        if (config.has(key) && config.positiveInt(key) != target) {
            throw new SpeculaException(file + ": field \"" + key + "\" is " + config.positiveInt(key)
                    + " but the target's is " + target + "; the drafter was not made for this target");
        }
    }

    /** Number of heads: head k predicts k + 2 tokens past the hidden state's position. */
    public int count() {
        return w0.length;
    }

    /** Head k's logits [vocab] into out, for the hidden state features[offset .. offset + hiddenSize). */
    public void logits(int k, float[] features, int offset, float[] out) {
        System.arraycopy(features, offset, h, 0, dim);
        kernels.matmul(block, w0[k], h, 1);
        float[] bias = b0[k];
        for (int i = 0; i < dim; i++) {
            float z = block[i] + bias[i];
            block[i] = h[i] + z / (1 + (float) Math.exp(-z)); // h + SiLU(z)
        }
        kernels.matmul(out, w1[k], block, 1);
    }
}
