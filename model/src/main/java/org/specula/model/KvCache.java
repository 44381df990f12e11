package org.specula.model;

import org.specula.tensor.DType;
import org.specula.tensor.KvLayer;

/**
 * Keys and values of every layer for positions 0 .. length-1, one {@link KvLayer} per layer in the dtype chosen at
 * creation (converted once, when a position is written). Attention reads positions &lt; length only, so
 * {@link #truncate(int)} is just a move of the length: rolling back rejected speculative tokens costs nothing, in
 * every dtype. Invariant: after each step the cache equals a fresh prefill of the tokens it covers.
 */
public final class KvCache {
    final KvLayer[] layers;
    private final int capacity;
    private final int kvDim;
    private final DType dtype;
    private int length;

    KvCache(int layers, int capacity, int nKvHeads, int headDim, DType dtype) {
        this.capacity = capacity;
        this.kvDim = nKvHeads * headDim;
        this.dtype = dtype;
        this.layers = new KvLayer[layers];
        for (int l = 0; l < layers; l++) {
            this.layers[l] = new KvLayer(dtype, nKvHeads, headDim, capacity);
        }
    }

    /** Number of positions held. */
    public int length() {
        return length;
    }

    /** Maximum number of positions (the context length). */
    public int capacity() {
        return capacity;
    }

    public int kvDim() {
        return kvDim;
    }

    /** The element type keys and values are stored in. */
    public DType dtype() {
        return dtype;
    }

    /** Bytes the cache holds, all layers (its capacity rounded up to whole tiles). */
    public long bytes() {
        long sum = 0;
        for (KvLayer layer : layers) {
            sum += layer.bytes();
        }
        return sum;
    }

    /** Bytes of keys and values one position takes across all layers: what a decode step reads per cached token. */
    public long bytesPerPosition() {
        return layers.length * KvLayer.bytesPerPosition(dtype, layers[0].nKvHeads(), layers[0].headDim());
    }

    /** Forgets positions ≥ n (0 ≤ n ≤ length). */
    public void truncate(int n) {
        if (n < 0 || n > length) {
            throw new IllegalArgumentException("truncate(" + n + ") outside 0.." + length);
        }
        length = n;
    }

    void setLength(int n) {
        length = n;
    }

    /** Copy of layer l's keys for position p, as stored (for tests comparing caches). */
    public float[] key(int layer, int position) {
        return layers[layer].key(position);
    }

    /** Copy of layer l's values for position p, as stored. */
    public float[] value(int layer, int position) {
        return layers[layer].value(position);
    }

    /** Copies every layer's keys and values of position from to position to (compacting a tree's accepted path). */
    void copyPosition(int from, int to) {
        for (KvLayer layer : layers) {
            layer.copyPosition(from, to);
        }
    }

    /** Stores keys and values [rows][kvDim] of layer l at positions from .. from+rows-1. */
    void put(int layer, int from, float[] rowsOfKeys, float[] rowsOfValues, int rows) {
        layers[layer].write(from, rows, rowsOfKeys, 0, rowsOfValues, 0);
    }
}
