package org.specula.tensor.simd;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import org.specula.tensor.KvLayer;

/**
 * The vector loops of {@link SimdKernels#attention}, flash-decoding style: the positions are cut into chunks of
 * {@link #CHUNK}; for one KV head and one chunk, every query that sees the chunk gets its scores, their maximum m,
 * exp(score − m), their sum l and the exp-weighted sum of values o (a partial result); the partials of a query are
 * then merged in chunk order, rescaled by exp(m_c − max m). The chunk boundaries are multiples of CHUNK whatever the
 * block, the thread or the other queries, and every score, sum and output element is one chain of float operations
 * in a fixed order, so a query's output has the same bits alone or inside a block.
 *
 * <p>Keys and values are read as {@link KvLayer} stores them: BF16 as a 16-bit word pair per int, one int load giving
 * two float vectors (shift up / mask), F32 as two float loads. The loops read those two kinds only: an F16 chunk is
 * widened to F32 first ({@link #widenF16Keys}, {@link #widenF16Values}).
 */
final class Attention {
    private Attention() {
    }

    /**
     * Positions per chunk, a multiple of {@link KvLayer#TILE}: 2,048 positions make 8 chunks per KV head, enough work
     * items for 2 threads with 5 KV heads, while a chunk's keys and values (64 KiB per head at head_dim 64 in BF16)
     * stay in L2 for the query groups that reread them.
     */
    static final int CHUNK = 256;
    /** Queries one {@link #scores4} call serves: each key vector loaded feeds four, so a GQA group reads its KV head once. */
    static final int QUERIES = 4;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final java.lang.foreign.ValueLayout.OfInt INT_LE =
            java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    private static final int HALF = KvLayer.HALF;

    // Loads are written out in the loops and the conversions are methods under 35 bytes of bytecode, which C2
    // always inlines: a vector passed to or returned from a call C2 did not inline is boxed on the heap, and larger
    // helpers were inlined in some compilations and not in others.

    /** The low 16-bit halves of v, BF16, as floats. */
    private static FloatVector lo16(IntVector v) {
        return v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The high 16-bit halves of v, BF16, as floats. */
    private static FloatVector hi16(IntVector v) {
        return v.and(0xFFFF0000).reinterpretAsFloats();
    }

    /**
     * F16 keys of {@code tiles} tiles from element index tileRow, widened exactly into out in the F32 tile layout (a
     * tile row holds positions 0..31 in order). The attention job widens an F16 chunk once per work item and runs the
     * F32 loops on it: converting inside {@link #scores4} made it too large for C2 to inline the conversion, which
     * then boxed every vector.
     */
    static void widenF16Keys(Lanes w, MemorySegment keys, long tileRow, int tiles, int headDim, MemorySegment out) {
        long rows = (long) tiles * headDim;
        for (long r = 0; r < rows; r++) { // 16 ints: positions j (low halves) and j + 16 (high)
            long o = r * 4L * KvLayer.TILE;
            widenInts(w, keys, (tileRow + r * KvLayer.TILE) * 2, HALF, out, o, o + 4L * HALF);
        }
    }

    /**
     * F16 values of {@code positions} positions from element index row, widened exactly into out as F32 rows of
     * headDim (dimension c then c + headDim/2 from one stored int); see {@link #widenF16Keys}.
     */
    static void widenF16Values(Lanes w, MemorySegment values, long row, int positions, int headDim,
                               MemorySegment out) {
        int half = headDim / 2;
        int bound = half / w.ints().length() * w.ints().length();
        for (int p = 0; p < positions; p++) {
            long in = (row + (long) p * headDim) * 2;
            long o = (long) p * headDim * 4;
            widenInts(w, values, in, bound, out, o, o + 4L * half);
            for (int c = bound; c < half; c++) {
                int bits = values.get(INT_LE, in + 4L * c);
                out.set(org.specula.tensor.Tensor.F32_LE, o + 4L * c, Float.float16ToFloat((short) bits));
                out.set(org.specula.tensor.Tensor.F32_LE, o + 4L * (half + c),
                        Float.float16ToFloat((short) (bits >>> 16)));
            }
        }
    }

    /**
     * {@code ints} stored ints (a multiple of the lane count) from byte in, each two F16 words: the low ones widened to
     * floats at byte outLo, the high ones at outHi, exactly ({@link Lanes#f16}'s arithmetic: the magnitude shifted into
     * place times 2^112, inf/NaN given the all-ones exponent). Written out with no helper: a vector crossing a call C2
     * does not inline is boxed, and it would not inline helpers this deep in the Vector API.
     */
    private static void widenInts(Lanes w, MemorySegment src, long in, int ints, MemorySegment out, long outLo,
                                  long outHi) {
        VectorSpecies<Integer> ip = w.ints();
        for (int i = 0; i < ints; i += ip.length()) {
            IntVector v = IntVector.fromMemorySegment(ip, src, in + 4L * i, LE);
            IntVector lo = v.and(0xFFFF);
            IntVector loMag = lo.and(0x7FFF);
            loMag.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .lanewise(VectorOperators.OR, 0x7F800000, loMag.compare(VectorOperators.GE, 0x7C00))
                    .or(lo.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .reinterpretAsFloats().intoMemorySegment(out, outLo + 4L * i, LE);
            IntVector hi = v.lanewise(VectorOperators.LSHR, 16);
            IntVector hiMag = hi.and(0x7FFF);
            hiMag.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .lanewise(VectorOperators.OR, 0x7F800000, hiMag.compare(VectorOperators.GE, 0x7C00))
                    .or(hi.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .reinterpretAsFloats().intoMemorySegment(out, outHi + 4L * i, LE);
        }
    }

    /** One stored F32 or BF16 element at byte offset off, as a float: the scalar twin of lo16 and hi16. */
    private static float element(int kind, MemorySegment m, long off) {
        return kind == Lanes.F32 ? m.get(org.specula.tensor.Tensor.F32_LE, off)
                : org.specula.tensor.DType.bf16ToFloat(m.get(org.specula.tensor.Tensor.I16_LE, off));
    }

    /**
     * Scores of four queries (offsets qa .. qd into q; repeat one to run fewer) against the first {@code tiles} key
     * tiles from element index tileRow (a chunk's first tile of one KV head): s[k · CHUNK + j] = (Σ_i q_k[i] · key of
     * the chunk's position j, dimension i) · scale. Each score is one fused multiply-add chain over i ascending, then
     * the scaling, whichever queries run together and whichever lane it falls on.
     */
    static void scores4(Lanes w, int kind, MemorySegment keys, long tileRow, int tiles, int headDim, float[] q,
                        int qa, int qb, int qc, int qd, float[] s, float scale) {
        VectorSpecies<Float> sp = w.floats();
        VectorSpecies<Integer> ip = w.ints();
        int n = sp.length();
        int bytes = kind == Lanes.F32 ? 4 : 2;
        long rowBytes = (long) KvLayer.TILE * bytes;
        long f32Delta = 4L * HALF;
        for (int tt = 0; tt < tiles; tt++) {
            long tile = (tileRow + (long) tt * headDim * KvLayer.TILE) * bytes;
            for (int j0 = 0; j0 < HALF; j0 += n) { // F32 element j0 and 16-bit word j0 both start 4·j0 bytes in
                long at = tile + 4L * j0;
                FloatVector a0 = FloatVector.zero(sp);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                FloatVector b0 = a0;
                FloatVector b1 = a0;
                FloatVector b2 = a0;
                FloatVector b3 = a0;
                for (int i = 0; i < headDim; i++) {
                    long off = at + i * rowBytes;
                    FloatVector k0;
                    FloatVector k1;
                    if (kind == Lanes.F32) {
                        k0 = FloatVector.fromMemorySegment(sp, keys, off, LE);
                        k1 = FloatVector.fromMemorySegment(sp, keys, off + f32Delta, LE);
                    } else {
                        IntVector v = IntVector.fromMemorySegment(ip, keys, off, LE);
                        k0 = lo16(v);
                        k1 = hi16(v);
                    }
                    FloatVector x = FloatVector.broadcast(sp, q[qa + i]);
                    a0 = x.fma(k0, a0);
                    b0 = x.fma(k1, b0);
                    x = FloatVector.broadcast(sp, q[qb + i]);
                    a1 = x.fma(k0, a1);
                    b1 = x.fma(k1, b1);
                    x = FloatVector.broadcast(sp, q[qc + i]);
                    a2 = x.fma(k0, a2);
                    b2 = x.fma(k1, b2);
                    x = FloatVector.broadcast(sp, q[qd + i]);
                    a3 = x.fma(k0, a3);
                    b3 = x.fma(k1, b3);
                }
                int j = tt * KvLayer.TILE + j0;
                a0.mul(scale).intoArray(s, j);
                b0.mul(scale).intoArray(s, j + HALF);
                a1.mul(scale).intoArray(s, CHUNK + j);
                b1.mul(scale).intoArray(s, CHUNK + j + HALF);
                a2.mul(scale).intoArray(s, 2 * CHUNK + j);
                b2.mul(scale).intoArray(s, 2 * CHUNK + j + HALF);
                a3.mul(scale).intoArray(s, 3 * CHUNK + j);
                b3.mul(scale).intoArray(s, 3 * CHUNK + j + HALF);
            }
        }
    }

    /**
     * Σ x[off + i] for i &lt; n: one vector accumulator over whole vectors, the fixed lane tree of {@link Lanes#sum},
     * then the tail in order; the bits depend on n and the width only.
     */
    static float sum(Lanes w, float[] x, int off, int n, float[] scratch) {
        VectorSpecies<Float> sp = w.floats();
        int bound = sp.loopBound(n);
        float s = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.fromArray(sp, x, off);
            for (int i = sp.length(); i < bound; i += sp.length()) {
                acc = acc.add(FloatVector.fromArray(sp, x, off + i));
            }
            s = w.sum(acc, scratch);
        }
        for (int i = bound; i < n; i++) {
            s += x[off + i];
        }
        return s;
    }

    /**
     * Exp-weighted value sums of two queries of one KV head over a chunk (na ≤ nb; pass one query twice to run one):
     * oa[c] = Σ_{j &lt; na} pa[paOff + j] · value(j, c), ob likewise over j &lt; nb, values from element index row
     * (the chunk's first position, dimension 0). Each element is one fused multiply-add chain over j ascending from
     * zero, so it does not depend on its partner or on the path (vectors of 2, 1 or a scalar tail) that computes it.
     */
    static void weightedSum2(Lanes w, int kind, MemorySegment values, long row, int headDim, float[] pa, int paOff,
                             int na, float[] pb, int pbOff, int nb, float[] out, int oa, int ob) {
        VectorSpecies<Float> sp = w.floats();
        VectorSpecies<Integer> ip = w.ints();
        int n = sp.length();
        int half = headDim / 2;
        int bytes = kind == Lanes.F32 ? 4 : 2;
        long rowBytes = (long) headDim * bytes;
        long f32Delta = 4L * half;
        long base = row * bytes;
        int c0 = 0;
        for (; c0 + 2 * n <= half; c0 += 2 * n) { // dims c0.., c0+n.. (low halves), half+c0.., half+c0+n.. (high)
            long at = base + 4L * c0;
            FloatVector a0 = FloatVector.zero(sp);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            FloatVector b0 = a0;
            FloatVector b1 = a0;
            FloatVector b2 = a0;
            FloatVector b3 = a0;
            for (int j = 0; j < nb; j++) {
                long off = at + j * rowBytes;
                FloatVector v0;
                FloatVector v1;
                FloatVector v2;
                FloatVector v3;
                if (kind == Lanes.F32) {
                    v0 = FloatVector.fromMemorySegment(sp, values, off, LE);
                    v1 = FloatVector.fromMemorySegment(sp, values, off + 4L * n, LE);
                    v2 = FloatVector.fromMemorySegment(sp, values, off + f32Delta, LE);
                    v3 = FloatVector.fromMemorySegment(sp, values, off + 4L * n + f32Delta, LE);
                } else {
                    IntVector u0 = IntVector.fromMemorySegment(ip, values, off, LE);
                    IntVector u1 = IntVector.fromMemorySegment(ip, values, off + 4L * n, LE);
                    v0 = lo16(u0);
                    v1 = lo16(u1);
                    v2 = hi16(u0);
                    v3 = hi16(u1);
                }
                if (j < na) {
                    FloatVector x = FloatVector.broadcast(sp, pa[paOff + j]);
                    a0 = x.fma(v0, a0);
                    a1 = x.fma(v1, a1);
                    a2 = x.fma(v2, a2);
                    a3 = x.fma(v3, a3);
                }
                FloatVector x = FloatVector.broadcast(sp, pb[pbOff + j]);
                b0 = x.fma(v0, b0);
                b1 = x.fma(v1, b1);
                b2 = x.fma(v2, b2);
                b3 = x.fma(v3, b3);
            }
            a0.intoArray(out, oa + c0);
            a1.intoArray(out, oa + c0 + n);
            a2.intoArray(out, oa + half + c0);
            a3.intoArray(out, oa + half + c0 + n);
            b0.intoArray(out, ob + c0);
            b1.intoArray(out, ob + c0 + n);
            b2.intoArray(out, ob + half + c0);
            b3.intoArray(out, ob + half + c0 + n);
        }
        if (c0 + n <= half) {
            long at = base + 4L * c0;
            FloatVector a0 = FloatVector.zero(sp);
            FloatVector a2 = a0;
            FloatVector b0 = a0;
            FloatVector b2 = a0;
            for (int j = 0; j < nb; j++) {
                long off = at + j * rowBytes;
                FloatVector v0;
                FloatVector v2;
                if (kind == Lanes.F32) {
                    v0 = FloatVector.fromMemorySegment(sp, values, off, LE);
                    v2 = FloatVector.fromMemorySegment(sp, values, off + f32Delta, LE);
                } else {
                    IntVector u0 = IntVector.fromMemorySegment(ip, values, off, LE);
                    v0 = lo16(u0);
                    v2 = hi16(u0);
                }
                if (j < na) {
                    FloatVector x = FloatVector.broadcast(sp, pa[paOff + j]);
                    a0 = x.fma(v0, a0);
                    a2 = x.fma(v2, a2);
                }
                FloatVector x = FloatVector.broadcast(sp, pb[pbOff + j]);
                b0 = x.fma(v0, b0);
                b2 = x.fma(v2, b2);
            }
            a0.intoArray(out, oa + c0);
            a2.intoArray(out, oa + half + c0);
            b0.intoArray(out, ob + c0);
            b2.intoArray(out, ob + half + c0);
            c0 += n;
        }
        for (; c0 < half; c0++) { // dims c0 and half + c0, scalar: the same chains
            long lo = base + 4L * c0;
            long hi = kind == Lanes.F32 ? lo + f32Delta : lo + 2;
            float a = 0;
            float ah = 0;
            float b = 0;
            float bh = 0;
            for (int j = 0; j < nb; j++) {
                float v = element(kind, values, lo + j * rowBytes);
                float vh = element(kind, values, hi + j * rowBytes);
                if (j < na) {
                    a = Math.fma(pa[paOff + j], v, a);
                    ah = Math.fma(pa[paOff + j], vh, ah);
                }
                b = Math.fma(pb[pbOff + j], v, b);
                bh = Math.fma(pb[pbOff + j], vh, bh);
            }
            out[oa + c0] = a;
            out[oa + half + c0] = ah;
            out[ob + c0] = b;
            out[ob + half + c0] = bh;
        }
    }

    /**
     * One query's exp-weighted value sum over a tree node's virtual chunk: out[o + c] = Σ_{j &lt; n} p[pOff + j] ·
     * value(j, c), where positions j &lt; np are the cache's from element index row (as {@link #weightedSum2} reads
     * them) and positions j ≥ np are F32 rows of headDim in tree: tree[treeBase + nodes[nodeFrom + j − np] · headDim
     * + c]. Each element is the chain {@link #weightedSum2} computes over the same values in the same order, so a
     * node's result has the bits of attention over its path laid out contiguously.
     */
    static void weightedSumTree(Lanes w, int kind, MemorySegment values, long row, int np, int headDim, float[] p,
                                int pOff, int n, float[] tree, int treeBase, int[] nodes, int nodeFrom, float[] out,
                                int o) {
        VectorSpecies<Float> sp = w.floats();
        VectorSpecies<Integer> ip = w.ints();
        int half = headDim / 2;
        int bytes = kind == Lanes.F32 ? 4 : 2;
        long rowBytes = (long) headDim * bytes;
        long f32Delta = 4L * half;
        long base = row * bytes;
        int c0 = 0;
        for (; c0 + sp.length() <= half; c0 += sp.length()) { // dims c0.. (low halves) and half+c0.. (high)
            long at = base + 4L * c0;
            FloatVector a0 = FloatVector.zero(sp);
            FloatVector a2 = a0;
            for (int j = 0; j < np; j++) {
                long off = at + j * rowBytes;
                FloatVector v0;
                FloatVector v2;
                if (kind == Lanes.F32) {
                    v0 = FloatVector.fromMemorySegment(sp, values, off, LE);
                    v2 = FloatVector.fromMemorySegment(sp, values, off + f32Delta, LE);
                } else {
                    IntVector u0 = IntVector.fromMemorySegment(ip, values, off, LE);
                    v0 = lo16(u0);
                    v2 = hi16(u0);
                }
                FloatVector x = FloatVector.broadcast(sp, p[pOff + j]);
                a0 = x.fma(v0, a0);
                a2 = x.fma(v2, a2);
            }
            for (int j = np; j < n; j++) {
                int e = treeBase + nodes[nodeFrom + j - np] * headDim + c0;
                FloatVector x = FloatVector.broadcast(sp, p[pOff + j]);
                a0 = x.fma(FloatVector.fromArray(sp, tree, e), a0);
                a2 = x.fma(FloatVector.fromArray(sp, tree, e + half), a2);
            }
            a0.intoArray(out, o + c0);
            a2.intoArray(out, o + half + c0);
        }
        for (; c0 < half; c0++) { // dims c0 and half + c0, scalar: the same chains
            long lo = base + 4L * c0;
            long hi = kind == Lanes.F32 ? lo + f32Delta : lo + 2;
            float a = 0;
            float ah = 0;
            for (int j = 0; j < np; j++) {
                a = Math.fma(p[pOff + j], element(kind, values, lo + j * rowBytes), a);
                ah = Math.fma(p[pOff + j], element(kind, values, hi + j * rowBytes), ah);
            }
            for (int j = np; j < n; j++) {
                int e = treeBase + nodes[nodeFrom + j - np] * headDim + c0;
                a = Math.fma(p[pOff + j], tree[e], a);
                ah = Math.fma(p[pOff + j], tree[e + half], ah);
            }
            out[o + c0] = a;
            out[o + half + c0] = ah;
        }
    }

    /**
     * out[o .. o + headDim) = Σ_c f_c · po_c / Σ_c f_c · l_c over chunks c &lt; chunks, with f_c = exp(m_c − max m):
     * the partials of one query (pm, pl at pIndex + c, po at (pIndex + c) · headDim) merged in chunk order, each
     * element one chain of fused multiply-adds, then one division.
     */
    static void merge(Lanes w, float[] out, int o, int headDim, float[] pm, float[] pl, float[] po, int pIndex,
                      int chunks) {
        VectorSpecies<Float> sp = w.floats();
        int bound = sp.loopBound(headDim);
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < chunks; c++) {
            max = Math.max(max, pm[pIndex + c]);
        }
        float l = 0;
        java.util.Arrays.fill(out, o, o + headDim, 0f);
        for (int c = 0; c < chunks; c++) {
            float f = RowOps.expShifted(pm[pIndex + c], max);
            l = Math.fma(f, pl[pIndex + c], l);
            int from = (pIndex + c) * headDim;
            int i = 0;
            for (; i < bound; i += sp.length()) {
                FloatVector.broadcast(sp, f).fma(FloatVector.fromArray(sp, po, from + i),
                        FloatVector.fromArray(sp, out, o + i)).intoArray(out, o + i);
            }
            for (; i < headDim; i++) {
                out[o + i] = Math.fma(f, po[from + i], out[o + i]);
            }
        }
        int i = 0;
        for (; i < bound; i += sp.length()) {
            FloatVector.fromArray(sp, out, o + i).div(l).intoArray(out, o + i);
        }
        for (; i < headDim; i++) {
            out[o + i] /= l;
        }
    }
}
