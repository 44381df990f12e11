package org.specula.model;

import org.specula.loader.LlamaConfig;
import org.specula.tensor.DType;
import org.specula.tensor.Kernels;
import org.specula.tensor.SpeculaException;
import org.specula.tensor.Tensor;
import org.specula.tensor.simd.WarmUp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The Llama forward pass over a block of tokens at positions [length, length + count) of this pass's KV cache.
 * Prefill, single-token decode and speculative verification are the same call; it can return logits for every
 * position of the block, for the last only, or none. Buffers are allocated once, here; forward allocates nothing.
 * Blocks longer than {@link #MAX_BLOCK} (fewer for long rows) run in chunks, which changes no value (kernels are
 * block-size invariant).
 */
public final class ForwardPass {
    /** Which positions of a block get logits. */
    public enum Logits { ALL, LAST, NONE }

    /**
     * Most rows per chunk of a long block (a prompt); a model's chunk is smaller when its rows are long, see
     * {@link #BLOCK_BYTES}. More rows per chunk means each weight row serves more rows per read: on the 360M shape
     * 64 rows rather than 32 took a prompt from 121/133 to 140/158 tok/s (alternating jars).
     */
    public static final int MAX_BLOCK = 64;
    /**
     * Bytes one chunk's widest activation rows may take (rows × max(hidden, intermediate) floats): the tiles read
     * them again for every 4-row weight group, so they should stay in L2. On the Llama-3.2-1B shape (intermediate
     * 8192: 32 KB a row) 64-row chunks made prompts slower, 37-54 against 48-64 tok/s with 32 (alternating jars).
     */
    static final long BLOCK_BYTES = 1 << 20;
    /** Fewest rows per chunk whatever the row length: a speculative verify block (k + 1 ≤ 16) is never split. */
    static final int MIN_BLOCK = 16;

    private final Llama model;
    private final LlamaConfig c;
    private final Kernels kernels;
    private final KvCache cache;
    private final int blockRows;   // rows per chunk: MAX_BLOCK, fewer for long rows
    private final int[] fed;       // [context] the token at each cached position
    // Positions [0, complete) hold every layer's keys and values; [complete, length) only layers [0, partialLayers)
    // (early-exit drafts, see forwardLayers). forward never appends after partial positions; truncate drops them.
    private int complete;
    private int partialLayers;
    private final float[] ropeCos; // [context][headDim/2]
    private final float[] ropeSin; // [context][headDim/2]

    // Activations for up to blockRows rows, row-major.
    private final float[] x;       // [B][dim] residual stream
    private final float[] xb;      // [B][dim] normed input
    private final float[] q;       // [B][nHeads * headDim]
    private final float[] kNew;    // [B][kvDim]
    private final float[] vNew;    // [B][kvDim]
    private final float[] attOut;  // [B][nHeads * headDim]
    private final float[] proj;    // [B][dim]
    private final float[] gate;    // [B][hidden]
    private final float[] up;      // [B][hidden]
    private final float[] logits;  // [B][vocab]
    // Matrices that read the same input, as one kernel call each: per layer {wq, wk, wv} and {wGate, wUp}.
    private final TreeSet<Integer> warmed = new TreeSet<>(); // block sizes warmUp has run
    private boolean checking; // firstNonFinite's replay: scan the residual stream after every sublayer
    private String nonFinite; // where the replay first saw a NaN or infinity
    private final Tensor[][] qkv;
    private final Tensor[][] gateUp;
    private final float[][] qkvOut;
    private final float[][] gateUpOut;

    ForwardPass(Llama model, int context, DType kvDType) {
        this.model = model;
        this.c = model.config;
        this.kernels = model.kernels;
        if (context < 1) {
            throw new IllegalArgumentException("context must be at least 1 (got " + context + ")");
        }
        this.cache = new KvCache(c.numLayers(), context, c.numKvHeads(), c.headDim(), kvDType);
        this.fed = new int[context];
        int half = c.headDim() / 2;
        double[] inv = c.ropeInverseFrequencies();
        ropeCos = new float[context * half];
        ropeSin = new float[context * half];
        for (int p = 0; p < context; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * inv[i];
                ropeCos[p * half + i] = (float) Math.cos(angle);
                ropeSin[p * half + i] = (float) Math.sin(angle);
            }
        }
        long rowBytes = (long) Float.BYTES * Math.max(c.hiddenSize(), c.intermediateSize());
        this.blockRows = (int) Math.max(MIN_BLOCK, Math.min(MAX_BLOCK, BLOCK_BYTES / rowBytes));
        int b = blockRows;
        x = new float[b * c.hiddenSize()];
        xb = new float[b * c.hiddenSize()];
        q = new float[b * c.qDim()];
        kNew = new float[b * c.kvDim()];
        vNew = new float[b * c.kvDim()];
        attOut = new float[b * c.qDim()];
        proj = new float[b * c.hiddenSize()];
        gate = new float[b * c.intermediateSize()];
        up = new float[b * c.intermediateSize()];
        logits = new float[b * c.vocabSize()];
        qkv = new Tensor[model.layers.length][];
        gateUp = new Tensor[model.layers.length][];
        for (int l = 0; l < model.layers.length; l++) {
            Llama.Layer layer = model.layers[l];
            qkv[l] = new Tensor[]{layer.wq(), layer.wk(), layer.wv()};
            gateUp[l] = new Tensor[]{layer.wGate(), layer.wUp()};
        }
        qkvOut = new float[][]{q, kNew, vNew};
        gateUpOut = new float[][]{gate, up};
    }

    public Llama model() {
        return model;
    }

    public KvCache cache() {
        return cache;
    }

    /** Positions currently in the cache (= the position of the next token fed). */
    public int length() {
        return cache.length();
    }

    public int context() {
        return cache.capacity();
    }

    /** Forgets positions ≥ n (partial ones included). */
    public void truncate(int n) {
        cache.truncate(n);
        complete = Math.min(complete, n);
    }

    /**
     * The length of the longest prefix of tokens[0..n) that the cache already holds: feeding only the rest after
     * truncate(prefix) leaves the cache exactly as a fresh prefill would (the same tokens at the same positions).
     */
    public int commonPrefix(int[] tokens, int n) {
        // a partial position never counts: its upper layers are missing (cache().truncate may have cut below both)
        int limit = Math.min(n, Math.min(complete, cache.length()));
        // a vectorised compare: the drafter asks twice per speculative step, over the whole sequence so far
        int mismatch = Arrays.mismatch(fed, 0, limit, tokens, 0, limit);
        return mismatch < 0 ? limit : mismatch;
    }

    /**
     * Feeds tokens[from .. from+count) at positions length() .. length()+count-1 and appends them to the cache.
     * logitsOut receives [count][vocab] (ALL), [vocab] (LAST) or nothing (NONE; may be null).
     */
    public void forward(int[] tokens, int from, int count, Logits mode, float[] logitsOut) {
        if (complete < cache.length()) {
            throw new IllegalStateException("positions " + complete + ".." + (cache.length() - 1) + " hold only "
                    + partialLayers + " layers; truncate(" + complete + ") before a full forward");
        }
        feed(tokens, from, count, c.numLayers(), mode, logitsOut);
        complete = cache.length();
    }

    /**
     * Early exit (self-speculative drafting): feeds tokens[from .. from+count) at positions length() .. through the
     * first {@code layers} layers only, appending those layers' keys and values, and writes the final norm and LM
     * head of the last row into logitsOut [vocab]. The positions are partial until truncate drops them: forward
     * refuses to append after them and commonPrefix never counts them. Layers below {@code layers} of the complete
     * positions are exactly what they attend to, so nothing is recomputed.
     */
    public void forwardLayers(int[] tokens, int from, int count, int layers, float[] logitsOut) {
        if (layers < 1 || layers >= c.numLayers()) {
            throw new IllegalArgumentException("early exit after " + layers + " layers: give 1.."
                    + (c.numLayers() - 1) + " of the model's " + c.numLayers());
        }
        if (complete < cache.length() && layers != partialLayers) {
            throw new IllegalStateException("positions " + complete + ".." + (cache.length() - 1) + " hold "
                    + partialLayers + " layers, not " + layers);
        }
        partialLayers = layers;
        feed(tokens, from, count, layers, Logits.LAST, logitsOut);
    }

    /** forward's body for the first {@code layers} layers: checks, records the tokens, runs the chunks. */
    private void feed(int[] tokens, int from, int count, int layers, Logits mode, float[] logitsOut) {
        int vocab = c.vocabSize();
        if (count < 1) {
            throw new IllegalArgumentException("forward needs at least one token");
        }
        if (cache.length() + count > cache.capacity()) {
            throw new SpeculaException((cache.length() + count) + " tokens exceed the context length "
                    + cache.capacity() + " of this forward pass (a longer one holds at most max_position_embeddings "
                    + c.maxPositions() + ")");
        }
        for (int i = 0; i < count; i++) {
            int id = tokens[from + i];
            if (id < 0 || id >= vocab) {
                throw new SpeculaException("token id " + id + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        System.arraycopy(tokens, from, fed, cache.length(), count);
        for (int done = 0; done < count; ) {
            int rows = Math.min(blockRows, count - done);
            boolean lastChunk = done + rows == count;
            block(tokens, from + done, rows, layers);
            if (mode == Logits.ALL) {
                head(rows, false);
                System.arraycopy(logits, 0, logitsOut, done * vocab, rows * vocab);
            } else if (mode == Logits.LAST && lastChunk) {
                head(rows, true);
                System.arraycopy(logits, 0, logitsOut, 0, vocab);
            }
            done += rows;
        }
    }

    /**
     * Has the kernels compiled for the blocks that feeding these token counts will run (a count above the chunk size
     * runs as full chunks and a remainder), before the first forward: see {@link WarmUp}, which runs them on slices
     * of this model's matrices and on scratch arrays. Changes nothing here (cache, buffers) and no value any forward
     * computes; block sizes an earlier call warmed are skipped.
     */
    public void warmUp(int... tokenCounts) {
        TreeSet<Integer> rows = new TreeSet<>();
        for (int count : tokenCounts) {
            if (count > 0) {
                rows.add(Math.min(count, blockRows));
                if (count > blockRows && count % blockRows != 0) {
                    rows.add(count % blockRows);
                }
            }
        }
        rows.removeAll(warmed);
        if (rows.isEmpty()) {
            return;
        }
        warmed.addAll(rows);
        List<Tensor> matrices = new ArrayList<>();
        for (Llama.Layer layer : model.layers) {
            matrices.addAll(List.of(layer.wq(), layer.wk(), layer.wv(), layer.wo(), layer.wGate(), layer.wUp(),
                    layer.wDown()));
        }
        matrices.add(model.lmHead);
        WarmUp.Shape shape = new WarmUp.Shape(matrices, c.hiddenSize(), c.intermediateSize(), c.numHeads(),
                c.numKvHeads(), c.headDim(), cache.dtype());
        WarmUp.run(kernels, shape, rows.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * Where a NaN or infinity first appears when the tokens this pass holds (positions 0 .. length-1) are fed again
     * through a fresh pass of the same model, context and cache dtype that scans the residual stream after every
     * attention and MLP sublayer and the logits of the last position: e.g. "layer 3 MLP (position 17)", or null when
     * every value stays finite. For error messages only: it allocates a second pass and cache.
     */
    public String firstNonFinite() {
        int n = cache.length();
        if (n == 0) {
            return null;
        }
        ForwardPass replay = new ForwardPass(model, cache.capacity(), cache.dtype());
        replay.checking = true;
        float[] logits = new float[c.vocabSize()];
        replay.forward(fed, 0, n, Logits.LAST, logits);
        if (replay.nonFinite == null) {
            replay.check(logits, 1, logits.length, n - 1, "the output head");
        }
        return replay.nonFinite;
    }

    /** Records the first row of v [rows][n] (row t at position pos + t) holding a non-finite value, once. */
    private void check(float[] v, int rows, int n, int pos, String where) {
        for (int i = 0; nonFinite == null && i < rows * n; i++) {
            if (!Float.isFinite(v[i])) {
                nonFinite = where + " (position " + (pos + i / n) + ")";
            }
        }
    }

    /** One chunk of at most blockRows rows through layers [0, layers); leaves the residual stream in x. */
    private void block(int[] tokens, int from, int rows, int layers) {
        int dim = c.hiddenSize();
        int hidden = c.intermediateSize();
        int pos = cache.length();
        float eps = (float) c.rmsNormEps();
        for (int t = 0; t < rows; t++) {
            model.embed.readRow(tokens[from + t], x, t * dim);
        }
        for (int l = 0; l < layers; l++) {
            Llama.Layer layer = model.layers[l];
            // attention: xb = rmsnorm(x); q, k, v = xb · Wq,k,vᵀ; RoPE; append k, v; attend; x += attOut · Woᵀ
            kernels.rmsnorm(xb, x, layer.attnNorm(), rows, dim, eps);
            kernels.matmul(qkvOut, qkv[l], xb, rows); // q, kNew, vNew
            kernels.ropeInPlace(q, rows, c.numHeads(), c.headDim(), pos, ropeCos, ropeSin);
            kernels.ropeInPlace(kNew, rows, c.numKvHeads(), c.headDim(), pos, ropeCos, ropeSin);
            cache.put(l, pos, kNew, vNew, rows);
            kernels.attention(attOut, q, cache.layers[l], rows, pos, c.numHeads());
            kernels.matmul(proj, layer.wo(), attOut, rows);
            kernels.addInPlace(x, proj, rows * dim);
            if (checking) {
                check(x, rows, dim, pos, "layer " + l + " attention");
            }
            // feed-forward: xb = rmsnorm(x); x += (silu(xb · Wgateᵀ) ⊙ (xb · Wupᵀ)) · Wdownᵀ
            kernels.rmsnorm(xb, x, layer.ffnNorm(), rows, dim, eps);
            kernels.matmul(gateUpOut, gateUp[l], xb, rows); // gate, up
            kernels.swigluInPlace(gate, up, rows * hidden);
            kernels.matmul(proj, layer.wDown(), gate, rows);
            kernels.addInPlace(x, proj, rows * dim);
            if (checking) {
                check(x, rows, dim, pos, "layer " + l + " MLP");
            }
        }
        cache.setLength(pos + rows);
    }

    /** logits[rows or 1][vocab] = rmsnorm(x) · lmHeadᵀ, for all rows or only the last. */
    private void head(int rows, boolean lastOnly) {
        int dim = c.hiddenSize();
        float eps = (float) c.rmsNormEps();
        if (lastOnly) {
            System.arraycopy(x, (rows - 1) * dim, proj, 0, dim);
            kernels.rmsnorm(xb, proj, model.finalNorm, 1, dim, eps);
            kernels.matmul(logits, model.lmHead, xb, 1);
        } else {
            kernels.rmsnorm(xb, x, model.finalNorm, rows, dim, eps);
            kernels.matmul(logits, model.lmHead, xb, rows);
        }
    }
}
