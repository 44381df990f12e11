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
    // Positions [0, complete) hold every layer's keys and values of a sequence; [complete, length) hold only layers
    // [0, partialLayers) (early-exit drafts, see forwardLayers) or the nodes of a scored tree (partialLayers −1, see
    // forwardTree). forward never appends after them; truncate or keepPath drops them.
    private int complete;
    private int partialLayers;
    private int treeRows;               // rows of the tree forwardTree scored, until keepPath or truncate; 0: none
    private final int[] treeParents;    // [blockRows]
    private final int[] treePositions;  // [blockRows]
    private final DecoderLayers stack; // the layers, with the activations of up to blockRows rows
    private final float[] logits;      // [B][vocab]
    private final TreeSet<Integer> warmed = new TreeSet<>(); // block sizes warmUp has run
    private boolean checking; // firstNonFinite's replay: scan the residual stream after every sublayer
    private String nonFinite; // where the replay first saw a NaN or infinity

    ForwardPass(Llama model, int context, DType kvDType) {
        this.model = model;
        this.c = model.config;
        this.kernels = model.kernels;
        if (context < 1) {
            throw new IllegalArgumentException("context must be at least 1 (got " + context + ")");
        }
        this.cache = new KvCache(c.numLayers(), context, c.numKvHeads(), c.headDim(), kvDType);
        this.fed = new int[context];
        long rowBytes = (long) Float.BYTES * Math.max(c.hiddenSize(), c.intermediateSize());
        this.blockRows = (int) Math.max(MIN_BLOCK, Math.min(MAX_BLOCK, BLOCK_BYTES / rowBytes));
        this.stack = new DecoderLayers(c, kernels, model.layers, cache, blockRows);
        this.logits = new float[blockRows * c.vocabSize()];
        this.treeParents = new int[blockRows];
        this.treePositions = new int[blockRows];
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
        treeRows = 0;
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
        forward(tokens, from, count, mode, logitsOut, null, 0);
    }

    /**
     * {@link #forward(int[], int, int, Logits, float[])} that also writes each row's last hidden state after the
     * final norm (the LM head's input, the feature Medusa, EAGLE and MTP drafters read) into
     * hiddenOut[hiddenOffset ..] as [count][hiddenSize]; hiddenOut null writes none. The same pass computes both.
     */
    public void forward(int[] tokens, int from, int count, Logits mode, float[] logitsOut, float[] hiddenOut,
                        int hiddenOffset) {
        requireSequence("a full forward");
        feed(tokens, from, count, c.numLayers(), mode, logitsOut, hiddenOut, hiddenOffset);
        complete = cache.length();
    }

    /** Refuses to append after early-exit positions or a scored tree's nodes. */
    private void requireSequence(String what) {
        if (complete < cache.length()) {
            throw new IllegalStateException("positions " + complete + ".." + (cache.length() - 1) + " hold "
                    + (partialLayers < 0 ? "a scored tree's nodes" : "only " + partialLayers + " layers")
                    + "; truncate(" + complete + ")" + (partialLayers < 0 ? " or keepPath" : "") + " before " + what);
        }
    }

    /** Most rows a tree block may have: it runs as one chunk. */
    public int maxTreeRows() {
        return blockRows;
    }

    /**
     * Feeds a token tree as one block: tokens[from .. from + count) go to cache slots length() .. length() + count − 1;
     * row t's parent is row parents[t] (&lt; t; −1: a child of the cached sequence, depth 0), it sits at position
     * length() + its depth and attends to the cached positions and to its ancestors and itself only, so its logits
     * (logitsOut [count][vocab]) and hidden states (hiddenOut as in forward, may be null) are those of a plain forward
     * over its root-to-node path. Row 0 must be a depth-0 row: it continues the sequence; the other rows are a tree's
     * nodes until {@link #keepPath} keeps one path of them (or truncate drops them). count ≤ {@link #maxTreeRows()}.
     */
    public void forwardTree(int[] tokens, int from, int count, int[] parents, float[] logitsOut, float[] hiddenOut,
                            int hiddenOffset) {
        requireSequence("a tree");
        if (count < 1 || count > blockRows || parents.length < count) {
            throw new IllegalArgumentException("a tree block has 1.." + blockRows + " rows and a parent for each (got "
                    + count + " rows, " + parents.length + " parents)");
        }
        int pos = cache.length();
        int[] positions = treePositions;
        for (int t = 0; t < count; t++) {
            int parent = parents[t];
            if (parent >= t || parent < -1 || t == 0 && parent != -1) {
                throw new IllegalArgumentException("tree row " + t + " has parent " + parent + "; row 0 has −1 and "
                        + "every other row a parent row below its own, or −1");
            }
            positions[t] = parent < 0 ? pos : positions[parent] + 1;
        }
        System.arraycopy(parents, 0, treeParents, 0, count);
        record(tokens, from, count);
        int dim = c.hiddenSize();
        for (int t = 0; t < count; t++) {
            model.embed.readRow(tokens[from + t], stack.x, t * dim);
        }
        for (int l = 0; l < c.numLayers(); l++) {
            stack.attention(l, count, pos, treeParents, positions);
            stack.mlp(l, count);
        }
        cache.setLength(pos + count);
        complete = pos + 1;
        partialLayers = -1;
        treeRows = count;
        finalNorm(count);
        if (hiddenOut != null) {
            System.arraycopy(stack.xb, 0, hiddenOut, hiddenOffset, count * dim);
        }
        head(count, false, true);
        System.arraycopy(logits, 0, logitsOut, 0, count * c.vocabSize());
    }

    /**
     * After forwardTree: keeps the tree rows rows[0 .. count) (a path down the tree: rows[0] a depth-0 row, each next
     * row a child of the one before; count 0 keeps none) as the positions after the sequence, moving their keys and
     * values into place, and drops every other row. The cache then equals a plain forward over the kept path: the
     * target keeps row 0 (the last committed token) and its accepted descendants, a draft model its accepted nodes.
     */
    public void keepPath(int[] rows, int count) {
        int start = complete - 1; // the tree block's first slot
        if (treeRows == 0) {
            throw new IllegalStateException("keepPath keeps a path of the tree forwardTree scored; there is none");
        }
        for (int i = 0; i < count; i++) {
            if (rows[i] < 0 || rows[i] >= treeRows || treeParents[rows[i]] != (i == 0 ? -1 : rows[i - 1])) {
                throw new IllegalArgumentException("kept tree rows must be a path down the tree's " + treeRows
                        + " rows from a depth-0 row: " + Arrays.toString(Arrays.copyOf(rows, count)));
            }
        }
        for (int i = 0; i < count; i++) {
            if (rows[i] != i) { // rows[i] ≥ i: a slot is read before anything is written over it
                cache.copyPosition(start + rows[i], start + i);
                fed[start + i] = fed[start + rows[i]];
            }
        }
        cache.truncate(start + count);
        complete = start + count;
        partialLayers = 0;
        treeRows = 0;
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
        feed(tokens, from, count, layers, Logits.LAST, logitsOut, null, 0);
    }

    /** Checks a block of tokens (count, room in the cache, ids) and records them as fed at the next positions. */
    private void record(int[] tokens, int from, int count) {
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
    }

    /** forward's body for the first {@code layers} layers: checks, records the tokens, runs the chunks. */
    private void feed(int[] tokens, int from, int count, int layers, Logits mode, float[] logitsOut,
                      float[] hiddenOut, int hiddenOffset) {
        int vocab = c.vocabSize();
        record(tokens, from, count);
        for (int done = 0; done < count; ) {
            int rows = Math.min(blockRows, count - done);
            boolean lastChunk = done + rows == count;
            block(tokens, from + done, rows, layers);
            if (hiddenOut != null) {
                finalNorm(rows);
                System.arraycopy(stack.xb, 0, hiddenOut, hiddenOffset + done * c.hiddenSize(), rows * c.hiddenSize());
            }
            if (mode == Logits.ALL) {
                head(rows, false, hiddenOut != null);
                System.arraycopy(logits, 0, logitsOut, done * vocab, rows * vocab);
            } else if (mode == Logits.LAST && lastChunk) {
                head(rows, true, hiddenOut != null);
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

    /** One chunk of at most blockRows rows through layers [0, layers); leaves the residual stream in stack.x. */
    private void block(int[] tokens, int from, int rows, int layers) {
        int dim = c.hiddenSize();
        int pos = cache.length();
        for (int t = 0; t < rows; t++) {
            model.embed.readRow(tokens[from + t], stack.x, t * dim);
        }
        for (int l = 0; l < layers; l++) {
            stack.attention(l, rows, pos);
            if (checking) {
                check(stack.x, rows, dim, pos, "layer " + l + " attention");
            }
            stack.mlp(l, rows);
            if (checking) {
                check(stack.x, rows, dim, pos, "layer " + l + " MLP");
            }
        }
        cache.setLength(pos + rows);
    }

    /** stack.xb[rows][dim] = rmsnorm(stack.x) with the final norm: the LM head's input. */
    private void finalNorm(int rows) {
        kernels.rmsnorm(stack.xb, stack.x, model.finalNorm, rows, c.hiddenSize(), (float) c.rmsNormEps());
    }

    /**
     * logits[rows or 1][vocab] = rmsnorm(x) · lmHeadᵀ, for all rows or only the last; normed says stack.xb already
     * holds rmsnorm(x) of every row.
     */
    private void head(int rows, boolean lastOnly, boolean normed) {
        int dim = c.hiddenSize();
        if (lastOnly) {
            if (normed) {
                System.arraycopy(stack.xb, (rows - 1) * dim, stack.proj, 0, dim);
                kernels.matmul(logits, model.lmHead, stack.proj, 1);
            } else {
                System.arraycopy(stack.x, (rows - 1) * dim, stack.proj, 0, dim);
                kernels.rmsnorm(stack.xb, stack.proj, model.finalNorm, 1, dim, (float) c.rmsNormEps());
                kernels.matmul(logits, model.lmHead, stack.xb, 1);
            }
        } else {
            if (!normed) {
                finalNorm(rows);
            }
            kernels.matmul(logits, model.lmHead, stack.xb, rows);
        }
    }
}
