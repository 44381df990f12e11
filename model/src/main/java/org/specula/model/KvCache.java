package org.specula.model;

import org.specula.tensor.SpeculaException;

/**
 * Keys and values of every layer for positions 0 .. length-1. Attention reads positions &lt; length only, so
 * {@link #truncate(int)} is just a move of the length: rolling back rejected speculative tokens costs nothing.
 * Invariant: after each step the cache equals a fresh prefill of the tokens it covers.
 */
public final class KvCache {
    final float[][] keys;   // [layer][kvDim * capacity], transposed: dimension-major, positions contiguous
    final float[][] values; // [layer][capacity * kvDim]
    private final int capacity;
    private final int kvDim;
    private int length;

    KvCache(int layers, int capacity, int kvDim) {
        this.capacity = capacity;
        this.kvDim = kvDim;
        this.keys = new float[layers][];
        this.values = new float[layers][];
        long perLayer = (long) capacity * kvDim;
        if (perLayer > Integer.MAX_VALUE - 8) {
            throw new SpeculaException("--context " + capacity + " is too large for one layer's KV cache "
                    + "(kv dim " + kvDim + "); lower --context");
        }
        for (int l = 0; l < layers; l++) {
            keys[l] = new float[(int) perLayer];
            values[l] = new float[(int) perLayer];
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

    /** Copy of layer l's keys for position p (for tests comparing caches). */
    public float[] key(int layer, int position) {
        float[] key = new float[kvDim];
        for (int i = 0; i < kvDim; i++) {
            key[i] = keys[layer][i * capacity + position];
        }
        return key;
    }

    /** Stores keys [rows][kvDim] of layer l at positions from .. from+rows-1 (transposed). */
    void putKeys(int layer, int from, float[] rowsOfKeys, int rows) {
        float[] k = keys[layer];
        for (int t = 0; t < rows; t++) {
            for (int i = 0; i < kvDim; i++) {
                k[i * capacity + from + t] = rowsOfKeys[t * kvDim + i];
            }
        }
    }

    /** Copy of layer l's values for position p. */
    public float[] value(int layer, int position) {
        return java.util.Arrays.copyOfRange(values[layer], position * kvDim, (position + 1) * kvDim);
    }
}
