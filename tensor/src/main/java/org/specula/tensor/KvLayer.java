package org.specula.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One layer's keys and values for positions 0 .. capacity-1, in F32, BF16 or F16, off the heap in two 64-byte
 * aligned segments allocated once. A position is converted (rounded to nearest even) once, when it is written;
 * attention reads it as stored. Which positions are valid is the caller's business ({@link Kernels#attention} reads
 * positions below startPos + rows only), so truncating a cache is a move of its length and costs nothing here.
 *
 * <p>Layout, chosen so that attention streams one KV head sequentially and loads a vector with one instruction:
 * <ul>
 * <li>keys: per KV head, tiles of {@link #TILE} positions; within a tile, for each dimension i the 32 positions'
 *     values side by side ({@code [kvHead][tile][headDim][32]}), so a vector holds the scores' operands of
 *     consecutive positions;</li>
 * <li>values: per KV head, per position, the headDim values ({@code [kvHead][position][headDim]}).</li>
 * </ul>
 * In the 16-bit dtypes elements go in pairs, one 32-bit word per pair, so that one int load yields two float vectors
 * (low halves shifted up, high halves masked): a key tile row stores position j and j + 16 in word j (j &lt; 16), a
 * value row stores dimension c and c + headDim/2 in word c. F32 uses the same order without packing: position j at
 * element j of the tile row, dimension c at element c. Capacity is rounded up to a whole tile.
 */
public final class KvLayer {
    /** Positions per key tile (and the granularity of the capacity). */
    public static final int TILE = 32;
    /** Half a tile: positions j and j + HALF share a word in 16-bit key tiles. */
    public static final int HALF = TILE / 2;

    private static final ValueLayout.OfFloat F32 = Tensor.F32_LE;
    private static final ValueLayout.OfShort I16 = Tensor.I16_LE;

    private final DType dtype;
    private final int nKvHeads;
    private final int headDim;
    private final int slots;
    private final MemorySegment keys;
    private final MemorySegment values;

    /**
     * Allocates (zeroed, 64-byte aligned, in an automatic arena) room for capacity positions, rounded up to a whole
     * {@link #TILE}. dtype must be F32, BF16 or F16; headDim must be even.
     */
    public KvLayer(DType dtype, int nKvHeads, int headDim, int capacity) {
        if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16) {
            throw new SpeculaException("KV cache dtype " + dtype + " is not supported; use f32, bf16 or f16");
        }
        if (nKvHeads < 1 || headDim < 1 || capacity < 1) {
            throw new IllegalArgumentException("KV layer " + nKvHeads + " heads x " + headDim + ", capacity " + capacity);
        }
        if (headDim % 2 != 0) { // LlamaConfig already refuses odd head_dim: rotate-half RoPE pairs i and i + headDim/2
            throw new SpeculaException("the KV cache needs an even head_dim (got " + headDim + ")");
        }
        this.dtype = dtype;
        this.nKvHeads = nKvHeads;
        this.headDim = headDim;
        this.slots = Math.ceilDiv(capacity, TILE) * TILE;
        long bytes = (long) nKvHeads * slots * headDim * dtype.bytes();
        Arena arena = Arena.ofAuto();
        this.keys = arena.allocate(bytes, 64);
        this.values = arena.allocate(bytes, 64);
    }

    /** Bytes of keys and values one position takes in one layer. */
    public static long bytesPerPosition(DType dtype, int nKvHeads, int headDim) {
        return 2L * nKvHeads * headDim * dtype.bytes();
    }

    /** Bytes one layer holds for capacity positions (rounded up to a whole tile): what the constructor allocates. */
    public static long bytes(DType dtype, int nKvHeads, int headDim, int capacity) {
        return bytesPerPosition(dtype, nKvHeads, headDim) * (Math.ceilDiv(capacity, TILE) * (long) TILE);
    }

    public DType dtype() {
        return dtype;
    }

    public int nKvHeads() {
        return nKvHeads;
    }

    public int headDim() {
        return headDim;
    }

    /** Positions this layer has room for: the capacity asked for, rounded up to a whole tile. */
    public int slots() {
        return slots;
    }

    /** Bytes held (keys and values). */
    public long bytes() {
        return keys.byteSize() + values.byteSize();
    }

    /** The key segment, laid out as the class comment says. */
    public MemorySegment keys() {
        return keys;
    }

    /** The value segment, laid out as the class comment says. */
    public MemorySegment values() {
        return values;
    }

    /** Element index (in dtype units) of key dimension i of position p in KV head h. */
    public long keyIndex(int h, int p, int i) {
        int j = p % TILE;
        long row = (((long) h * (slots / TILE) + p / TILE) * headDim + i) * TILE;
        return dtype == DType.F32 ? row + j : row + 2 * (j % HALF) + j / HALF;
    }

    /** Element index (in dtype units) of value dimension c of position p in KV head h. */
    public long valueIndex(int h, int p, int c) {
        long row = ((long) h * slots + p) * headDim;
        int half = headDim / 2;
        return dtype == DType.F32 ? row + c : row + (c < half ? 2 * c : 2 * (c - half) + 1);
    }

    /**
     * Stores rows positions from..from+rows-1: keys k[kOff + t·kvDim + h·headDim + i] and values likewise from v,
     * with kvDim = nKvHeads·headDim, converted to this layer's dtype.
     */
    public void write(int from, int rows, float[] k, int kOff, float[] v, int vOff) {
        if (from < 0 || from + rows > slots) {
            throw new IllegalArgumentException("positions " + from + ".." + (from + rows) + " outside 0.." + slots);
        }
        int kvDim = nKvHeads * headDim;
        for (int t = 0; t < rows; t++) {
            int p = from + t;
            for (int h = 0; h < nKvHeads; h++) {
                for (int i = 0; i < headDim; i++) {
                    int at = t * kvDim + h * headDim + i;
                    put(keys, keyIndex(h, p, i), k[kOff + at]);
                    put(values, valueIndex(h, p, i), v[vOff + at]);
                }
            }
        }
    }

    /**
     * Copies position from's keys and values, as stored (bit for bit, every KV head), to position to; allocates
     * nothing. from == to is a no-op.
     */
    public void copyPosition(int from, int to) {
        if (from < 0 || from >= slots || to < 0 || to >= slots) {
            throw new IllegalArgumentException("copy position " + from + " to " + to + " outside 0.." + slots);
        }
        if (from == to) {
            return;
        }
        long bytes = dtype.bytes();
        for (int h = 0; h < nKvHeads; h++) {
            for (int i = 0; i < headDim; i++) { // a key tile row holds one dimension of 32 positions
                MemorySegment.copy(keys, keyIndex(h, from, i) * bytes, keys, keyIndex(h, to, i) * bytes, bytes);
            }
            // a position's values are one run of headDim elements, in the same pair order for every position
            MemorySegment.copy(values, valueIndex(h, from, 0) * bytes, values, valueIndex(h, to, 0) * bytes,
                    headDim * bytes);
        }
    }

    /**
     * Compaction after tree verification: moves the positions slots[0 .. count) to start, start+1, ...,
     * start+count-1 ({@link #copyPosition} each, in that order). The slots must increase strictly with
     * slots[k] ≥ start + k (an accepted root-to-node path of tree slots after start does), so that no slot is
     * overwritten before it is read; positions before start and the values left past start+count are untouched.
     * Allocates nothing.
     */
    public void keep(int start, int[] slots, int count) {
        for (int k = 0; k < count; k++) {
            if (slots[k] < start + k || k > 0 && slots[k] <= slots[k - 1]) {
                throw new IllegalArgumentException("keep: slot " + slots[k] + " at " + k + " after start " + start
                        + "; slots must increase with slots[k] >= start + k");
            }
        }
        for (int k = 0; k < count; k++) {
            copyPosition(slots[k], start + k);
        }
    }

    /** Key dimension i of position p in KV head h, as stored (widened to float). */
    public float key(int h, int p, int i) {
        return get(keys, keyIndex(h, p, i));
    }

    /** Value dimension c of position p in KV head h, as stored. */
    public float value(int h, int p, int c) {
        return get(values, valueIndex(h, p, c));
    }

    /** The keys of position p, [nKvHeads · headDim] (for tests comparing caches). */
    public float[] key(int p) {
        float[] out = new float[nKvHeads * headDim];
        for (int h = 0; h < nKvHeads; h++) {
            for (int i = 0; i < headDim; i++) {
                out[h * headDim + i] = key(h, p, i);
            }
        }
        return out;
    }

    /** The values of position p, [nKvHeads · headDim]. */
    public float[] value(int p) {
        float[] out = new float[nKvHeads * headDim];
        for (int h = 0; h < nKvHeads; h++) {
            for (int c = 0; c < headDim; c++) {
                out[h * headDim + c] = value(h, p, c);
            }
        }
        return out;
    }

    /** x as this layer stores it (rounded to nearest even in the 16-bit dtypes). */
    public float round(float x) {
        return switch (dtype) {
            case BF16 -> DType.bf16ToFloat(DType.floatToBf16(x));
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(x));
            default -> x;
        };
    }

    private void put(MemorySegment s, long index, float x) {
        switch (dtype) {
            case F32 -> s.setAtIndex(F32, index, x);
            case BF16 -> s.setAtIndex(I16, index, DType.floatToBf16(x));
            default -> s.setAtIndex(I16, index, Float.floatToFloat16(x));
        }
    }

    private float get(MemorySegment s, long index) {
        return switch (dtype) {
            case F32 -> s.getAtIndex(F32, index);
            case BF16 -> DType.bf16ToFloat(s.getAtIndex(I16, index));
            default -> Float.float16ToFloat(s.getAtIndex(I16, index));
        };
    }
}
