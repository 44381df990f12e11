package org.specula.model;

import org.specula.loader.JsonFields;
import org.specula.loader.LlamaConfig;
import org.specula.loader.ModelFolder;
import org.specula.tensor.Kernels;
import org.specula.tensor.SpeculaException;
import org.specula.tensor.Tensor;

import java.util.Arrays;

/**
 * A one-layer drafter that reads the target's hidden states and drafts as a chain: at its position i it takes the
 * token t_{i+1} and the feature h_i (the target's last hidden state after the final norm, or its own previous output
 * y when chaining), runs one Llama decoder layer with causal attention over its positions 0..i and RoPE position i,
 * and gives logits for token t_{i+2}. Two public formats:
 * <ul>
 * <li>EAGLE-1 (SafeAILab/EAGLE: model.safetensors, a Llama config.json with one layer):
 *     {@code x = fc(concat(embed(t), h)) + fc.bias}; the layer has no input norm; {@code logits = lmHead_target(y)}.</li>
 * <li>DeepSeek-V3 MTP (keys under {@code model.layers.{num_hidden_layers}.}):
 *     {@code x = eh_proj(concat(enorm(embed(t)), hnorm(h)))}; a full decoder layer;
 *     {@code logits = shared_head.head(shared_head.norm(y))}.</li>
 * </ul>
 * The weights are bound here; a {@link Pass} holds a KV cache and runs them.
 */
public final class ChainHead {
    /** The format the weights came in. */
    public enum Kind { EAGLE, MTP }

    /** The MTP configuration file of a folder that holds only the module (its weights in any *.safetensors). */
    public static final String MTP_CONFIG = "mtp_config.json";

    private final Kind kind;
    private final LlamaConfig config; // the layer's shape
    private final Kernels kernels;
    private final Tensor embed;       // [vocab, dim]
    private final float[] enorm;      // [dim] MTP only
    private final float[] hnorm;      // [dim] MTP only
    private final Tensor fc;          // [dim, 2·dim] EAGLE fc or MTP eh_proj, over [embedding | feature]
    private final float[] fcBias;     // [dim] EAGLE only
    private final Llama.Layer layer;  // attnNorm null for EAGLE
    private final float[] outNorm;    // [dim] MTP's shared_head.norm; null for EAGLE
    private final Tensor outHead;     // [vocab, dim] MTP's shared_head.head, or the target's LM head for EAGLE

    private ChainHead(Kind kind, LlamaConfig config, Kernels kernels, Tensor embed, float[] enorm, float[] hnorm,
                      Tensor fc, float[] fcBias, Llama.Layer layer, float[] outNorm, Tensor outHead) {
        this.kind = kind;
        this.config = config;
        this.kernels = kernels;
        this.embed = embed;
        this.enorm = enorm;
        this.hnorm = hnorm;
        this.fc = fc;
        this.fcBias = fcBias;
        this.layer = layer;
        this.outNorm = outNorm;
        this.outHead = outHead;
    }

    public Kind kind() {
        return kind;
    }

    /**
     * Binds an EAGLE-1 head (folder opened with {@link ModelFolder#open}: its config.json is a Llama configuration
     * with one layer) to target, whose hidden size and vocabulary it must have.
     */
    public static ChainHead loadEagle(ModelFolder folder, Llama target) {
        if (!folder.has("fc.weight")) {
            throw new SpeculaException(folder.dir() + ": not an EAGLE folder (its weights have no \"fc.weight\")");
        }
        LlamaConfig c = folder.config();
        String configName = folder.dir().resolve("config.json").toString();
        checkFits(c, target, configName);
        if (c.numLayers() != 1) {
            throw new SpeculaException(configName + ": field \"num_hidden_layers\" is " + c.numLayers()
                    + "; Specula reads EAGLE-1 heads with one decoder layer");
        }
        Llama.Binder b = binder(folder, target);
        int dim = c.hiddenSize();
        Llama.Layer layer = b.layer(c, "layers.0.", false);
        return new ChainHead(Kind.EAGLE, c, target.kernels, b.matrix("embed_tokens.weight", c.vocabSize(), dim),
                null, null, b.matrix("fc.weight", dim, 2 * dim), b.vector("fc.bias", dim), layer, null,
                target.lmHead);
    }

    /**
     * Binds a DeepSeek-V3-style MTP module to target: its keys are under {@code model.layers.{L}.} with L the
     * target's num_hidden_layers, in folder (a module folder with {@link #MTP_CONFIG}, opened with
     * {@link ModelFolder#openTensors}, or the target's own folder when its weights carry the layer).
     */
    public static ChainHead loadMtp(ModelFolder folder, Llama target) {
        LlamaConfig c;
        String configName;
        if (folder.hasFile(MTP_CONFIG)) {
            configName = folder.dir().resolve(MTP_CONFIG).toString();
            java.util.Map<String, Object> json = folder.json(MTP_CONFIG);
            c = LlamaConfig.parse(json, configName);
            checkFits(c, target, configName);
            JsonFields f = new JsonFields(json, configName);
            int layerId = f.has("mtp_layer_id") ? f.positiveInt("mtp_layer_id") : c.numLayers();
            if (layerId != target.config.numLayers()) {
                throw new SpeculaException(configName + ": field \"mtp_layer_id\" is " + layerId + " but the target "
                        + "has " + target.config.numLayers() + " layers; the module's keys must be model.layers."
                        + target.config.numLayers() + ".*");
            }
        } else {
            configName = "the target's config.json";
            c = target.config;
        }
        String p = mtpPrefix(target);
        if (!folder.has(p + "eh_proj.weight")) {
            throw new SpeculaException(folder.dir() + ": not an MTP module (its weights have no \"" + p
                    + "eh_proj.weight\"; the module's keys are model.layers.{num_hidden_layers}.* of the target)");
        }
        Llama.Binder b = binder(folder, target);
        int dim = c.hiddenSize();
        return new ChainHead(Kind.MTP, c, target.kernels, b.matrix(p + "embed_tokens.weight", c.vocabSize(), dim),
                b.vector(p + "enorm.weight", dim), b.vector(p + "hnorm.weight", dim),
                b.matrix(p + "eh_proj.weight", dim, 2 * dim), null, b.layer(c, p, true),
                b.vector(p + "shared_head.norm.weight", dim), b.matrix(p + "shared_head.head.weight", c.vocabSize(), dim));
    }

    /** Whether folder's weights carry an MTP module for target (DeepSeek-V3 style, in the model's own files). */
    public static boolean hasMtp(ModelFolder folder, Llama target) {
        return folder.has(mtpPrefix(target) + "eh_proj.weight");
    }

    private static String mtpPrefix(Llama target) {
        return "model.layers." + target.config.numLayers() + ".";
    }

    private static Llama.Binder binder(ModelFolder folder, Llama target) {
        return new Llama.Binder(folder, "the target's hidden_size " + target.config.hiddenSize() + " and vocab_size "
                + target.config.vocabSize(), "the drafter was not made for this target");
    }

    /** The layer's hidden size and vocabulary must be the target's: it reads its features and drafts its tokens. */
    private static void checkFits(LlamaConfig c, Llama target, String configName) {
        if (c.hiddenSize() != target.config.hiddenSize()) {
            throw new SpeculaException(configName + ": field \"hidden_size\" is " + c.hiddenSize() + " but the "
                    + "target's is " + target.config.hiddenSize() + "; the drafter was not made for this target");
        }
        if (c.vocabSize() != target.config.vocabSize()) {
            throw new SpeculaException(configName + ": field \"vocab_size\" is " + c.vocabSize() + " but the "
                    + "target's is " + target.config.vocabSize() + "; the drafter was not made for this target");
        }
    }

    /** A pass of context positions with its own KV cache (in the layer's weight dtype). */
    public Pass newPass(int context) {
        return new Pass(context);
    }

    /**
     * The drafter's state: a KV cache of its positions and the token each was fed. Position i holds what
     * {@link #feed} computed from (t_{i+1}, h_i); truncate drops positions, as the target's cache does.
     */
    public final class Pass {
        private final KvCache cache;
        private final DecoderLayers stack;
        private final int maxRows;
        private final int[] fed;      // [context] the token fed at each position
        private final float[] in;     // [B][2·dim] concat(embedding, feature) per row
        private final float[] e;      // [B][dim] embeddings (MTP: normed)
        private final float[] h;      // [B][dim] features (MTP: normed)
        private final float[] yNorm;  // [dim] MTP: shared_head.norm(y)
        private final int[] positions; // [B] a tree block's positions

        private Pass(int context) {
            int dim = config.hiddenSize();
            this.cache = new KvCache(1, context, config.numKvHeads(), config.headDim(), layer.wq().dtype());
            this.maxRows = ForwardPass.MAX_BLOCK; // a drafted tree's nodes run as one block
            this.stack = new DecoderLayers(config, kernels, new Llama.Layer[]{layer}, cache, maxRows);
            this.fed = new int[context];
            this.in = new float[maxRows * 2 * dim];
            this.e = new float[maxRows * dim];
            this.h = new float[maxRows * dim];
            this.yNorm = new float[dim];
            this.positions = new int[maxRows];
        }

        /** Most rows a tree block may have. */
        public int maxTreeRows() {
            return maxRows;
        }

        /**
         * Feeds a tree of drafted nodes as one block after the held positions, each attending to those and to its
         * ancestors only (parents[t] &lt; t, −1 for a node after the held positions) at the position of its depth:
         * row t takes token tokens[t] and the feature features[t·dim ..] (its parent's output y, or the last held
         * position's). Every row's y goes to yOut [rows][dim] and its logits to logitsOut [rows][vocab]. The rows
         * stay in the cache until truncate drops them: they are not a sequence.
         */
        public void feedTree(int[] tokens, float[] features, int[] parents, int rows, float[] yOut,
                             float[] logitsOut) {
            int dim = config.hiddenSize();
            if (rows < 1 || rows > maxRows || cache.length() + rows > cache.capacity()) {
                throw new IllegalArgumentException("a drafter tree of " + rows + " rows after " + cache.length()
                        + " positions (at most " + maxRows + " rows, " + cache.capacity() + " positions)");
            }
            int pos = cache.length();
            for (int t = 0; t < rows; t++) {
                if (parents[t] >= t || parents[t] < -1) {
                    throw new IllegalArgumentException("tree row " + t + " has parent " + parents[t]);
                }
                positions[t] = parents[t] < 0 ? pos : positions[parents[t]] + 1;
            }
            java.util.Arrays.fill(fed, pos, pos + rows, -1); // no sequence: a common prefix stops here
            input(tokens, 0, features, 0, rows);
            stack.attention(0, rows, pos, parents, positions);
            stack.mlp(0, rows);
            cache.setLength(pos + rows);
            System.arraycopy(stack.x, 0, yOut, 0, rows * dim);
            if (outNorm == null) {
                kernels.matmul(logitsOut, outHead, stack.x, rows);
            } else {
                kernels.rmsnorm(stack.xb, stack.x, outNorm, rows, dim, (float) config.rmsNormEps());
                kernels.matmul(logitsOut, outHead, stack.xb, rows);
            }
        }

        /** Positions held. */
        public int length() {
            return cache.length();
        }

        /** The drafter's KV cache (tests compare it with a fresh computation). */
        public KvCache cache() {
            return cache;
        }

        public int context() {
            return cache.capacity();
        }

        /** Forgets positions ≥ n. */
        public void truncate(int n) {
            cache.truncate(n);
        }

        /** Length of the longest prefix of positions whose fed tokens equal tokens[from .. from + n). */
        public int commonPrefix(int[] tokens, int from, int n) {
            int limit = Math.min(n, cache.length());
            int mismatch = Arrays.mismatch(fed, 0, limit, tokens, from, from + limit);
            return mismatch < 0 ? limit : mismatch;
        }

        /**
         * Feeds rows at positions length() .. length() + rows − 1: row r takes token tokens[tokenFrom + r] and the
         * feature features[featureOffset + r·dim ..]. The last row's output y goes to yOut [dim] (the feature a
         * chained draft feeds back; it may be the features array itself) and its logits to logitsOut [vocab].
         */
        public void feed(int[] tokens, int tokenFrom, float[] features, int featureOffset, int rows, float[] yOut,
                         float[] logitsOut) {
            int dim = config.hiddenSize();
            int vocab = config.vocabSize();
            if (rows < 1 || cache.length() + rows > cache.capacity()) {
                throw new IllegalArgumentException("feeding " + rows + " rows after " + cache.length()
                        + " positions of a drafter pass holding " + cache.capacity());
            }
            for (int r = 0; r < rows; r++) {
                int id = tokens[tokenFrom + r];
                if (id < 0 || id >= vocab) {
                    throw new SpeculaException("token id " + id + " is outside the vocabulary [0, " + vocab + ")");
                }
            }
            System.arraycopy(tokens, tokenFrom, fed, cache.length(), rows);
            for (int done = 0; done < rows; ) {
                int n = Math.min(maxRows, rows - done);
                input(tokens, tokenFrom + done, features, featureOffset + done * dim, n);
                int pos = cache.length();
                stack.attention(0, n, pos);
                stack.mlp(0, n);
                cache.setLength(pos + n);
                done += n;
                if (done == rows) {
                    System.arraycopy(stack.x, (n - 1) * dim, stack.proj, 0, dim);
                    if (outNorm == null) {
                        kernels.matmul(logitsOut, outHead, stack.proj, 1);
                    } else {
                        kernels.rmsnorm(yNorm, stack.proj, outNorm, 1, dim, (float) config.rmsNormEps());
                        kernels.matmul(logitsOut, outHead, yNorm, 1);
                    }
                    System.arraycopy(stack.proj, 0, yOut, 0, dim);
                }
            }
        }

        /** stack.x[n][dim] = fc(concat(embedding, feature)) for n rows: the layer's input. */
        private void input(int[] tokens, int tokenFrom, float[] features, int featureOffset, int n) {
            int dim = config.hiddenSize();
            float eps = (float) config.rmsNormEps();
            for (int r = 0; r < n; r++) {
                embed.readRow(tokens[tokenFrom + r], e, r * dim);
            }
            System.arraycopy(features, featureOffset, h, 0, n * dim);
            if (enorm != null) { // MTP: both halves normed, in place through the concat buffer
                kernels.rmsnorm(in, e, enorm, n, dim, eps);
                System.arraycopy(in, 0, e, 0, n * dim);
                kernels.rmsnorm(in, h, hnorm, n, dim, eps);
                System.arraycopy(in, 0, h, 0, n * dim);
            }
            for (int r = 0; r < n; r++) {
                System.arraycopy(e, r * dim, in, r * 2 * dim, dim);
                System.arraycopy(h, r * dim, in, r * 2 * dim + dim, dim);
            }
            kernels.matmul(stack.x, fc, in, n);
            if (fcBias != null) {
                for (int r = 0; r < n; r++) {
                    for (int i = 0; i < dim; i++) {
                        stack.x[r * dim + i] += fcBias[i];
                    }
                }
            }
        }
    }
}
