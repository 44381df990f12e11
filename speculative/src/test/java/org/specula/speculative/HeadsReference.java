package org.specula.speculative;

import org.specula.loader.SafetensorsFile;
import org.specula.tensor.Tensor;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A test oracle for the three drafters trained for stories260K (Medusa-1 heads, an EAGLE-1 head, a DeepSeek-V3-style
 * MTP module), written from ../shared/models/README.md and stories260K-mtp/mtp_config.json alone, independently of
 * the runtime: weights read as float arrays, every formula evaluated in double precision, causal attention over all
 * positions recomputed from the inputs. Shapes are those of the README (hidden 64, 8 heads, 4 KV heads, head_dim 8,
 * vocabulary 512, RMSNorm eps 1e-5, rotate-half RoPE with theta 10000).
 *
 * <p>The public methods recompute everything from the tokens. {@link #meanAccepted} would take minutes that way, so it
 * memoises (per prompt) what only ever grows: the target's greedy continuation with its hidden states, and each
 * drafter's attention keys and values at committed positions. Chained draft positions are always recomputed.
 */
final class HeadsReference {
    static final int HIDDEN = 64;
    static final int INTERMEDIATE = 172;
    static final int LAYERS = 5;
    static final int HEADS = 8;
    static final int KV_HEADS = 4;
    static final int HEAD_DIM = 8;
    static final int VOCAB = 512;
    static final double EPS = 1e-5;
    static final double ROPE_THETA = 10000;

    /**
     * One Llama decoder layer. {@code inputNorm} is null for EAGLE's layer, which has no input_layernorm (its input
     * goes to the attention as it is).
     */
    private record Layer(float[] inputNorm, float[] wq, float[] wk, float[] wv, float[] wo, float[] postNorm,
                         float[] gate, float[] up, float[] down) {
        static Layer read(Map<String, float[]> w, String prefix, boolean inputNorm) {
            return new Layer(inputNorm ? w.get(prefix + "input_layernorm.weight") : null,
                    w.get(prefix + "self_attn.q_proj.weight"), w.get(prefix + "self_attn.k_proj.weight"),
                    w.get(prefix + "self_attn.v_proj.weight"), w.get(prefix + "self_attn.o_proj.weight"),
                    w.get(prefix + "post_attention_layernorm.weight"), w.get(prefix + "mlp.gate_proj.weight"),
                    w.get(prefix + "mlp.up_proj.weight"), w.get(prefix + "mlp.down_proj.weight"));
        }
    }

    /**
     * The keys and values (keys after RoPE) of every position one layer has attended from so far, in position order.
     * Full recomputation starts from an empty one; memoised loops keep it and cut it back to the committed positions.
     */
    private static final class Attended {
        final List<double[]> keys = new ArrayList<>();
        final List<double[]> values = new ArrayList<>();

        int size() {
            return keys.size();
        }

        void truncate(int n) {
            keys.subList(n, keys.size()).clear();
            values.subList(n, values.size()).clear();
        }
    }

    // the target
    private final float[] embed;
    private final Layer[] layers = new Layer[LAYERS];
    private final float[] finalNorm;
    // Medusa heads: W0_k, b0_k, W1_k
    private final float[][] medusaW0 = new float[4][];
    private final float[][] medusaB0 = new float[4][];
    private final float[][] medusaW1 = new float[4][];
    // EAGLE
    private final float[] eagleEmbed;
    private final float[] eagleFc;
    private final float[] eagleFcBias;
    private final Layer eagleLayer;
    // MTP
    private final float[] mtpEmbed;
    private final float[] mtpEnorm;
    private final float[] mtpHnorm;
    private final float[] mtpEhProj;
    private final Layer mtpLayer;
    private final float[] mtpHeadNorm;
    private final float[] mtpHead;
    // RoPE inverse frequencies theta^(-2i/head_dim), i < head_dim/2
    private final double[] inverseFrequencies = new double[HEAD_DIM / 2];
    /** Memo of {@link #greedyRun}: prompt (as a string) to its longest greedy run computed so far. */
    private final Map<String, GreedyRun> greedyRuns = new HashMap<>();

    private HeadsReference(Map<String, float[]> target, Map<String, float[]> medusa, Map<String, float[]> eagle,
                           Map<String, float[]> mtp) {
        embed = target.get("model.embed_tokens.weight");
        for (int l = 0; l < LAYERS; l++) {
            layers[l] = Layer.read(target, "model.layers." + l + ".", true);
        }
        finalNorm = target.get("model.norm.weight");
        for (int k = 0; k < 4; k++) {
            medusaW0[k] = medusa.get(k + ".0.linear.weight");
            medusaB0[k] = medusa.get(k + ".0.linear.bias");
            medusaW1[k] = medusa.get(k + ".1.weight");
        }
        eagleEmbed = eagle.get("embed_tokens.weight");
        eagleFc = eagle.get("fc.weight");
        eagleFcBias = eagle.get("fc.bias");
        eagleLayer = Layer.read(eagle, "layers.0.", false);
        String p = "model.layers." + LAYERS + ".";
        mtpEmbed = mtp.get(p + "embed_tokens.weight");
        mtpEnorm = mtp.get(p + "enorm.weight");
        mtpHnorm = mtp.get(p + "hnorm.weight");
        mtpEhProj = mtp.get(p + "eh_proj.weight");
        mtpLayer = Layer.read(mtp, p, true);
        mtpHeadNorm = mtp.get(p + "shared_head.norm.weight");
        mtpHead = mtp.get(p + "shared_head.head.weight");
        for (int i = 0; i < inverseFrequencies.length; i++) {
            inverseFrequencies[i] = Math.pow(ROPE_THETA, -2.0 * i / HEAD_DIM);
        }
    }

    /** The target and its three drafters from {@code modelsDir} (the shared models folder). */
    static HeadsReference load(Path modelsDir) {
        return new HeadsReference(read(modelsDir.resolve("stories260K/model.safetensors")),
                read(modelsDir.resolve("stories260K-medusa/medusa_lm_head.safetensors")),
                read(modelsDir.resolve("stories260K-eagle/model.safetensors")),
                read(modelsDir.resolve("stories260K-mtp/mtp.safetensors")));
    }

    private static Map<String, float[]> read(Path file) {
        Map<String, float[]> out = new HashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            for (Map.Entry<String, Tensor> e : SafetensorsFile.open(file, arena).tensors().entrySet()) {
                out.put(e.getKey(), e.getValue().toFloatArray());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The target

    /** [n][64]: the target's last hidden state after the final model.norm (the LM head's input) at positions 0..n-1. */
    double[][] targetHidden(int[] tokens, int n) {
        Attended[] attended = freshAttended(LAYERS);
        double[][] hidden = new double[n][];
        for (int p = 0; p < n; p++) {
            hidden[p] = targetStep(tokens[p], p, attended);
        }
        return hidden;
    }

    /** [n][512]: the target's logits at positions 0..n-1 (row p predicts token p + 1). */
    double[][] targetLogits(int[] tokens, int n) {
        double[][] hidden = targetHidden(tokens, n);
        double[][] logits = new double[n][];
        for (int p = 0; p < n; p++) {
            logits[p] = lmHead(hidden[p]);
        }
        return logits;
    }

    /** The next {@code newTokens} tokens of greedy decoding (argmax, first index on ties) after {@code prompt}. */
    int[] greedyGenerate(int[] prompt, int newTokens) {
        return Arrays.copyOfRange(greedyRun(prompt, newTokens).tokens, prompt.length, prompt.length + newTokens);
    }

    /**
     * The target at position {@code pos}: x = embed(token), then each layer, then model.norm(x). {@code attended}
     * holds every layer's keys and values of positions 0..pos-1 and gains those of pos.
     */
    private double[] targetStep(int token, int pos, Attended[] attended) {
        double[] x = row(embed, token);
        for (int l = 0; l < LAYERS; l++) {
            x = decoderLayer(layers[l], x, pos, attended[l]);
        }
        return rmsnorm(x, finalNorm);
    }

    /** The tied LM head: logits = E · h with E the target's embedding matrix [512][64]. */
    private double[] lmHead(double[] h) {
        return matmul(embed, h, VOCAB);
    }

    /** A prompt, its greedy continuation, and the target's hidden state at every position but the last. */
    private record GreedyRun(int[] tokens, double[][] hidden) {
    }

    /** Greedy decoding of {@code newTokens} tokens, memoised per prompt (the run only grows; positions are causal). */
    private GreedyRun greedyRun(int[] prompt, int newTokens) {
        String key = Arrays.toString(prompt);
        GreedyRun known = greedyRuns.get(key);
        if (known != null && known.tokens.length >= prompt.length + newTokens) return known;
        int[] tokens = Arrays.copyOf(prompt, prompt.length + newTokens);
        double[][] hidden = new double[tokens.length - 1][];
        Attended[] attended = freshAttended(LAYERS);
        for (int p = 0; p < tokens.length - 1; p++) {
            hidden[p] = targetStep(tokens[p], p, attended);
            if (p >= prompt.length - 1) tokens[p + 1] = argmax(lmHead(hidden[p]));
        }
        GreedyRun run = new GreedyRun(tokens, hidden);
        greedyRuns.put(key, run);
        return run;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Medusa

    /**
     * Medusa heads on h = the target's hidden state at position length-2 (the state that predicted
     * committed[length-1]): head i gives logits_i = W1_i · (h + SiLU(W0_i · h + b0_i)) for the token at position
     * length + i. Returns [k][512] (k ≤ 4); the argmax tokens go to draftsOut[0..k).
     */
    double[][] medusaDrafts(int[] committed, int length, int k, int[] draftsOut) {
        return medusa(targetHidden(committed, length - 1)[length - 2], k, draftsOut);
    }

    private double[][] medusa(double[] h, int k, int[] draftsOut) {
        if (k > 4) throw new IllegalArgumentException("there are 4 Medusa heads, not " + k);
        double[][] logits = new double[k][];
        for (int i = 0; i < k; i++) {
            double[] inner = add(matmul(medusaW0[i], h, HIDDEN), medusaB0[i]);
            logits[i] = matmul(medusaW1[i], add(h.clone(), silu(inner)), VOCAB);
            draftsOut[i] = argmax(logits[i]);
        }
        return logits;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // EAGLE and MTP: one decoder layer over draft positions, chained

    /**
     * EAGLE-1 chain drafting. EAGLE position j (0 ≤ j ≤ length-2) takes x_j = fc(concat(embed(committed[j+1]), f_j))
     * (embedding first, fc with bias) where f_j is the target's true feature; y_j = layer0(x_j) (no input norm,
     * causal attention over EAGLE positions 0..j, RoPE position j) predicts f_{j+1}, and logits = target LM head(y_j)
     * predict the token at j + 2. Draft 0 comes from y at position length-2; draft i feeds position length-2+i with
     * (embed(draft i-1), y of the position before). Returns [k][512]; argmax drafts go to draftsOut.
     */
    double[][] eagleDrafts(int[] committed, int length, int k, int[] draftsOut) {
        return new Chain(false).draft(committed, length, targetHidden(committed, length - 1), k, draftsOut);
    }

    /**
     * MTP chain drafting, the same structure: MTP position i takes
     * x_i = eh_proj(concat(enorm(embed(t_{i+1})), hnorm(h_i))), y_i = the decoder layer (input_layernorm, attention
     * with RoPE position i, post_attention_layernorm, SwiGLU) and logits(t_{i+2}) = shared_head.head(
     * shared_head.norm(y_i)). Chained positions take y (before shared_head.norm) as h and the drafted token as t.
     */
    double[][] mtpDrafts(int[] committed, int length, int k, int[] draftsOut) {
        return new Chain(true).draft(committed, length, targetHidden(committed, length - 1), k, draftsOut);
    }

    /**
     * EAGLE's or MTP's drafting over one growing committed sequence. It remembers the attention state and outputs
     * of the committed positions (whose inputs never change) between calls, so a call computes only the positions
     * committed since the last one and then the chained ones, which it forgets afterwards.
     */
    private final class Chain {
        final boolean mtp;
        final Attended attended = new Attended();
        /** y at each committed position computed so far, and the tokens those positions read. */
        final List<double[]> outputs = new ArrayList<>();
        int[] seen = new int[0];

        Chain(boolean mtp) {
            this.mtp = mtp;
        }

        /** The layer's input from the token read at this position and the feature (or fed-back y) beside it. */
        double[] input(int token, double[] h) {
            if (mtp) return matmul(mtpEhProj, concat(rmsnorm(row(mtpEmbed, token), mtpEnorm), rmsnorm(h, mtpHnorm)),
                    HIDDEN);
            return add(matmul(eagleFc, concat(row(eagleEmbed, token), h), HIDDEN), eagleFcBias);
        }

        double[] layer(double[] x, int pos) {
            return decoderLayer(mtp ? mtpLayer : eagleLayer, x, pos, attended);
        }

        double[] logits(double[] y) {
            return mtp ? matmul(mtpHead, rmsnorm(y, mtpHeadNorm), VOCAB) : lmHead(y);
        }

        /** Drafts after committed[0..length), with features[j] the target's hidden state at j ≤ length-2. */
        double[][] draft(int[] committed, int length, double[][] features, int k, int[] draftsOut) {
            int known = outputs.size();
            // the memo holds positions 0..known-1, which read committed[0..known] (features included): still valid
            // if those tokens are the same
            if (known > 0 && (known > length - 1 || !Arrays.equals(seen, 0, known + 1, committed, 0, known + 1))) {
                known = 0;
                outputs.clear();
            }
            attended.truncate(known);
            for (int j = known; j <= length - 2; j++) {
                outputs.add(layer(input(committed[j + 1], features[j]), j));
            }
            seen = Arrays.copyOf(committed, length);
            double[][] logits = new double[k][];
            double[] y = outputs.get(length - 2);
            for (int i = 0; i < k; i++) {
                if (i > 0) y = layer(input(draftsOut[i - 1], y), length - 2 + i);
                logits[i] = logits(y);
                draftsOut[i] = argmax(logits[i]);
            }
            attended.truncate(length - 1);
            return logits;
        }
    }

    /**
     * For a self-check of the memo: the argmax drafts of one memoised EAGLE or MTP drafter ("eagle", "mtp") asked in
     * turn at each of {@code lengths} (increasing, as in a decoding loop) over the one sequence {@code tokens}.
     */
    int[][] memoisedDrafts(String drafter, int[] tokens, int[] lengths, int k) {
        Chain chain = new Chain(drafter.equals("mtp"));
        double[][] features = targetHidden(tokens, tokens.length);
        int[][] drafts = new int[lengths.length][k];
        for (int i = 0; i < lengths.length; i++) {
            chain.draft(tokens, lengths[i], features, k, drafts[i]);
        }
        return drafts;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The speculative loop

    /**
     * Mean number of drafts accepted per target pass of greedy speculative decoding with {@code drafter} ("medusa",
     * "eagle" or "mtp") drafting k argmax tokens, over {@code newTokens} new tokens per prompt, with the README's
     * conventions: a first plain target pass over the prompt emits the first token and is not counted; each later
     * pass drafts min(k, tokens still to generate - 1) tokens, accepts the longest prefix that matches the target's
     * greedy tokens, then emits the target's own token; BOS and EOS are ordinary tokens. Greedy speculative decoding
     * emits exactly the target's greedy sequence, so a pass's verdict is read off the (memoised) greedy run.
     */
    double meanAccepted(String drafter, int[][] prompts, int newTokens, int k) {
        long accepted = 0;
        long passes = 0;
        int[] drafts = new int[k];
        for (int[] prompt : prompts) {
            GreedyRun run = greedyRun(prompt, newTokens);
            Chain chain = switch (drafter) {
                case "medusa" -> null;
                case "eagle" -> new Chain(false);
                case "mtp" -> new Chain(true);
                default -> throw new IllegalArgumentException("unknown drafter " + drafter);
            };
            int length = prompt.length + 1; // the first pass emitted one token
            int generated = 1;
            while (generated < newTokens) {
                int draftCount = Math.min(k, newTokens - generated - 1);
                if (draftCount > 0) {
                    if (chain == null) {
                        medusa(run.hidden[length - 2], draftCount, drafts);
                    } else {
                        chain.draft(run.tokens, length, run.hidden, draftCount, drafts);
                    }
                }
                int a = 0;
                while (a < draftCount && drafts[a] == run.tokens[length + a]) a++;
                accepted += a;
                passes++;
                length += a + 1;
                generated += a + 1;
            }
        }
        return (double) accepted / passes;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The Llama decoder layer and its parts

    private static Attended[] freshAttended(int n) {
        Attended[] a = new Attended[n];
        for (int i = 0; i < n; i++) {
            a[i] = new Attended();
        }
        return a;
    }

    /**
     * One decoder layer at position pos: a = attention(inputNorm(x)) over positions 0..pos (the earlier ones from
     * {@code attended}, which gains this one), x' = x + o_proj(a), out = x' + down(SiLU(gate(n)) ⊙ up(n)) with
     * n = post_attention_layernorm(x').
     */
    private double[] decoderLayer(Layer w, double[] x, int pos, Attended attended) {
        if (attended.size() != pos) throw new IllegalStateException("position " + pos + " after " + attended.size());
        double[] xn = w.inputNorm == null ? x : rmsnorm(x, w.inputNorm);
        double[] q = rope(matmul(w.wq, xn, HEADS * HEAD_DIM), HEADS, pos);
        attended.keys.add(rope(matmul(w.wk, xn, KV_HEADS * HEAD_DIM), KV_HEADS, pos));
        attended.values.add(matmul(w.wv, xn, KV_HEADS * HEAD_DIM));
        double[] h = add(x.clone(), matmul(w.wo, attention(q, attended), HIDDEN));
        double[] n = rmsnorm(h, w.postNorm);
        double[] gate = silu(matmul(w.gate, n, INTERMEDIATE));
        double[] up = matmul(w.up, n, INTERMEDIATE);
        for (int i = 0; i < gate.length; i++) {
            gate[i] *= up[i];
        }
        return add(h, matmul(w.down, gate, HIDDEN));
    }

    /**
     * Causal grouped-query attention of one query position over all attended positions: per head, softmax over u of
     * q·k_u / sqrt(head_dim), then the weighted sum of v_u; query head h reads KV head h / (HEADS / KV_HEADS).
     */
    private static double[] attention(double[] q, Attended attended) {
        int n = attended.size();
        double[] out = new double[HEADS * HEAD_DIM];
        for (int h = 0; h < HEADS; h++) {
            int kvh = h / (HEADS / KV_HEADS);
            double[] scores = new double[n];
            double max = Double.NEGATIVE_INFINITY;
            for (int u = 0; u < n; u++) {
                double[] key = attended.keys.get(u);
                double dot = 0;
                for (int i = 0; i < HEAD_DIM; i++) {
                    dot += q[h * HEAD_DIM + i] * key[kvh * HEAD_DIM + i];
                }
                scores[u] = dot / Math.sqrt(HEAD_DIM);
                max = Math.max(max, scores[u]);
            }
            double sum = 0;
            for (int u = 0; u < n; u++) {
                scores[u] = Math.exp(scores[u] - max);
                sum += scores[u];
            }
            for (int u = 0; u < n; u++) {
                double[] value = attended.values.get(u);
                for (int i = 0; i < HEAD_DIM; i++) {
                    out[h * HEAD_DIM + i] += scores[u] / sum * value[kvh * HEAD_DIM + i];
                }
            }
        }
        return out;
    }

    /** Rotate-half RoPE in place: per head, the pair (a, b) = (v_i, v_{i+hd/2}) turns by the angle pos·theta^(-2i/hd). */
    private double[] rope(double[] v, int heads, int pos) {
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < HEAD_DIM / 2; i++) {
                double c = Math.cos(pos * inverseFrequencies[i]);
                double s = Math.sin(pos * inverseFrequencies[i]);
                double a = v[h * HEAD_DIM + i];
                double b = v[h * HEAD_DIM + i + HEAD_DIM / 2];
                v[h * HEAD_DIM + i] = a * c - b * s;
                v[h * HEAD_DIM + i + HEAD_DIM / 2] = b * c + a * s;
            }
        }
        return v;
    }

    /** RMSNorm: x_i · w_i / sqrt(mean(x²) + eps). */
    private static double[] rmsnorm(double[] x, float[] weight) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double scale = 1 / Math.sqrt(ss / x.length + EPS);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * weight[i];
        }
        return out;
    }

    /** W · x for a row-major W [rows][x.length] (the nn.Linear weight layout). */
    private static double[] matmul(float[] w, double[] x, int rows) {
        if (w.length != rows * x.length) throw new IllegalArgumentException(w.length + " != " + rows + "x" + x.length);
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int c = 0; c < x.length; c++) {
                sum += w[r * x.length + c] * x[c];
            }
            out[r] = sum;
        }
        return out;
    }

    /** SiLU in place: x · sigmoid(x). */
    private static double[] silu(double[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] / (1 + Math.exp(-x[i]));
        }
        return x;
    }

    /** x += y in place (y doubles or floats). */
    private static double[] add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
        return x;
    }

    private static double[] add(double[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
        return x;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Row {@code r} of a [rows][64] matrix, as doubles (an embedding lookup). */
    private static double[] row(float[] m, int r) {
        double[] out = new double[HIDDEN];
        for (int i = 0; i < HIDDEN; i++) {
            out[i] = m[r * HIDDEN + i];
        }
        return out;
    }

    /** The index of the largest value, the first one on ties. */
    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) best = i;
        }
        return best;
    }
}
