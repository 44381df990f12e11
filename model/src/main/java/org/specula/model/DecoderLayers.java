package org.specula.model;

import org.specula.loader.LlamaConfig;
import org.specula.tensor.Kernels;
import org.specula.tensor.Tensor;

/**
 * Llama decoder layers run over a block of rows of the residual stream {@link #x}, each appending its keys and values
 * to its {@link KvCache} layer: the body of {@link ForwardPass} and of the one-layer drafters that read the target's
 * hidden states ({@link ChainHead}). Activation buffers hold up to {@code maxRows} rows and are allocated once, here.
 * A layer without an input norm (EAGLE's) feeds x itself to the attention.
 */
final class DecoderLayers {
    private final LlamaConfig c;
    private final Kernels kernels;
    private final Llama.Layer[] layers;
    private final KvCache cache;
    private final float[] ropeCos; // [context][headDim/2]
    private final float[] ropeSin; // [context][headDim/2]

    // Activations for up to maxRows rows, row-major.
    final float[] x;               // [B][dim] residual stream
    final float[] xb;              // [B][dim] normed input
    private final float[] q;       // [B][nHeads * headDim]
    private final float[] kNew;    // [B][kvDim]
    private final float[] vNew;    // [B][kvDim]
    private final float[] attOut;  // [B][nHeads * headDim]
    final float[] proj;            // [B][dim]
    private final float[] gate;    // [B][hidden]
    private final float[] up;      // [B][hidden]
    // Matrices that read the same input, as one kernel call each: per layer {wq, wk, wv} and {wGate, wUp}.
    private final Tensor[][] qkv;
    private final Tensor[][] gateUp;
    private final float[][] qkvOut;
    private final float[][] gateUpOut;

    DecoderLayers(LlamaConfig c, Kernels kernels, Llama.Layer[] layers, KvCache cache, int maxRows) {
        this.c = c;
        this.kernels = kernels;
        this.layers = layers;
        this.cache = cache;
        int context = cache.capacity();
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
        int b = maxRows;
        x = new float[b * c.hiddenSize()];
        xb = new float[b * c.hiddenSize()];
        q = new float[b * c.qDim()];
        kNew = new float[b * c.kvDim()];
        vNew = new float[b * c.kvDim()];
        attOut = new float[b * c.qDim()];
        proj = new float[b * c.hiddenSize()];
        gate = new float[b * c.intermediateSize()];
        up = new float[b * c.intermediateSize()];
        qkv = new Tensor[layers.length][];
        gateUp = new Tensor[layers.length][];
        for (int l = 0; l < layers.length; l++) {
            qkv[l] = new Tensor[]{layers[l].wq(), layers[l].wk(), layers[l].wv()};
            gateUp[l] = new Tensor[]{layers[l].wGate(), layers[l].wUp()};
        }
        qkvOut = new float[][]{q, kNew, vNew};
        gateUpOut = new float[][]{gate, up};
    }

    /**
     * Layer l's attention sublayer over rows at positions pos .. pos+rows-1: xb = rmsnorm(x) (or x); q, k, v =
     * xb · Wq,k,vᵀ; RoPE; append k, v to the cache; attend over positions 0 .. pos+t; x += attOut · Woᵀ.
     */
    void attention(int l, int rows, int pos) {
        attention(l, rows, pos, null, null);
    }

    /**
     * The attention sublayer for a token tree when parents is not null: row t sits at position positions[t] (the
     * prefix length plus its depth) in cache slot pos + t, and attends to positions 0 .. pos − 1 and to the slots of
     * its ancestors (parents[t], its parent's parent, ... ; parents[t] &lt; t, −1 ends the path) and itself.
     */
    void attention(int l, int rows, int pos, int[] parents, int[] positions) {
        Llama.Layer layer = layers[l];
        int dim = c.hiddenSize();
        if (layer.attnNorm() == null) {
            System.arraycopy(x, 0, xb, 0, rows * dim);
        } else {
            kernels.rmsnorm(xb, x, layer.attnNorm(), rows, dim, (float) c.rmsNormEps());
        }
        kernels.matmul(qkvOut, qkv[l], xb, rows); // q, kNew, vNew
        if (parents == null) {
            kernels.ropeInPlace(q, rows, c.numHeads(), c.headDim(), pos, ropeCos, ropeSin);
            kernels.ropeInPlace(kNew, rows, c.numKvHeads(), c.headDim(), pos, ropeCos, ropeSin);
        } else {
            kernels.ropeInPlace(q, rows, c.numHeads(), c.headDim(), positions, ropeCos, ropeSin);
            kernels.ropeInPlace(kNew, rows, c.numKvHeads(), c.headDim(), positions, ropeCos, ropeSin);
        }
        cache.put(l, pos, kNew, vNew, rows);
        if (parents == null) {
            kernels.attention(attOut, q, cache.layers[l], rows, pos, c.numHeads());
        } else {
            kernels.treeAttention(attOut, q, cache.layers[l], rows, pos, c.numHeads(), parents);
        }
        kernels.matmul(proj, layer.wo(), attOut, rows);
        kernels.addInPlace(x, proj, rows * dim);
    }

    /** Layer l's feed-forward sublayer: xb = rmsnorm(x); x += (silu(xb · Wgateᵀ) ⊙ (xb · Wupᵀ)) · Wdownᵀ. */
    void mlp(int l, int rows) {
        Llama.Layer layer = layers[l];
        int dim = c.hiddenSize();
        kernels.rmsnorm(xb, x, layer.ffnNorm(), rows, dim, (float) c.rmsNormEps());
        kernels.matmul(gateUpOut, gateUp[l], xb, rows); // gate, up
        kernels.swigluInPlace(gate, up, rows * c.intermediateSize());
        kernels.matmul(proj, layer.wDown(), gate, rows);
        kernels.addInPlace(x, proj, rows * dim);
    }
}
