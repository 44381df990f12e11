package org.specula.tensor.simd;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import org.specula.tensor.DType;
import org.specula.tensor.Tensor;

/**
 * The vector loops of {@link SimdKernels} for one vector width. The Vector API only compiles to SIMD instructions when
 * the species is a constant, so each width is a subclass whose species accessors return {@code static final} fields;
 * a JVM that uses one width sees one subclass and C2 inlines the accessors to constants. Tests that construct several
 * widths in one JVM still get correct (slower) code.
 *
 * <p>Determinism: every reduction is a fixed sequence of IEEE operations (fused multiply-adds over one accumulator per
 * output element, then the lanes added as a fixed pairwise tree, {@link #treeSum}, which the tiles perform on whole
 * vectors of accumulators at once, see {@link #level}, then a scalar tail) that depends only on the reduction
 * length, never on how many rows or which thread. {@code reduceLanes(ADD)} is avoided because its order is unspecified
 * and may differ between the interpreter and C2.
 */
abstract sealed class Lanes permits Lanes.W128, Lanes.W256, Lanes.W512 {
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final int F32 = 0;
    static final int BF16 = 1;
    static final int F16 = 2;
    /** Output rows of a matmul tile; thread splits are aligned to it. */
    static final int TILE_D = 4;
    /** Weight rows per pass of the single-row (decode) kernel. */
    static final int DOT_ROWS = 8;
    /**
     * Where the BF16 kernels' own activation arrays (x in {@link #blockOrder} or {@link #pairOrder}, widened weight
     * rows) start: the index whose address is a multiple of 64 bytes when the JVM places objects on 64-byte
     * boundaries ({@code -XX:ObjectAlignmentInBytes=64}, which the launcher passes), else 0. A float[]'s elements start
     * 16 bytes after the object, so with the JVM's usual 8-byte placement every 64-byte vector load straddled two
     * cache lines on 7 of 8 placements, and which one an array got changed with each process and garbage collection.
     * Measured with PairedBuilds (BF16 960x960, 2 threads, rows 5, in cache): offsets 12 (aligned) / 8 / 0 / 4 took
     * 0.86 / 0.95 / 1.03 / 1.05 of the time of the usual placement; the whole 360M-shape forward (4 alternated
     * processes each, mean ms) T = 1 29.7 / 29.7, T = 5 40.2 / 39.0, T = 8 54.9 / 51.6 without / with.
     */
    static final int X_OFFSET = alignedOffset();
    /**
     * Rows of at most this many weights take BF16 tiles whose loop runs while {@code j + span <= bound}. C2 does not
     * treat that as a counted loop: the segment bounds checks stay in the loop, cheap compares, instead of the
     * long-range-check loop nest it builds for {@code j < bound}, whose setup (a peeled iteration of bounds
     * arithmetic, row addresses spilled) is paid per call. On 960-wide rows that setup weighed: PairedBuilds, 2
     * threads, B/A for rows 5: 2560x960 0.80, 960x960 0.80, 49152x960 0.78; rows 2: 0.76, rows 3: 0.82 (2560x960);
     * the 360M-shape 5-token forward 53.3 -> 46.7 ms (means of 4 alternated runs). On 2048- to 8192-wide rows the
     * counted loop stays ahead (rows 5 1.03-1.10, rows 8 and 16 1.11-1.33 slower with checks in the loop).
     * Twin methods rather than both loops in one: a tile method that big risks C2's inlining budget (see fold8).
     */
    static final int SHORT_ROW = 1024;
    /** {@link #X_OFFSET}: from the JVM's object alignment and array header size, 0 when either is unknown. */
    static int alignedOffset() {
        try {
            var vm = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            int alignment = Integer.parseInt(vm.getVMOption("ObjectAlignmentInBytes").getValue());
            if (alignment % 64 != 0) {
                return 0;
            }
            int base = Boolean.parseBoolean(vm.getVMOption("UseCompactObjectHeaders").getValue()) ? 12
                    : Boolean.parseBoolean(vm.getVMOption("UseCompressedClassPointers").getValue()) ? 16 : 20;
            return (64 - base) / Float.BYTES;
        } catch (RuntimeException | LinkageError e) { // not HotSpot, or an option it does not have
            return 0;
        }
    }

    /** See {@link #widens}. */
    static final int WIDEN_ROWS = 32;
    static final int WIDEN_MAX_IN = 1024;

    /**
     * Whether a call widens BF16 and F16 weight rows to floats once per 4-row group (into a per-chunk array) so that
     * every 4×4 tile of the block reads floats from that array: no conversion per tile, and heap-array loads, which
     * C2 compiles into a tighter loop than segment loads. Only for long blocks (the conversion is paid once for many
     * tiles) and narrow rows (the four widened rows and a tile's four activation rows must share L1).
     */
    static boolean widens(int rows, int kind, int inDim) {
        return rows >= WIDEN_ROWS && kind != F32 && inDim <= WIDEN_MAX_IN;
    }

    abstract VectorSpecies<Float> floats();

    /** Shorts with the same lane count as {@link #floats()}, half the bits. */
    abstract VectorSpecies<Short> shorts();

    /** Ints with the same shape as {@link #floats()}. */
    abstract VectorSpecies<Integer> ints();

    /**
     * Σ lanes of v as a fixed pairwise tree, through scratch (at least one vector long). Lane extraction and
     * reinterpretShape made C2 box the accumulators, and reduceLanes(ADD) has an unspecified order. Tiles store their
     * accumulators themselves: a call with a vector argument that C2 does not inline boxes the vector.
     */
    final float sum(FloatVector v, float[] scratch) {
        v.intoArray(scratch, 0);
        return treeSum(scratch, 0, floats().length());
    }

    /**
     * Σ a[off .. off+n) for n = 4, 8 or 16 as a fixed pairwise tree: halves added elementwise until one is left.
     * Straight-line code, because this runs once per output element (a loop here cost a third of a 4×4 tile).
     */
    static float treeSum(float[] a, int off, int n) {
        return switch (n) {
            case 16 -> {
                float b0 = a[off] + a[off + 8];
                float b1 = a[off + 1] + a[off + 9];
                float b2 = a[off + 2] + a[off + 10];
                float b3 = a[off + 3] + a[off + 11];
                float b4 = a[off + 4] + a[off + 12];
                float b5 = a[off + 5] + a[off + 13];
                float b6 = a[off + 6] + a[off + 14];
                float b7 = a[off + 7] + a[off + 15];
                float c0 = b0 + b4;
                float c1 = b1 + b5;
                float c2 = b2 + b6;
                float c3 = b3 + b7;
                yield (c0 + c2) + (c1 + c3);
            }
            case 8 -> {
                float c0 = a[off] + a[off + 4];
                float c1 = a[off + 1] + a[off + 5];
                float c2 = a[off + 2] + a[off + 6];
                float c3 = a[off + 3] + a[off + 7];
                yield (c0 + c2) + (c1 + c3);
            }
            case 4 -> (a[off] + a[off + 2]) + (a[off + 1] + a[off + 3]);
            default -> throw new IllegalArgumentException("lanes " + n);
        };
    }

    // ---------------------------------------------------------------- lane sums of a tile, a vector at a time

    /**
     * Index vector (for a two-vector {@code selectFrom}) of one butterfly level with groups of h lanes: lane i of
     * the result takes group 2m (lo) or 2m+1 (hi), m = (i / h) / 2, of the first vector when i / h is even, of the
     * second when odd. lo + hi adds, within each accumulator, partial sums h lanes apart, exactly the pairs
     * {@link #treeSum} adds at that level; null where 2h exceeds the lane count.
     */
    static IntVector foldIndex(VectorSpecies<Integer> sp, int h, boolean hi) {
        int lanes = sp.length();
        if (2 * h > lanes) {
            return null;
        }
        int[] index = new int[lanes];
        for (int i = 0; i < lanes; i++) {
            int g = i / h;
            index[i] = (g % 2 == 0 ? 0 : lanes) + (2 * (g / 2) + (hi ? 1 : 0)) * h + i % h;
        }
        return IntVector.fromArray(sp, index, 0);
    }

    /**
     * Where a tile's epilogue (see {@link #level}) leaves each sum: result[k] is the offset from base of accumulator
     * k's lane sum. Found by running the same pairing on accumulator labels, which also checks that every addition
     * stays within one accumulator.
     */
    static int[] foldLayout(int lanes, int count) {
        int[][] slots = new int[count][lanes];
        for (int k = 0; k < count; k++) {
            java.util.Arrays.fill(slots[k], k);
        }
        int v = count;
        for (int h = lanes / 2; h >= 1; h /= 2) {
            int pairs = Math.max(1, v / 2);
            int[][] next = new int[pairs][lanes];
            for (int i = 0; i < pairs; i++) {
                int[] a = slots[2 * i];
                int[] b = v == 1 ? a : slots[2 * i + 1];
                for (int l = 0; l < lanes; l++) {
                    int g = l / h;
                    int[] src = g % 2 == 0 ? a : b;
                    int lo = src[2 * (g / 2) * h + l % h];
                    if (lo != src[(2 * (g / 2) + 1) * h + l % h]) {
                        throw new AssertionError("fold mixes accumulators " + lo + " and another");
                    }
                    next[i][l] = lo;
                }
            }
            slots = next;
            v = pairs;
        }
        int[] at = new int[count];
        java.util.Arrays.fill(at, -1);
        for (int i = 0; i < slots.length; i++) {
            for (int l = 0; l < lanes; l++) {
                if (at[slots[i][l]] < 0) {
                    at[slots[i][l]] = i * lanes + l;
                }
            }
        }
        return at;
    }

    /**
     * Index vectors of the butterfly a tile's epilogue runs on its accumulators, level by level: n = 2·level (lo) and
     * 2·level + 1 (hi), with groups of h = lanes / 2^(level+1) lanes; null past the last level (h &lt; 1). Each tile
     * folds pairs of accumulator vectors (2i, 2i+1) into vector i, in registers, until every partial sum of an
     * accumulator is one lane, then stores the vectors left to scratch, where {@link #sumAt16} and its siblings find
     * each sum. The additions are exactly those of {@link #treeSum}, so tiles and decode agree bit for bit; the index
     * vectors must be {@code static final} constants used inline, or C2 does not intrinsify the permutations.
     */
    abstract IntVector level(int n);

    static IntVector levelIndex(VectorSpecies<Integer> sp, int n) {
        int h = sp.length() / 2 >> (n / 2);
        return h < 1 ? null : foldIndex(sp, h, n % 2 == 1);
    }

    /**
     * The 8 accumulators at s[off + k·lanes] (k &lt; 8) folded in place, the sum of accumulator k at
     * s[off + sumAt8(k)]: {@code dot8}'s fold, out of line. Inline, in the two-vectors-a-row {@code dot8Bf16}, it made
     * the method big enough that in some processes C2 declined to inline {@code level} and boxed the fold's vectors
     * (decode 45 instead of 27-33 ms per 360M token in 2-3 of 10 processes; JFR: {@code convert0} under the fold).
     */
    final void fold8(float[] s, int off) {
        VectorSpecies<Float> sp = floats();
        int lanes = sp.length();
        FloatVector a0 = FloatVector.fromArray(sp, s, off + 0 * lanes);
        FloatVector a1 = FloatVector.fromArray(sp, s, off + 1 * lanes);
        FloatVector a2 = FloatVector.fromArray(sp, s, off + 2 * lanes);
        FloatVector a3 = FloatVector.fromArray(sp, s, off + 3 * lanes);
        FloatVector a4 = FloatVector.fromArray(sp, s, off + 4 * lanes);
        FloatVector a5 = FloatVector.fromArray(sp, s, off + 5 * lanes);
        FloatVector a6 = FloatVector.fromArray(sp, s, off + 6 * lanes);
        FloatVector a7 = FloatVector.fromArray(sp, s, off + 7 * lanes);
        IntVector l0 = level(0);
        IntVector h0 = level(1);
        IntVector l1 = level(2);
        IntVector h1 = level(3);
        IntVector l2 = level(4);
        IntVector h2 = level(5);
        IntVector l3 = level(6);
        IntVector h3 = level(7);
        FloatVector gb0 = l0.selectFrom(a0.reinterpretAsInts(), a1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a0.reinterpretAsInts(), a1.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb1 = l0.selectFrom(a2.reinterpretAsInts(), a3.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a2.reinterpretAsInts(), a3.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb2 = l0.selectFrom(a4.reinterpretAsInts(), a5.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a4.reinterpretAsInts(), a5.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb3 = l0.selectFrom(a6.reinterpretAsInts(), a7.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a6.reinterpretAsInts(), a7.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc0 = l1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc1 = l1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats());
        if (lanes == 4) {
            gc0.intoArray(s, off + 0 * lanes);
            gc1.intoArray(s, off + 1 * lanes);
        } else {
            FloatVector gd0 = l2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats()
                    .add(h2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats());
            if (lanes == 8) {
                gd0.intoArray(s, off + 0 * lanes);
            } else {
                FloatVector ge0 = l3.selectFrom(gd0.reinterpretAsInts(), gd0.reinterpretAsInts()).reinterpretAsFloats()
                        .add(h3.selectFrom(gd0.reinterpretAsInts(), gd0.reinterpretAsInts()).reinterpretAsFloats());
                ge0.intoArray(s, off + 0 * lanes);
            }
        }
    }

    /**
     * Lane sums of count (4 or 16) accumulator vectors that a tile stored at s[off + k·lanes], k &lt; count: the
     * butterfly of {@link #level} folds pairs of vectors (2i, 2i+1) into vector i until each partial sum of an
     * accumulator is one lane, and stores what is left from s[off]; accumulator k's sum is then at
     * s[off + sumAt<count>(k)]. The additions are exactly those of {@link #treeSum}.
     * <p>
     * Only the 4×5 tiles call this, out of line: with the fold inlined, the 4×5 tile method was big enough that C2
     * sometimes ran out of its inlining budget (NodeCountInliningCutoff) and left Vector API calls in its epilogue
     * unintrinsified. Depending on the compile order, a 5-token forward (speculative verify at k = 4) then ran 2×
     * slower for the life of the process, in 3 of 4 runs after a long decode. Through the array no vector crosses a
     * call. The other tiles keep the fold inline: out of line it cost them 6–13 % at 32–64 rows.
     */
    final void fold16(float[] s, int off) {
        VectorSpecies<Float> sp = floats();
        int lanes = sp.length();
        IntVector l0 = level(0);
        IntVector h0 = level(1);
        IntVector l1 = level(2);
        IntVector h1 = level(3);
        IntVector l2 = level(4);
        IntVector h2 = level(5);
        IntVector l3 = level(6);
        IntVector h3 = level(7);
        FloatVector a0 = FloatVector.fromArray(sp, s, off + 0 * lanes);
        FloatVector a1 = FloatVector.fromArray(sp, s, off + 1 * lanes);
        FloatVector a2 = FloatVector.fromArray(sp, s, off + 2 * lanes);
        FloatVector a3 = FloatVector.fromArray(sp, s, off + 3 * lanes);
        FloatVector a4 = FloatVector.fromArray(sp, s, off + 4 * lanes);
        FloatVector a5 = FloatVector.fromArray(sp, s, off + 5 * lanes);
        FloatVector a6 = FloatVector.fromArray(sp, s, off + 6 * lanes);
        FloatVector a7 = FloatVector.fromArray(sp, s, off + 7 * lanes);
        FloatVector a8 = FloatVector.fromArray(sp, s, off + 8 * lanes);
        FloatVector a9 = FloatVector.fromArray(sp, s, off + 9 * lanes);
        FloatVector a10 = FloatVector.fromArray(sp, s, off + 10 * lanes);
        FloatVector a11 = FloatVector.fromArray(sp, s, off + 11 * lanes);
        FloatVector a12 = FloatVector.fromArray(sp, s, off + 12 * lanes);
        FloatVector a13 = FloatVector.fromArray(sp, s, off + 13 * lanes);
        FloatVector a14 = FloatVector.fromArray(sp, s, off + 14 * lanes);
        FloatVector a15 = FloatVector.fromArray(sp, s, off + 15 * lanes);
        FloatVector gb0 = l0.selectFrom(a0.reinterpretAsInts(), a1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a0.reinterpretAsInts(), a1.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb1 = l0.selectFrom(a2.reinterpretAsInts(), a3.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a2.reinterpretAsInts(), a3.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb2 = l0.selectFrom(a4.reinterpretAsInts(), a5.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a4.reinterpretAsInts(), a5.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb3 = l0.selectFrom(a6.reinterpretAsInts(), a7.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a6.reinterpretAsInts(), a7.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb4 = l0.selectFrom(a8.reinterpretAsInts(), a9.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a8.reinterpretAsInts(), a9.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb5 = l0.selectFrom(a10.reinterpretAsInts(), a11.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a10.reinterpretAsInts(), a11.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb6 = l0.selectFrom(a12.reinterpretAsInts(), a13.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a12.reinterpretAsInts(), a13.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb7 = l0.selectFrom(a14.reinterpretAsInts(), a15.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a14.reinterpretAsInts(), a15.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc0 = l1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc1 = l1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc2 = l1.selectFrom(gb4.reinterpretAsInts(), gb5.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb4.reinterpretAsInts(), gb5.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc3 = l1.selectFrom(gb6.reinterpretAsInts(), gb7.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb6.reinterpretAsInts(), gb7.reinterpretAsInts()).reinterpretAsFloats());
        if (lanes == 4) {
            gc0.intoArray(s, off + 0 * lanes);
            gc1.intoArray(s, off + 1 * lanes);
            gc2.intoArray(s, off + 2 * lanes);
            gc3.intoArray(s, off + 3 * lanes);
            return;
        }
        FloatVector gd0 = l2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gd1 = l2.selectFrom(gc2.reinterpretAsInts(), gc3.reinterpretAsInts()).reinterpretAsFloats()
                .add(h2.selectFrom(gc2.reinterpretAsInts(), gc3.reinterpretAsInts()).reinterpretAsFloats());
        if (lanes == 8) {
            gd0.intoArray(s, off + 0 * lanes);
            gd1.intoArray(s, off + 1 * lanes);
            return;
        }
        FloatVector ge0 = l3.selectFrom(gd0.reinterpretAsInts(), gd1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h3.selectFrom(gd0.reinterpretAsInts(), gd1.reinterpretAsInts()).reinterpretAsFloats());
        ge0.intoArray(s, off);
    }

    final void fold4(float[] s, int off) {
        VectorSpecies<Float> sp = floats();
        int lanes = sp.length();
        IntVector l0 = level(0);
        IntVector h0 = level(1);
        IntVector l1 = level(2);
        IntVector h1 = level(3);
        IntVector l2 = level(4);
        IntVector h2 = level(5);
        IntVector l3 = level(6);
        IntVector h3 = level(7);
        FloatVector a0 = FloatVector.fromArray(sp, s, off + 0 * lanes);
        FloatVector a1 = FloatVector.fromArray(sp, s, off + 1 * lanes);
        FloatVector a2 = FloatVector.fromArray(sp, s, off + 2 * lanes);
        FloatVector a3 = FloatVector.fromArray(sp, s, off + 3 * lanes);
        FloatVector gb0 = l0.selectFrom(a0.reinterpretAsInts(), a1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a0.reinterpretAsInts(), a1.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb1 = l0.selectFrom(a2.reinterpretAsInts(), a3.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a2.reinterpretAsInts(), a3.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc0 = l1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats());
        if (lanes == 4) {
            gc0.intoArray(s, off + 0 * lanes);
            return;
        }
        FloatVector gd0 = l2.selectFrom(gc0.reinterpretAsInts(), gc0.reinterpretAsInts()).reinterpretAsFloats()
                .add(h2.selectFrom(gc0.reinterpretAsInts(), gc0.reinterpretAsInts()).reinterpretAsFloats());
        if (lanes == 8) {
            gd0.intoArray(s, off + 0 * lanes);
            return;
        }
        FloatVector ge0 = l3.selectFrom(gd0.reinterpretAsInts(), gd0.reinterpretAsInts()).reinterpretAsFloats()
                .add(h3.selectFrom(gd0.reinterpretAsInts(), gd0.reinterpretAsInts()).reinterpretAsFloats());
        ge0.intoArray(s, off);
    }

    /** Offset of accumulator k's lane sum after a tile's epilogue folded count (4, 8 or 16) accumulators. */
    abstract int sumAt4(int k);

    abstract int sumAt8(int k);

    abstract int sumAt16(int k);

    int bits() {
        return floats().vectorBitSize();
    }

    static int kind(DType dtype) {
        return switch (dtype) {
            case F32 -> F32;
            case BF16 -> BF16;
            case F16 -> F16;
            default -> -1;
        };
    }

    // ---------------------------------------------------------------- weight loads (one vector of weights as floats)

    private FloatVector f32(MemorySegment w, long index) {
        return FloatVector.fromMemorySegment(floats(), w, index * 4, LE);
    }

    /**
     * Where the vector part of a BF16 dot product ends: the largest multiple of two vectors (a line of 32 weights at
     * 512 bits); the scalar {@link #tail} takes the rest.
     */
    final int pairBound(int inDim) {
        int two = 2 * floats().length();
        return inDim - inDim % two;
    }

    /**
     * The activations in the order the BF16 kernels read them, into dst from index {@link #X_OFFSET}. Those kernels
     * load each run of 2·lanes weights as lanes ints, each int a pair of neighbours, and take the even weights as
     * {@code int << 16} and the odd ones as {@code int & 0xFFFF0000}: one operation per vector of weights where
     * widening shorts took two (sign-extend, then shift), both on the ports the FMAs need. The activations must then be
     * split the same way: for every run of 2·lanes floats of a row, its even-indexed floats and then its odd-indexed
     * ones; the floats past {@link #pairBound} keep their place. Every BF16 kernel (decode, tiles, widened rows) uses
     * this order, so the sum order of an output still does not depend on the path. Measured with {@link #blockOrder}, 2
     * threads, ns per FMA per thread on 2560x960 (L3): rows 5 0.53-0.58 -> 0.38-0.45, rows 1 1.34-1.39 -> 0.86-1.21;
     * from DRAM (PairedBuilds, 148 matrices, B/A) rows 5 0.96, rows 1 0.95, rows 8 and 64 level; the whole 360M-shape
     * forward (means of 6 alternated runs, noisy) T = 5 48.6 -> 46.8 ms, T = 64 464 -> 437 ms.
     */
    final void pairOrder(float[] x, int rows, int inDim, float[] dst) {
        int lanes = floats().length();
        int pairs = pairBound(inDim);
        for (int t = 0; t < rows; t++) {
            int row = t * inDim;
            for (int b = row; b < row + pairs; b += 2 * lanes) {
                split(x, b, dst, X_OFFSET + b);
            }
            System.arraycopy(x, row + pairs, dst, X_OFFSET + row + pairs, inDim - pairs);
        }
    }

    /** x[from .. from + 2·lanes): its even-indexed floats to dst[to ..], its odd-indexed ones after them. */
    private void split(float[] x, int from, float[] dst, int to) {
        VectorSpecies<Float> sp = floats();
        IntVector a = FloatVector.fromArray(sp, x, from).reinterpretAsInts();
        IntVector b = FloatVector.fromArray(sp, x, from + sp.length()).reinterpretAsInts();
        IntVector evens = IntVector.zero(ints()).addIndex(2); // 0, 2, 4, ...: indexes into a then b
        evens.selectFrom(a, b).reinterpretAsFloats().intoArray(dst, to);
        evens.add(1).selectFrom(a, b).reinterpretAsFloats().intoArray(dst, to + sp.length());
    }

    /**
     * The activations in the order the BF16 tiles read them: {@link #pairOrder}, and then, within each group of rows
     * one tile reads together ({@link #group}), the blocks of its rows side by side, so that the tile finds its rows'
     * blocks a fixed distance apart and walks one sequential stream with one index (row t + k of the group starting at
     * row t: block j at {@code t·inDim + j·g + k·2·lanes}, after {@link #X_OFFSET}). The tails (the floats past {@link
     * #pairBound}) follow the group's blocks, row after row. With one row this is {@link #pairOrder}. A 4×5 tile that
     * kept five row offsets spilled them and recomputed them on every iteration; interleaving all rows instead of each
     * group put 16 rows' blocks 2 KiB apart, where they shared a few L1 sets.
     */
    final void blockOrder(float[] x, int rows, int inDim, float[] dst) {
        int span = 2 * floats().length();
        int pairs = pairBound(inDim);
        int rest = inDim - pairs;
        for (int t = 0; t < rows; ) {
            int g = group(rows, t);
            int base = t * inDim;
            for (int k = 0; k < g; k++) {
                int row = (t + k) * inDim;
                for (int j = 0; j < pairs; j += span) {
                    split(x, row + j, dst, X_OFFSET + base + j * g + k * span);
                }
                System.arraycopy(x, row + pairs, dst, X_OFFSET + base + pairs * g + k * rest, rest);
            }
            t += g;
        }
    }

    /**
     * How many activation rows, from row t of rows, the next tile of {@link #matmul} takes: all of them up to 5, 3 of
     * 6, else 5 (1 only for a single row: decode). The 4×5 tile does the most work per weight loaded and converted;
     * one thread in cache, ns per vector FMA: 4×5 0.27–0.29, 4×4 0.34, 4×3 0.31–0.34, 4×2 about 0.38. So 8 rows take
     * 5 + 3 rather than 4 + 4, and 16 take 5 + 5 + 3 + 3.
     */
    static int group(int rows, int t) {
        int left = rows - t;
        return left <= 5 ? left : left == 6 ? 3 : 5;
    }

    /**
     * F16 to float without a table: the magnitude bits shifted into float position, times 2^112, are exact for
     * normals and subnormals; exponent 31 (inf/NaN) gets the float's all-ones exponent; the sign is copied.
     * The API has no half-float conversion (S2F converts the integer value).
     */
    private FloatVector f16(MemorySegment w, long index) {
        ShortVector s = ShortVector.fromMemorySegment(shorts(), w, index * 2, LE);
        IntVector h = (IntVector) s.convertShape(VectorOperators.S2I, ints(), 0);
        IntVector mag = h.and(0x7FFF);
        IntVector bits = mag.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                .reinterpretAsInts();
        VectorMask<Integer> special = mag.compare(VectorOperators.GE, 0x7C00);
        bits = bits.lanewise(VectorOperators.OR, 0x7F800000, special);
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    private static float weight(int kind, MemorySegment w, long index) {
        return switch (kind) {
            case F32 -> w.getAtIndex(Tensor.F32_LE, index);
            case BF16 -> DType.bf16ToFloat(w.getAtIndex(Tensor.I16_LE, index));
            default -> Float.float16ToFloat(w.getAtIndex(Tensor.I16_LE, index));
        };
    }

    /** The end of every dot product: s (the lane sum) plus the scalar tail j in [from, n) with fused multiply-adds. */
    private static float tail(float s, int kind, MemorySegment w, long wRow, float[] x, int xRow, int from, int n) {
        for (int j = from; j < n; j++) {
            s = Math.fma(weight(kind, w, wRow + j), x[xRow + j], s);
        }
        return s;
    }

    /** {@link #tail} over a row already widened to floats. */
    private static float wideTail(float s, float[] wide, int wRow, float[] x, int xRow, int from, int n) {
        for (int j = from; j < n; j++) {
            s = Math.fma(wide[wRow + j], x[xRow + j], s);
        }
        return s;
    }

    /** Weight row d as floats into wide[off .. off + inDim): exact for BF16 and F16 (every value is a float). */
    private void widen(MemorySegment w, int kind, int d, int inDim, float[] wide, int off) {
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(inDim);
        long row = (long) d * inDim;
        int j = 0;
        if (kind == BF16) { // in pair order, like the activations the BF16 kernels read (see pairOrder)
            int step = sp.length();
            int pairs = pairBound(inDim);
            VectorSpecies<Integer> is = ints();
            for (; j < pairs; j += 2 * step) {
                IntVector p = IntVector.fromMemorySegment(is, w, (row + j) * 2, LE);
                p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(wide, off + j);
                p.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats().intoArray(wide, off + j + step);
            }
        } else {
            for (; j < bound; j += sp.length()) {
                f16(w, row + j).intoArray(wide, off + j);
            }
        }
        for (; j < inDim; j++) {
            wide[off + j] = weight(kind, w, row + j);
        }
    }

    // ---------------------------------------------------------------- matmul

    /**
     * out[t][d] = Σ_j w[d][j]·x[t][j] for t &lt; rows and d in [dFrom, dTo). Tiles of 4 weight rows × 2 to 5
     * activation rows, in the groups {@link #group} picks: each weight vector is loaded once per tile and used for
     * every activation row; edge tiles repeat the last row index (recomputing an identical value) rather than
     * switching to other code, as F32 and F16 groups of 3 do in a 4×4 tile.
     * A single activation row (decode) streams 8 weight rows at once ({@link #DOT_ROWS}). Every path keeps one
     * accumulator per output element, so the sum order never depends on the path.
     * <p>
     * The rows a kernel call works on together are a run apart, not adjacent: [dFrom, dTo) is cut into 8 (decode) or 4
     * (tiles) runs of consecutive rows, and call r takes row r of every run. Each weight load of the kernel then walks
     * one run front to back, a long sequential stream, where adjacent rows made every call start new short streams
     * (a SmolLM2 row is 1920 bytes, so two streams shared each 4 KiB page). Measured on BF16 2560×960, 32 matrices
     * from DRAM, 2 threads, GB/s of weights, adjacent → runs: rows 1 16.4–18.5 → 21.7–22.2, rows 5 9.0–9.4 →
     * 12.1–14.9, rows 64 1.3–1.5 → 1.5–2.1; a whole 360M-shape forward of 1 token 38.7 → 29.0 ms, of 5 tokens
     * 65–76 → 46–50 ms. Rows past dTo clamp to dTo - 1 (recomputing an identical value).
     * <p>
     * The call does positions [run·part/parts, run·(part+1)/parts) of its runs, where run is the length of each run:
     * a thread that takes parts 0, 1, 2 ... of one range walks each run front to back across the calls, as one
     * stream, where cutting the range itself into chunks started 4 or 8 new streams per chunk. Measured with
     * PairedBuilds (BF16 from DRAM, 2 threads, 8 chunks per thread, ratio of medians parts/ranges): 2560×960 rows 1
     * 0.94, rows 5 0.86; 960×960 0.96, 0.94; 320×960 0.78, 0.90; 960×2560 rows 5 0.84, rows 8 0.95, rows 64 1.01;
     * 49152×960 rows 5 0.94, rows 64 0.78.
     * <p>
     * For BF16 weights x must come in {@link #blockOrder}, or in {@link #pairOrder} when the call {@link #widens}.
     */
    final void matmul(float[] out, MemorySegment w, int kind, float[] x, int rows, int outDim, int inDim,
                      int dFrom, int dTo, int part, int parts, float[] scratch, float[] wide) {
        if (widens(rows, kind, inDim)) { // wide holds X_OFFSET + TILE_D * inDim floats; BF16 x is in pairOrder
            int xOff = kind == BF16 ? X_OFFSET : 0; // F16 x is the caller's array
            int run = (dTo - dFrom + TILE_D - 1) / TILE_D;
            int dLast = dTo - 1;
            int vectors = kind == BF16 ? pairBound(inDim) : floats().loopBound(inDim); // where the scalar tail starts
            for (int r = share(run, part, parts), rEnd = share(run, part + 1, parts); r < rEnd; r++) {
                int d = dFrom + r;
                for (int k = 0; k < TILE_D; k++) {
                    widen(w, kind, Math.min(d + k * run, dLast), inDim, wide, X_OFFSET + k * inDim);
                }
                for (int t = 0; t < rows; t += 4) {
                    tile4x4Wide(out, wide, x, xOff, outDim, inDim, d, dLast, run, t, Math.min(t + 3, rows - 1),
                            vectors, scratch);
                }
            }
            return;
        }
        if (rows == 1) {
            int run = (dTo - dFrom + DOT_ROWS - 1) / DOT_ROWS;
            for (int r = share(run, part, parts), rEnd = share(run, part + 1, parts); r < rEnd; r++) {
                dot8(out, w, kind, x, inDim, dFrom + r, dTo - 1, run, scratch);
            }
            return;
        }
        int run = (dTo - dFrom + TILE_D - 1) / TILE_D;
        for (int r = share(run, part, parts), rEnd = share(run, part + 1, parts); r < rEnd; r++) {
            int d = dFrom + r;
            int dLast = dTo - 1;
            for (int t = 0; t < rows; ) { // rows >= 2, so every group has 2 to 5 rows
                int g = group(rows, t);
                switch (g) {
                    // 4×5 in one pass: the widest tile the 32 vector registers hold
                    case 5 -> tile4x5(out, w, kind, x, outDim, inDim, d, dLast, run, t, scratch);
                    case 2 -> tile4x2(out, w, kind, x, outDim, inDim, d, dLast, run, t, scratch);
                    case 3 -> tile4x3(out, w, kind, x, outDim, inDim, d, dLast, run, t, scratch);
                    default -> tile4x4(out, w, kind, x, outDim, inDim, d, dLast, run, t, t + g - 1, scratch);
                }
                t += g;
            }
        }
    }

    /** Start of part p of n over [0, run). */
    private static int share(int run, int p, int n) {
        return (int) ((long) run * p / n);
    }

    // One method per dtype and tile shape: C2 stops inlining the Vector API calls when one method holds several of
    // these loops, and then boxes every vector.

    private void tile4x2(float[] out, MemorySegment w, int kind, float[] x, int outDim, int inDim,
                         int d, int dEnd, int stride, int t, float[] scratch) {
        switch (kind) {
            case F32 -> tile4x2F32(out, w, x, outDim, inDim, d, dEnd, stride, t, scratch);
            case BF16 -> {
                if (inDim <= SHORT_ROW) {
                    tile4x2Bf16Short(out, w, x, outDim, inDim, d, dEnd, stride, t, scratch);
                } else {
                    tile4x2Bf16(out, w, x, outDim, inDim, d, dEnd, stride, t, scratch);
                }
            }
            default -> tile4x2F16(out, w, x, outDim, inDim, d, dEnd, stride, t, scratch);
        }
    }

    // BF16 has a 4×3 tile; the other dtypes repeat the third row in a 4×4.
    private void tile4x3(float[] out, MemorySegment w, int kind, float[] x, int outDim, int inDim,
                         int d, int dEnd, int stride, int t, float[] scratch) {
        if (kind != BF16) {
            tile4x4(out, w, kind, x, outDim, inDim, d, dEnd, stride, t, t + 2, scratch);
        } else if (inDim <= SHORT_ROW) {
            tile4x3Bf16Short(out, w, x, outDim, inDim, d, dEnd, stride, t, scratch);
        } else {
            tile4x3Bf16(out, w, x, outDim, inDim, d, dEnd, stride, t, scratch);
        }
    }

    private void tile4x5(float[] out, MemorySegment w, int kind, float[] x, int outDim, int inDim,
                         int d, int dEnd, int stride, int t, float[] scratch) {
        switch (kind) {
            case F32 -> tile4x5F32(out, w, x, outDim, inDim, d, dEnd, stride, t, scratch);
            case BF16 -> {
                if (inDim <= SHORT_ROW) {
                    tile4x5Bf16Short(out, w, x, outDim, inDim, d, dEnd, stride, t, scratch);
                } else {
                    tile4x5Bf16(out, w, x, outDim, inDim, d, dEnd, stride, t, scratch);
                }
            }
            default -> tile4x5F16(out, w, x, outDim, inDim, d, dEnd, stride, t, scratch);
        }
    }

    private void tile4x4(float[] out, MemorySegment w, int kind, float[] x, int outDim, int inDim,
                         int d, int dEnd, int stride, int t, int tLast, float[] scratch) {
        switch (kind) {
            case F32 -> tile4x4F32(out, w, x, outDim, inDim, d, dEnd, stride, t, tLast, scratch);
            case BF16 -> {
                if (inDim <= SHORT_ROW) {
                    tile4x4Bf16Short(out, w, x, outDim, inDim, d, dEnd, stride, t, tLast, scratch);
                } else {
                    tile4x4Bf16(out, w, x, outDim, inDim, d, dEnd, stride, t, tLast, scratch);
                }
            }
            default -> tile4x4F16(out, w, x, outDim, inDim, d, dEnd, stride, t, tLast, scratch);
        }
    }

    /** Weight rows d + k·stride (k &lt; 8, clamped to dLast) × the single activation row (decode). */
    private void dot8(float[] out, MemorySegment w, int kind, float[] x, int inDim, int d, int dLast, int stride,
                      float[] scratch) {
        switch (kind) {
            case F32 -> dot8F32(out, w, x, inDim, d, dLast, stride, scratch);
            case BF16 -> dot8Bf16(out, w, x, inDim, d, dLast, stride, scratch);
            default -> dot8F16(out, w, x, inDim, d, dLast, stride, scratch);
        }
    }

    /**
     * Weight rows d + k·stride (k &lt; 8, clamped to dLast) × activation row 0: eight interleaved streams with one
     * accumulator each. Decode's shape: eight independent chains keep more DRAM reads in flight than one row at a
     * time (whole 360M-shape weights, 2 threads, BF16: 32 vs 43 ms per pass, 19.5 vs 14.7 GB/s).
     */
    private void dot8F32(float[] out, MemorySegment w, float[] x, int inDim, int d, int dLast, int stride,
                          float[] scratch) {
        long w0 = (long) d * inDim;
        long w1 = (long) Math.min(d + 1 * stride, dLast) * inDim;
        long w2 = (long) Math.min(d + 2 * stride, dLast) * inDim;
        long w3 = (long) Math.min(d + 3 * stride, dLast) * inDim;
        long w4 = (long) Math.min(d + 4 * stride, dLast) * inDim;
        long w5 = (long) Math.min(d + 5 * stride, dLast) * inDim;
        long w6 = (long) Math.min(d + 6 * stride, dLast) * inDim;
        long w7 = (long) Math.min(d + 7 * stride, dLast) * inDim;
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(inDim);
        FloatVector a0 = FloatVector.zero(sp);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        for (int j = 0; j < bound; j += sp.length()) {
            FloatVector v = FloatVector.fromArray(sp, x, j);
            a0 = f32(w, w0 + j).fma(v, a0);
            a1 = f32(w, w1 + j).fma(v, a1);
            a2 = f32(w, w2 + j).fma(v, a2);
            a3 = f32(w, w3 + j).fma(v, a3);
            a4 = f32(w, w4 + j).fma(v, a4);
            a5 = f32(w, w5 + j).fma(v, a5);
            a6 = f32(w, w6 + j).fma(v, a6);
            a7 = f32(w, w7 + j).fma(v, a7);
        }
        int lanes = sp.length();
        IntVector l0 = level(0);
        IntVector h0 = level(1);
        IntVector l1 = level(2);
        IntVector h1 = level(3);
        IntVector l2 = level(4);
        IntVector h2 = level(5);
        IntVector l3 = level(6);
        IntVector h3 = level(7);
        FloatVector gb0 = l0.selectFrom(a0.reinterpretAsInts(), a1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a0.reinterpretAsInts(), a1.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb1 = l0.selectFrom(a2.reinterpretAsInts(), a3.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a2.reinterpretAsInts(), a3.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb2 = l0.selectFrom(a4.reinterpretAsInts(), a5.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a4.reinterpretAsInts(), a5.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb3 = l0.selectFrom(a6.reinterpretAsInts(), a7.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a6.reinterpretAsInts(), a7.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc0 = l1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc1 = l1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats());
        if (lanes == 4) {
            gc0.intoArray(scratch, 0 * lanes);
            gc1.intoArray(scratch, 1 * lanes);
        } else {
            FloatVector gd0 = l2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats()
                    .add(h2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats());
            if (lanes == 8) {
                gd0.intoArray(scratch, 0 * lanes);
            } else {
                FloatVector ge0 = l3.selectFrom(gd0.reinterpretAsInts(), gd0.reinterpretAsInts()).reinterpretAsFloats()
                        .add(h3.selectFrom(gd0.reinterpretAsInts(), gd0.reinterpretAsInts()).reinterpretAsFloats());
                ge0.intoArray(scratch, 0 * lanes);
            }
        }
        // written last to first: a clamped row index repeats dLast, and its value is the same either way
        if (bound < inDim) { // columns past the last whole vector, only when inDim is not a multiple of lanes
            scratch[sumAt8(7)] = tail(scratch[sumAt8(7)], F32, w, w7, x, 0, bound, inDim);
            scratch[sumAt8(6)] = tail(scratch[sumAt8(6)], F32, w, w6, x, 0, bound, inDim);
            scratch[sumAt8(5)] = tail(scratch[sumAt8(5)], F32, w, w5, x, 0, bound, inDim);
            scratch[sumAt8(4)] = tail(scratch[sumAt8(4)], F32, w, w4, x, 0, bound, inDim);
            scratch[sumAt8(3)] = tail(scratch[sumAt8(3)], F32, w, w3, x, 0, bound, inDim);
            scratch[sumAt8(2)] = tail(scratch[sumAt8(2)], F32, w, w2, x, 0, bound, inDim);
            scratch[sumAt8(1)] = tail(scratch[sumAt8(1)], F32, w, w1, x, 0, bound, inDim);
            scratch[sumAt8(0)] = tail(scratch[sumAt8(0)], F32, w, w0, x, 0, bound, inDim);
        }
        out[Math.min(d + 7 * stride, dLast)] = scratch[sumAt8(7)];
        out[Math.min(d + 6 * stride, dLast)] = scratch[sumAt8(6)];
        out[Math.min(d + 5 * stride, dLast)] = scratch[sumAt8(5)];
        out[Math.min(d + 4 * stride, dLast)] = scratch[sumAt8(4)];
        out[Math.min(d + 3 * stride, dLast)] = scratch[sumAt8(3)];
        out[Math.min(d + 2 * stride, dLast)] = scratch[sumAt8(2)];
        out[Math.min(d + 1 * stride, dLast)] = scratch[sumAt8(1)];
        out[d] = scratch[sumAt8(0)];
    }

    /**
     * Weight rows d + k·stride (k &lt; 8, clamped to dLast) × activation row 0: eight interleaved streams with one
     * accumulator each. Decode's shape: eight independent chains keep more DRAM reads in flight than one row at a
     * time (whole 360M-shape weights, 2 threads, BF16: 32 vs 43 ms per pass, 19.5 vs 14.7 GB/s).
     */
    private void dot8Bf16(float[] out, MemorySegment w, float[] x, int inDim, int d, int dLast, int stride,
                          float[] scratch) {
        long w0 = (long) d * inDim;
        long w1 = (long) Math.min(d + 1 * stride, dLast) * inDim;
        long w2 = (long) Math.min(d + 2 * stride, dLast) * inDim;
        long w3 = (long) Math.min(d + 3 * stride, dLast) * inDim;
        long w4 = (long) Math.min(d + 4 * stride, dLast) * inDim;
        long w5 = (long) Math.min(d + 5 * stride, dLast) * inDim;
        long w6 = (long) Math.min(d + 6 * stride, dLast) * inDim;
        long w7 = (long) Math.min(d + 7 * stride, dLast) * inDim;
        VectorSpecies<Float> sp = floats();
        int bound = pairBound(inDim);
        FloatVector a0 = FloatVector.zero(sp);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        VectorSpecies<Integer> is = ints();
        int step = sp.length();
        int j = 0;
        // A whole 64-byte line of each row per iteration (at 512 bits) as int pairs; the conversion is spelled out:
        // through a helper this loop crossed C2's inlining budget and ran 3-4x slower with boxed vectors.
        for (; j + 2 * step <= bound; j += 2 * step) {
            FloatVector v = FloatVector.fromArray(sp, x, X_OFFSET + j);
            FloatVector v2 = FloatVector.fromArray(sp, x, X_OFFSET + j + step);
            IntVector p0 = IntVector.fromMemorySegment(is, w, (w0 + j) * 2, LE);
            a0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(v, a0);
            a0 = p0.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats().fma(v2, a0);
            IntVector p1 = IntVector.fromMemorySegment(is, w, (w1 + j) * 2, LE);
            a1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(v, a1);
            a1 = p1.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats().fma(v2, a1);
            IntVector p2 = IntVector.fromMemorySegment(is, w, (w2 + j) * 2, LE);
            a2 = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(v, a2);
            a2 = p2.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats().fma(v2, a2);
            IntVector p3 = IntVector.fromMemorySegment(is, w, (w3 + j) * 2, LE);
            a3 = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(v, a3);
            a3 = p3.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats().fma(v2, a3);
            IntVector p4 = IntVector.fromMemorySegment(is, w, (w4 + j) * 2, LE);
            a4 = p4.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(v, a4);
            a4 = p4.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats().fma(v2, a4);
            IntVector p5 = IntVector.fromMemorySegment(is, w, (w5 + j) * 2, LE);
            a5 = p5.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(v, a5);
            a5 = p5.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats().fma(v2, a5);
            IntVector p6 = IntVector.fromMemorySegment(is, w, (w6 + j) * 2, LE);
            a6 = p6.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(v, a6);
            a6 = p6.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats().fma(v2, a6);
            IntVector p7 = IntVector.fromMemorySegment(is, w, (w7 + j) * 2, LE);
            a7 = p7.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(v, a7);
            a7 = p7.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats().fma(v2, a7);
        }
        int lanes = sp.length();
        a0.intoArray(scratch, 0 * lanes);
        a1.intoArray(scratch, 1 * lanes);
        a2.intoArray(scratch, 2 * lanes);
        a3.intoArray(scratch, 3 * lanes);
        a4.intoArray(scratch, 4 * lanes);
        a5.intoArray(scratch, 5 * lanes);
        a6.intoArray(scratch, 6 * lanes);
        a7.intoArray(scratch, 7 * lanes);
        fold8(scratch, 0);
        // written last to first: a clamped row index repeats dLast, and its value is the same either way
        if (bound < inDim) { // columns past the last pair of vectors (pairBound): inDim not a multiple of 2 lanes
            scratch[sumAt8(7)] = tail(scratch[sumAt8(7)], BF16, w, w7, x, X_OFFSET, bound, inDim);
            scratch[sumAt8(6)] = tail(scratch[sumAt8(6)], BF16, w, w6, x, X_OFFSET, bound, inDim);
            scratch[sumAt8(5)] = tail(scratch[sumAt8(5)], BF16, w, w5, x, X_OFFSET, bound, inDim);
            scratch[sumAt8(4)] = tail(scratch[sumAt8(4)], BF16, w, w4, x, X_OFFSET, bound, inDim);
            scratch[sumAt8(3)] = tail(scratch[sumAt8(3)], BF16, w, w3, x, X_OFFSET, bound, inDim);
            scratch[sumAt8(2)] = tail(scratch[sumAt8(2)], BF16, w, w2, x, X_OFFSET, bound, inDim);
            scratch[sumAt8(1)] = tail(scratch[sumAt8(1)], BF16, w, w1, x, X_OFFSET, bound, inDim);
            scratch[sumAt8(0)] = tail(scratch[sumAt8(0)], BF16, w, w0, x, X_OFFSET, bound, inDim);
        }
        out[Math.min(d + 7 * stride, dLast)] = scratch[sumAt8(7)];
        out[Math.min(d + 6 * stride, dLast)] = scratch[sumAt8(6)];
        out[Math.min(d + 5 * stride, dLast)] = scratch[sumAt8(5)];
        out[Math.min(d + 4 * stride, dLast)] = scratch[sumAt8(4)];
        out[Math.min(d + 3 * stride, dLast)] = scratch[sumAt8(3)];
        out[Math.min(d + 2 * stride, dLast)] = scratch[sumAt8(2)];
        out[Math.min(d + 1 * stride, dLast)] = scratch[sumAt8(1)];
        out[d] = scratch[sumAt8(0)];
    }

    /**
     * Weight rows d + k·stride (k &lt; 8, clamped to dLast) × activation row 0: eight interleaved streams with one
     * accumulator each. Decode's shape: eight independent chains keep more DRAM reads in flight than one row at a
     * time (whole 360M-shape weights, 2 threads, BF16: 32 vs 43 ms per pass, 19.5 vs 14.7 GB/s).
     */
    private void dot8F16(float[] out, MemorySegment w, float[] x, int inDim, int d, int dLast, int stride,
                          float[] scratch) {
        long w0 = (long) d * inDim;
        long w1 = (long) Math.min(d + 1 * stride, dLast) * inDim;
        long w2 = (long) Math.min(d + 2 * stride, dLast) * inDim;
        long w3 = (long) Math.min(d + 3 * stride, dLast) * inDim;
        long w4 = (long) Math.min(d + 4 * stride, dLast) * inDim;
        long w5 = (long) Math.min(d + 5 * stride, dLast) * inDim;
        long w6 = (long) Math.min(d + 6 * stride, dLast) * inDim;
        long w7 = (long) Math.min(d + 7 * stride, dLast) * inDim;
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(inDim);
        FloatVector a0 = FloatVector.zero(sp);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        for (int j = 0; j < bound; j += sp.length()) {
            FloatVector v = FloatVector.fromArray(sp, x, j);
            a0 = f16(w, w0 + j).fma(v, a0);
            a1 = f16(w, w1 + j).fma(v, a1);
            a2 = f16(w, w2 + j).fma(v, a2);
            a3 = f16(w, w3 + j).fma(v, a3);
            a4 = f16(w, w4 + j).fma(v, a4);
            a5 = f16(w, w5 + j).fma(v, a5);
            a6 = f16(w, w6 + j).fma(v, a6);
            a7 = f16(w, w7 + j).fma(v, a7);
        }
        int lanes = sp.length();
        IntVector l0 = level(0);
        IntVector h0 = level(1);
        IntVector l1 = level(2);
        IntVector h1 = level(3);
        IntVector l2 = level(4);
        IntVector h2 = level(5);
        IntVector l3 = level(6);
        IntVector h3 = level(7);
        FloatVector gb0 = l0.selectFrom(a0.reinterpretAsInts(), a1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a0.reinterpretAsInts(), a1.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb1 = l0.selectFrom(a2.reinterpretAsInts(), a3.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a2.reinterpretAsInts(), a3.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb2 = l0.selectFrom(a4.reinterpretAsInts(), a5.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a4.reinterpretAsInts(), a5.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb3 = l0.selectFrom(a6.reinterpretAsInts(), a7.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a6.reinterpretAsInts(), a7.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc0 = l1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc1 = l1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats());
        if (lanes == 4) {
            gc0.intoArray(scratch, 0 * lanes);
            gc1.intoArray(scratch, 1 * lanes);
        } else {
            FloatVector gd0 = l2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats()
                    .add(h2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats());
            if (lanes == 8) {
                gd0.intoArray(scratch, 0 * lanes);
            } else {
                FloatVector ge0 = l3.selectFrom(gd0.reinterpretAsInts(), gd0.reinterpretAsInts()).reinterpretAsFloats()
                        .add(h3.selectFrom(gd0.reinterpretAsInts(), gd0.reinterpretAsInts()).reinterpretAsFloats());
                ge0.intoArray(scratch, 0 * lanes);
            }
        }
        // written last to first: a clamped row index repeats dLast, and its value is the same either way
        if (bound < inDim) { // columns past the last whole vector, only when inDim is not a multiple of lanes
            scratch[sumAt8(7)] = tail(scratch[sumAt8(7)], F16, w, w7, x, 0, bound, inDim);
            scratch[sumAt8(6)] = tail(scratch[sumAt8(6)], F16, w, w6, x, 0, bound, inDim);
            scratch[sumAt8(5)] = tail(scratch[sumAt8(5)], F16, w, w5, x, 0, bound, inDim);
            scratch[sumAt8(4)] = tail(scratch[sumAt8(4)], F16, w, w4, x, 0, bound, inDim);
            scratch[sumAt8(3)] = tail(scratch[sumAt8(3)], F16, w, w3, x, 0, bound, inDim);
            scratch[sumAt8(2)] = tail(scratch[sumAt8(2)], F16, w, w2, x, 0, bound, inDim);
            scratch[sumAt8(1)] = tail(scratch[sumAt8(1)], F16, w, w1, x, 0, bound, inDim);
            scratch[sumAt8(0)] = tail(scratch[sumAt8(0)], F16, w, w0, x, 0, bound, inDim);
        }
        out[Math.min(d + 7 * stride, dLast)] = scratch[sumAt8(7)];
        out[Math.min(d + 6 * stride, dLast)] = scratch[sumAt8(6)];
        out[Math.min(d + 5 * stride, dLast)] = scratch[sumAt8(5)];
        out[Math.min(d + 4 * stride, dLast)] = scratch[sumAt8(4)];
        out[Math.min(d + 3 * stride, dLast)] = scratch[sumAt8(3)];
        out[Math.min(d + 2 * stride, dLast)] = scratch[sumAt8(2)];
        out[Math.min(d + 1 * stride, dLast)] = scratch[sumAt8(1)];
        out[d] = scratch[sumAt8(0)];
    }

    /** Weight rows d + k·stride (k &lt; 4, clamped to dEnd) × activation rows t .. t+1. */
    private void tile4x2F32(float[] out, MemorySegment w, float[] x, int outDim, int inDim, int d, int dEnd, int stride,
                             int t, float[] scratch) {
        int dLast = Math.min(d + 3 * stride, dEnd); // the 4th weight row
        int d1 = Math.min(d + stride, dEnd);
        int d2 = Math.min(d + 2 * stride, dEnd);
        long w0 = (long) d * inDim;
        long w1 = (long) d1 * inDim;
        long w2 = (long) d2 * inDim;
        long w3 = (long) dLast * inDim;
        int x0 = t * inDim;
        int x1 = x0 + inDim;
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(inDim);
        FloatVector z = FloatVector.zero(sp);
        FloatVector a00 = z, a01 = z; // a<weight row><activation row>
        FloatVector a10 = z, a11 = z;
        FloatVector a20 = z, a21 = z;
        FloatVector a30 = z, a31 = z;
        for (int j = 0; j < bound; j += sp.length()) {
            FloatVector v0 = FloatVector.fromArray(sp, x, x0 + j);
            FloatVector v1 = FloatVector.fromArray(sp, x, x1 + j);
            FloatVector u = f32(w, w0 + j);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            u = f32(w, w1 + j);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            u = f32(w, w2 + j);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            u = f32(w, w3 + j);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
        }
        int lanes = sp.length();
        IntVector l0 = level(0);
        IntVector h0 = level(1);
        IntVector l1 = level(2);
        IntVector h1 = level(3);
        IntVector l2 = level(4);
        IntVector h2 = level(5);
        IntVector l3 = level(6);
        IntVector h3 = level(7);
        FloatVector gb0 = l0.selectFrom(a00.reinterpretAsInts(), a01.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a00.reinterpretAsInts(), a01.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb1 = l0.selectFrom(a10.reinterpretAsInts(), a11.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a10.reinterpretAsInts(), a11.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb2 = l0.selectFrom(a20.reinterpretAsInts(), a21.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a20.reinterpretAsInts(), a21.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb3 = l0.selectFrom(a30.reinterpretAsInts(), a31.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a30.reinterpretAsInts(), a31.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc0 = l1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc1 = l1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats());
        if (lanes == 4) {
            gc0.intoArray(scratch, 0 * lanes);
            gc1.intoArray(scratch, 1 * lanes);
        } else {
            FloatVector gd0 = l2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats()
                    .add(h2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats());
            if (lanes == 8) {
                gd0.intoArray(scratch, 0 * lanes);
            } else {
                FloatVector ge0 = l3.selectFrom(gd0.reinterpretAsInts(), gd0.reinterpretAsInts()).reinterpretAsFloats()
                        .add(h3.selectFrom(gd0.reinterpretAsInts(), gd0.reinterpretAsInts()).reinterpretAsFloats());
                ge0.intoArray(scratch, 0 * lanes);
            }
        }
        if (bound < inDim) { // columns past the last whole vector, only when inDim is not a multiple of lanes
            scratch[sumAt8(0)] = tail(scratch[sumAt8(0)], F32, w, w0, x, x0, bound, inDim);
            scratch[sumAt8(1)] = tail(scratch[sumAt8(1)], F32, w, w0, x, x1, bound, inDim);
            scratch[sumAt8(2)] = tail(scratch[sumAt8(2)], F32, w, w1, x, x0, bound, inDim);
            scratch[sumAt8(3)] = tail(scratch[sumAt8(3)], F32, w, w1, x, x1, bound, inDim);
            scratch[sumAt8(4)] = tail(scratch[sumAt8(4)], F32, w, w2, x, x0, bound, inDim);
            scratch[sumAt8(5)] = tail(scratch[sumAt8(5)], F32, w, w2, x, x1, bound, inDim);
            scratch[sumAt8(6)] = tail(scratch[sumAt8(6)], F32, w, w3, x, x0, bound, inDim);
            scratch[sumAt8(7)] = tail(scratch[sumAt8(7)], F32, w, w3, x, x1, bound, inDim);
        }
        out[(t + 0) * outDim + d] = scratch[sumAt8(0)];
        out[(t + 1) * outDim + d] = scratch[sumAt8(1)];
        out[(t + 0) * outDim + d1] = scratch[sumAt8(2)];
        out[(t + 1) * outDim + d1] = scratch[sumAt8(3)];
        out[(t + 0) * outDim + d2] = scratch[sumAt8(4)];
        out[(t + 1) * outDim + d2] = scratch[sumAt8(5)];
        out[(t + 0) * outDim + dLast] = scratch[sumAt8(6)];
        out[(t + 1) * outDim + dLast] = scratch[sumAt8(7)];
    }

    /** Weight rows d + k·stride (k &lt; 4, clamped to dEnd) × activation rows t .. t+1. */
    private void tile4x2Bf16(float[] out, MemorySegment w, float[] x, int outDim, int inDim,
                             int d, int dEnd, int stride,
                             int t, float[] scratch) {
        int dLast = Math.min(d + 3 * stride, dEnd); // the 4th weight row
        int d1 = Math.min(d + stride, dEnd);
        int d2 = Math.min(d + 2 * stride, dEnd);
        long w0 = (long) d * inDim;
        long w1 = (long) d1 * inDim;
        long w2 = (long) d2 * inDim;
        long w3 = (long) dLast * inDim;
        int group = 2; // activation rows t .. t + 1: one group of blockOrder
        int bound = pairBound(inDim);
        int rest = inDim - bound; // each activation row's tail, after the group's blocks
        int x0 = X_OFFSET + t * inDim + bound * group - bound; // where the tail of row t would start at column 0
        int x1 = x0 + rest;
        VectorSpecies<Float> sp = floats();
        FloatVector z = FloatVector.zero(sp);
        FloatVector a00 = z, a01 = z; // a<weight row><activation row>
        FloatVector a10 = z, a11 = z;
        FloatVector a20 = z, a21 = z;
        FloatVector a30 = z, a31 = z;
        VectorSpecies<Integer> is = ints();
        int step = sp.length();
        int span = 2 * step; // floats of one activation row in one block
        int next = group * span; // from one block to the next
        for (int j = 0, b = X_OFFSET + t * inDim; j < bound; j += span, b += next) {
            IntVector p0 = IntVector.fromMemorySegment(is, w, (w0 + j) * 2, LE);
            IntVector p1 = IntVector.fromMemorySegment(is, w, (w1 + j) * 2, LE);
            IntVector p2 = IntVector.fromMemorySegment(is, w, (w2 + j) * 2, LE);
            IntVector p3 = IntVector.fromMemorySegment(is, w, (w3 + j) * 2, LE);
            FloatVector u0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u2 = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u3 = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector v = FloatVector.fromArray(sp, x, b);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + 1 * span);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
            u0 = p0.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u1 = p1.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u2 = p2.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u3 = p3.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            v = FloatVector.fromArray(sp, x, b + step);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + 1 * span + step);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
        }
        int lanes = sp.length();
        a00.intoArray(scratch, 0 * lanes);
        a01.intoArray(scratch, 1 * lanes);
        a10.intoArray(scratch, 2 * lanes);
        a11.intoArray(scratch, 3 * lanes);
        a20.intoArray(scratch, 4 * lanes);
        a21.intoArray(scratch, 5 * lanes);
        a30.intoArray(scratch, 6 * lanes);
        a31.intoArray(scratch, 7 * lanes);
        fold8(scratch, 0); // out of line: with the fold inline C2 sometimes boxed this tile (see fold8)
        if (bound < inDim) { // columns past the last pair of vectors (pairBound): inDim not a multiple of 2 lanes
            scratch[sumAt8(0)] = tail(scratch[sumAt8(0)], BF16, w, w0, x, x0, bound, inDim);
            scratch[sumAt8(1)] = tail(scratch[sumAt8(1)], BF16, w, w0, x, x1, bound, inDim);
            scratch[sumAt8(2)] = tail(scratch[sumAt8(2)], BF16, w, w1, x, x0, bound, inDim);
            scratch[sumAt8(3)] = tail(scratch[sumAt8(3)], BF16, w, w1, x, x1, bound, inDim);
            scratch[sumAt8(4)] = tail(scratch[sumAt8(4)], BF16, w, w2, x, x0, bound, inDim);
            scratch[sumAt8(5)] = tail(scratch[sumAt8(5)], BF16, w, w2, x, x1, bound, inDim);
            scratch[sumAt8(6)] = tail(scratch[sumAt8(6)], BF16, w, w3, x, x0, bound, inDim);
            scratch[sumAt8(7)] = tail(scratch[sumAt8(7)], BF16, w, w3, x, x1, bound, inDim);
        }
        out[(t + 0) * outDim + d] = scratch[sumAt8(0)];
        out[(t + 1) * outDim + d] = scratch[sumAt8(1)];
        out[(t + 0) * outDim + d1] = scratch[sumAt8(2)];
        out[(t + 1) * outDim + d1] = scratch[sumAt8(3)];
        out[(t + 0) * outDim + d2] = scratch[sumAt8(4)];
        out[(t + 1) * outDim + d2] = scratch[sumAt8(5)];
        out[(t + 0) * outDim + dLast] = scratch[sumAt8(6)];
        out[(t + 1) * outDim + dLast] = scratch[sumAt8(7)];
    }

    /** {@link #tile4x2Bf16} for rows of at most {@link #SHORT_ROW} weights. */
    private void tile4x2Bf16Short(float[] out, MemorySegment w, float[] x, int outDim, int inDim,
                             int d, int dEnd, int stride,
                             int t, float[] scratch) {
        int dLast = Math.min(d + 3 * stride, dEnd); // the 4th weight row
        int d1 = Math.min(d + stride, dEnd);
        int d2 = Math.min(d + 2 * stride, dEnd);
        long w0 = (long) d * inDim;
        long w1 = (long) d1 * inDim;
        long w2 = (long) d2 * inDim;
        long w3 = (long) dLast * inDim;
        int group = 2; // activation rows t .. t + 1: one group of blockOrder
        int bound = pairBound(inDim);
        int rest = inDim - bound; // each activation row's tail, after the group's blocks
        int x0 = X_OFFSET + t * inDim + bound * group - bound; // where the tail of row t would start at column 0
        int x1 = x0 + rest;
        VectorSpecies<Float> sp = floats();
        FloatVector z = FloatVector.zero(sp);
        FloatVector a00 = z, a01 = z; // a<weight row><activation row>
        FloatVector a10 = z, a11 = z;
        FloatVector a20 = z, a21 = z;
        FloatVector a30 = z, a31 = z;
        VectorSpecies<Integer> is = ints();
        int step = sp.length();
        int span = 2 * step; // floats of one activation row in one block
        int next = group * span; // from one block to the next
        // not a counted loop: see SHORT_ROW
        for (int j = 0, b = X_OFFSET + t * inDim; j + span <= bound; j += span, b += next) {
            IntVector p0 = IntVector.fromMemorySegment(is, w, (w0 + j) * 2, LE);
            IntVector p1 = IntVector.fromMemorySegment(is, w, (w1 + j) * 2, LE);
            IntVector p2 = IntVector.fromMemorySegment(is, w, (w2 + j) * 2, LE);
            IntVector p3 = IntVector.fromMemorySegment(is, w, (w3 + j) * 2, LE);
            FloatVector u0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u2 = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u3 = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector v = FloatVector.fromArray(sp, x, b);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + 1 * span);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
            u0 = p0.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u1 = p1.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u2 = p2.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u3 = p3.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            v = FloatVector.fromArray(sp, x, b + step);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + 1 * span + step);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
        }
        int lanes = sp.length();
        a00.intoArray(scratch, 0 * lanes);
        a01.intoArray(scratch, 1 * lanes);
        a10.intoArray(scratch, 2 * lanes);
        a11.intoArray(scratch, 3 * lanes);
        a20.intoArray(scratch, 4 * lanes);
        a21.intoArray(scratch, 5 * lanes);
        a30.intoArray(scratch, 6 * lanes);
        a31.intoArray(scratch, 7 * lanes);
        fold8(scratch, 0); // out of line: with the fold inline C2 sometimes boxed this tile (see fold8)
        if (bound < inDim) { // columns past the last pair of vectors (pairBound): inDim not a multiple of 2 lanes
            scratch[sumAt8(0)] = tail(scratch[sumAt8(0)], BF16, w, w0, x, x0, bound, inDim);
            scratch[sumAt8(1)] = tail(scratch[sumAt8(1)], BF16, w, w0, x, x1, bound, inDim);
            scratch[sumAt8(2)] = tail(scratch[sumAt8(2)], BF16, w, w1, x, x0, bound, inDim);
            scratch[sumAt8(3)] = tail(scratch[sumAt8(3)], BF16, w, w1, x, x1, bound, inDim);
            scratch[sumAt8(4)] = tail(scratch[sumAt8(4)], BF16, w, w2, x, x0, bound, inDim);
            scratch[sumAt8(5)] = tail(scratch[sumAt8(5)], BF16, w, w2, x, x1, bound, inDim);
            scratch[sumAt8(6)] = tail(scratch[sumAt8(6)], BF16, w, w3, x, x0, bound, inDim);
            scratch[sumAt8(7)] = tail(scratch[sumAt8(7)], BF16, w, w3, x, x1, bound, inDim);
        }
        out[(t + 0) * outDim + d] = scratch[sumAt8(0)];
        out[(t + 1) * outDim + d] = scratch[sumAt8(1)];
        out[(t + 0) * outDim + d1] = scratch[sumAt8(2)];
        out[(t + 1) * outDim + d1] = scratch[sumAt8(3)];
        out[(t + 0) * outDim + d2] = scratch[sumAt8(4)];
        out[(t + 1) * outDim + d2] = scratch[sumAt8(5)];
        out[(t + 0) * outDim + dLast] = scratch[sumAt8(6)];
        out[(t + 1) * outDim + dLast] = scratch[sumAt8(7)];
    }

    /** Weight rows d + k·stride (k &lt; 4, clamped to dEnd) × activation rows t .. t+1. */
    private void tile4x2F16(float[] out, MemorySegment w, float[] x, int outDim, int inDim, int d, int dEnd, int stride,
                             int t, float[] scratch) {
        int dLast = Math.min(d + 3 * stride, dEnd); // the 4th weight row
        int d1 = Math.min(d + stride, dEnd);
        int d2 = Math.min(d + 2 * stride, dEnd);
        long w0 = (long) d * inDim;
        long w1 = (long) d1 * inDim;
        long w2 = (long) d2 * inDim;
        long w3 = (long) dLast * inDim;
        int x0 = t * inDim;
        int x1 = x0 + inDim;
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(inDim);
        FloatVector z = FloatVector.zero(sp);
        FloatVector a00 = z, a01 = z; // a<weight row><activation row>
        FloatVector a10 = z, a11 = z;
        FloatVector a20 = z, a21 = z;
        FloatVector a30 = z, a31 = z;
        for (int j = 0; j < bound; j += sp.length()) {
            FloatVector v0 = FloatVector.fromArray(sp, x, x0 + j);
            FloatVector v1 = FloatVector.fromArray(sp, x, x1 + j);
            FloatVector u = f16(w, w0 + j);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            u = f16(w, w1 + j);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            u = f16(w, w2 + j);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            u = f16(w, w3 + j);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
        }
        int lanes = sp.length();
        IntVector l0 = level(0);
        IntVector h0 = level(1);
        IntVector l1 = level(2);
        IntVector h1 = level(3);
        IntVector l2 = level(4);
        IntVector h2 = level(5);
        IntVector l3 = level(6);
        IntVector h3 = level(7);
        FloatVector gb0 = l0.selectFrom(a00.reinterpretAsInts(), a01.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a00.reinterpretAsInts(), a01.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb1 = l0.selectFrom(a10.reinterpretAsInts(), a11.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a10.reinterpretAsInts(), a11.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb2 = l0.selectFrom(a20.reinterpretAsInts(), a21.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a20.reinterpretAsInts(), a21.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb3 = l0.selectFrom(a30.reinterpretAsInts(), a31.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a30.reinterpretAsInts(), a31.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc0 = l1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc1 = l1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats());
        if (lanes == 4) {
            gc0.intoArray(scratch, 0 * lanes);
            gc1.intoArray(scratch, 1 * lanes);
        } else {
            FloatVector gd0 = l2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats()
                    .add(h2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats());
            if (lanes == 8) {
                gd0.intoArray(scratch, 0 * lanes);
            } else {
                FloatVector ge0 = l3.selectFrom(gd0.reinterpretAsInts(), gd0.reinterpretAsInts()).reinterpretAsFloats()
                        .add(h3.selectFrom(gd0.reinterpretAsInts(), gd0.reinterpretAsInts()).reinterpretAsFloats());
                ge0.intoArray(scratch, 0 * lanes);
            }
        }
        if (bound < inDim) { // columns past the last whole vector, only when inDim is not a multiple of lanes
            scratch[sumAt8(0)] = tail(scratch[sumAt8(0)], F16, w, w0, x, x0, bound, inDim);
            scratch[sumAt8(1)] = tail(scratch[sumAt8(1)], F16, w, w0, x, x1, bound, inDim);
            scratch[sumAt8(2)] = tail(scratch[sumAt8(2)], F16, w, w1, x, x0, bound, inDim);
            scratch[sumAt8(3)] = tail(scratch[sumAt8(3)], F16, w, w1, x, x1, bound, inDim);
            scratch[sumAt8(4)] = tail(scratch[sumAt8(4)], F16, w, w2, x, x0, bound, inDim);
            scratch[sumAt8(5)] = tail(scratch[sumAt8(5)], F16, w, w2, x, x1, bound, inDim);
            scratch[sumAt8(6)] = tail(scratch[sumAt8(6)], F16, w, w3, x, x0, bound, inDim);
            scratch[sumAt8(7)] = tail(scratch[sumAt8(7)], F16, w, w3, x, x1, bound, inDim);
        }
        out[(t + 0) * outDim + d] = scratch[sumAt8(0)];
        out[(t + 1) * outDim + d] = scratch[sumAt8(1)];
        out[(t + 0) * outDim + d1] = scratch[sumAt8(2)];
        out[(t + 1) * outDim + d1] = scratch[sumAt8(3)];
        out[(t + 0) * outDim + d2] = scratch[sumAt8(4)];
        out[(t + 1) * outDim + d2] = scratch[sumAt8(5)];
        out[(t + 0) * outDim + dLast] = scratch[sumAt8(6)];
        out[(t + 1) * outDim + dLast] = scratch[sumAt8(7)];
    }

    /** Weight rows d + k·stride (k &lt; 4, clamped to dEnd) × activation rows t .. t+4. */
    private void tile4x5F32(float[] out, MemorySegment w, float[] x, int outDim, int inDim, int d, int dEnd, int stride,
                             int t, float[] scratch) {
        int dLast = Math.min(d + 3 * stride, dEnd); // the 4th weight row
        int d1 = Math.min(d + stride, dEnd);
        int d2 = Math.min(d + 2 * stride, dEnd);
        long w0 = (long) d * inDim;
        long w1 = (long) d1 * inDim;
        long w2 = (long) d2 * inDim;
        long w3 = (long) dLast * inDim;
        int x0 = t * inDim;
        int x1 = x0 + inDim;
        int x2 = x1 + inDim;
        int x3 = x2 + inDim;
        int x4 = x3 + inDim;
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(inDim);
        FloatVector z = FloatVector.zero(sp);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a04 = z; // a<weight row><activation row>
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z, a14 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a24 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z, a34 = z;
        for (int j = 0; j < bound; j += sp.length()) {
            FloatVector v0 = FloatVector.fromArray(sp, x, x0 + j);
            FloatVector v1 = FloatVector.fromArray(sp, x, x1 + j);
            FloatVector v2 = FloatVector.fromArray(sp, x, x2 + j);
            FloatVector v3 = FloatVector.fromArray(sp, x, x3 + j);
            FloatVector v4 = FloatVector.fromArray(sp, x, x4 + j);
            FloatVector u = f32(w, w0 + j);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            a03 = u.fma(v3, a03);
            a04 = u.fma(v4, a04);
            u = f32(w, w1 + j);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
            a13 = u.fma(v3, a13);
            a14 = u.fma(v4, a14);
            u = f32(w, w2 + j);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            a22 = u.fma(v2, a22);
            a23 = u.fma(v3, a23);
            a24 = u.fma(v4, a24);
            u = f32(w, w3 + j);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
            a32 = u.fma(v2, a32);
            a33 = u.fma(v3, a33);
            a34 = u.fma(v4, a34);
        }
        int lanes = sp.length();
        int fifth = 16 * lanes; // accumulators 16..19 (a31..a34): a second group of 4
        a00.intoArray(scratch, 0 * lanes);
        a01.intoArray(scratch, 1 * lanes);
        a02.intoArray(scratch, 2 * lanes);
        a03.intoArray(scratch, 3 * lanes);
        a04.intoArray(scratch, 4 * lanes);
        a10.intoArray(scratch, 5 * lanes);
        a11.intoArray(scratch, 6 * lanes);
        a12.intoArray(scratch, 7 * lanes);
        a13.intoArray(scratch, 8 * lanes);
        a14.intoArray(scratch, 9 * lanes);
        a20.intoArray(scratch, 10 * lanes);
        a21.intoArray(scratch, 11 * lanes);
        a22.intoArray(scratch, 12 * lanes);
        a23.intoArray(scratch, 13 * lanes);
        a24.intoArray(scratch, 14 * lanes);
        a30.intoArray(scratch, 15 * lanes);
        a31.intoArray(scratch, fifth + 0 * lanes);
        a32.intoArray(scratch, fifth + 1 * lanes);
        a33.intoArray(scratch, fifth + 2 * lanes);
        a34.intoArray(scratch, fifth + 3 * lanes);
        fold16(scratch, 0);
        fold4(scratch, fifth);
        if (bound < inDim) { // columns past the last whole vector, only when inDim is not a multiple of lanes
            scratch[sumAt16(0)] = tail(scratch[sumAt16(0)], F32, w, w0, x, x0, bound, inDim);
            scratch[sumAt16(1)] = tail(scratch[sumAt16(1)], F32, w, w0, x, x1, bound, inDim);
            scratch[sumAt16(2)] = tail(scratch[sumAt16(2)], F32, w, w0, x, x2, bound, inDim);
            scratch[sumAt16(3)] = tail(scratch[sumAt16(3)], F32, w, w0, x, x3, bound, inDim);
            scratch[sumAt16(4)] = tail(scratch[sumAt16(4)], F32, w, w0, x, x4, bound, inDim);
            scratch[sumAt16(5)] = tail(scratch[sumAt16(5)], F32, w, w1, x, x0, bound, inDim);
            scratch[sumAt16(6)] = tail(scratch[sumAt16(6)], F32, w, w1, x, x1, bound, inDim);
            scratch[sumAt16(7)] = tail(scratch[sumAt16(7)], F32, w, w1, x, x2, bound, inDim);
            scratch[sumAt16(8)] = tail(scratch[sumAt16(8)], F32, w, w1, x, x3, bound, inDim);
            scratch[sumAt16(9)] = tail(scratch[sumAt16(9)], F32, w, w1, x, x4, bound, inDim);
            scratch[sumAt16(10)] = tail(scratch[sumAt16(10)], F32, w, w2, x, x0, bound, inDim);
            scratch[sumAt16(11)] = tail(scratch[sumAt16(11)], F32, w, w2, x, x1, bound, inDim);
            scratch[sumAt16(12)] = tail(scratch[sumAt16(12)], F32, w, w2, x, x2, bound, inDim);
            scratch[sumAt16(13)] = tail(scratch[sumAt16(13)], F32, w, w2, x, x3, bound, inDim);
            scratch[sumAt16(14)] = tail(scratch[sumAt16(14)], F32, w, w2, x, x4, bound, inDim);
            scratch[sumAt16(15)] = tail(scratch[sumAt16(15)], F32, w, w3, x, x0, bound, inDim);
            scratch[fifth + sumAt4(0)] = tail(scratch[fifth + sumAt4(0)], F32, w, w3, x, x1, bound, inDim);
            scratch[fifth + sumAt4(1)] = tail(scratch[fifth + sumAt4(1)], F32, w, w3, x, x2, bound, inDim);
            scratch[fifth + sumAt4(2)] = tail(scratch[fifth + sumAt4(2)], F32, w, w3, x, x3, bound, inDim);
            scratch[fifth + sumAt4(3)] = tail(scratch[fifth + sumAt4(3)], F32, w, w3, x, x4, bound, inDim);
        }
        out[(t + 0) * outDim + d] = scratch[sumAt16(0)];
        out[(t + 1) * outDim + d] = scratch[sumAt16(1)];
        out[(t + 2) * outDim + d] = scratch[sumAt16(2)];
        out[(t + 3) * outDim + d] = scratch[sumAt16(3)];
        out[(t + 4) * outDim + d] = scratch[sumAt16(4)];
        out[(t + 0) * outDim + d1] = scratch[sumAt16(5)];
        out[(t + 1) * outDim + d1] = scratch[sumAt16(6)];
        out[(t + 2) * outDim + d1] = scratch[sumAt16(7)];
        out[(t + 3) * outDim + d1] = scratch[sumAt16(8)];
        out[(t + 4) * outDim + d1] = scratch[sumAt16(9)];
        out[(t + 0) * outDim + d2] = scratch[sumAt16(10)];
        out[(t + 1) * outDim + d2] = scratch[sumAt16(11)];
        out[(t + 2) * outDim + d2] = scratch[sumAt16(12)];
        out[(t + 3) * outDim + d2] = scratch[sumAt16(13)];
        out[(t + 4) * outDim + d2] = scratch[sumAt16(14)];
        out[(t + 0) * outDim + dLast] = scratch[sumAt16(15)];
        out[(t + 1) * outDim + dLast] = scratch[fifth + sumAt4(0)];
        out[(t + 2) * outDim + dLast] = scratch[fifth + sumAt4(1)];
        out[(t + 3) * outDim + dLast] = scratch[fifth + sumAt4(2)];
        out[(t + 4) * outDim + dLast] = scratch[fifth + sumAt4(3)];
    }

    /** Weight rows d + k·stride (k &lt; 4, clamped to dEnd) × activation rows t .. t+4. */
    private void tile4x5Bf16(float[] out, MemorySegment w, float[] x, int outDim, int inDim,
                             int d, int dEnd, int stride,
                             int t, float[] scratch) {
        int dLast = Math.min(d + 3 * stride, dEnd); // the 4th weight row
        int d1 = Math.min(d + stride, dEnd);
        int d2 = Math.min(d + 2 * stride, dEnd);
        long w0 = (long) d * inDim;
        long w1 = (long) d1 * inDim;
        long w2 = (long) d2 * inDim;
        long w3 = (long) dLast * inDim;
        int group = 5; // activation rows t .. t + 4: one group of blockOrder
        int bound = pairBound(inDim);
        int rest = inDim - bound; // each activation row's tail, after the group's blocks
        int x0 = X_OFFSET + t * inDim + bound * group - bound; // where the tail of row t would start at column 0
        int x1 = x0 + rest;
        int x2 = x1 + rest;
        int x3 = x2 + rest;
        int x4 = x3 + rest;
        VectorSpecies<Float> sp = floats();
        FloatVector z = FloatVector.zero(sp);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a04 = z; // a<weight row><activation row>
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z, a14 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a24 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z, a34 = z;
        VectorSpecies<Integer> is = ints();
        int step = sp.length();
        int span = 2 * step; // floats of one activation row in one block
        int next = group * span; // from one block to the next
        for (int j = 0, b = X_OFFSET + t * inDim; j < bound; j += span, b += next) {
            IntVector p0 = IntVector.fromMemorySegment(is, w, (w0 + j) * 2, LE);
            IntVector p1 = IntVector.fromMemorySegment(is, w, (w1 + j) * 2, LE);
            IntVector p2 = IntVector.fromMemorySegment(is, w, (w2 + j) * 2, LE);
            IntVector p3 = IntVector.fromMemorySegment(is, w, (w3 + j) * 2, LE);
            FloatVector u0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u2 = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u3 = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector v = FloatVector.fromArray(sp, x, b);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + 1 * span);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
            v = FloatVector.fromArray(sp, x, b + 2 * span);
            a02 = u0.fma(v, a02);
            a12 = u1.fma(v, a12);
            a22 = u2.fma(v, a22);
            a32 = u3.fma(v, a32);
            v = FloatVector.fromArray(sp, x, b + 3 * span);
            a03 = u0.fma(v, a03);
            a13 = u1.fma(v, a13);
            a23 = u2.fma(v, a23);
            a33 = u3.fma(v, a33);
            v = FloatVector.fromArray(sp, x, b + 4 * span);
            a04 = u0.fma(v, a04);
            a14 = u1.fma(v, a14);
            a24 = u2.fma(v, a24);
            a34 = u3.fma(v, a34);
            u0 = p0.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u1 = p1.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u2 = p2.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u3 = p3.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            v = FloatVector.fromArray(sp, x, b + step);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + 1 * span + step);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
            v = FloatVector.fromArray(sp, x, b + 2 * span + step);
            a02 = u0.fma(v, a02);
            a12 = u1.fma(v, a12);
            a22 = u2.fma(v, a22);
            a32 = u3.fma(v, a32);
            v = FloatVector.fromArray(sp, x, b + 3 * span + step);
            a03 = u0.fma(v, a03);
            a13 = u1.fma(v, a13);
            a23 = u2.fma(v, a23);
            a33 = u3.fma(v, a33);
            v = FloatVector.fromArray(sp, x, b + 4 * span + step);
            a04 = u0.fma(v, a04);
            a14 = u1.fma(v, a14);
            a24 = u2.fma(v, a24);
            a34 = u3.fma(v, a34);
        }
        int lanes = sp.length();
        int fifth = 16 * lanes; // accumulators 16..19 (a31..a34): a second group of 4
        a00.intoArray(scratch, 0 * lanes);
        a01.intoArray(scratch, 1 * lanes);
        a02.intoArray(scratch, 2 * lanes);
        a03.intoArray(scratch, 3 * lanes);
        a04.intoArray(scratch, 4 * lanes);
        a10.intoArray(scratch, 5 * lanes);
        a11.intoArray(scratch, 6 * lanes);
        a12.intoArray(scratch, 7 * lanes);
        a13.intoArray(scratch, 8 * lanes);
        a14.intoArray(scratch, 9 * lanes);
        a20.intoArray(scratch, 10 * lanes);
        a21.intoArray(scratch, 11 * lanes);
        a22.intoArray(scratch, 12 * lanes);
        a23.intoArray(scratch, 13 * lanes);
        a24.intoArray(scratch, 14 * lanes);
        a30.intoArray(scratch, 15 * lanes);
        a31.intoArray(scratch, fifth + 0 * lanes);
        a32.intoArray(scratch, fifth + 1 * lanes);
        a33.intoArray(scratch, fifth + 2 * lanes);
        a34.intoArray(scratch, fifth + 3 * lanes);
        fold16(scratch, 0);
        fold4(scratch, fifth);
        if (bound < inDim) { // columns past the last pair of vectors (pairBound): inDim not a multiple of 2 lanes
            scratch[sumAt16(0)] = tail(scratch[sumAt16(0)], BF16, w, w0, x, x0, bound, inDim);
            scratch[sumAt16(1)] = tail(scratch[sumAt16(1)], BF16, w, w0, x, x1, bound, inDim);
            scratch[sumAt16(2)] = tail(scratch[sumAt16(2)], BF16, w, w0, x, x2, bound, inDim);
            scratch[sumAt16(3)] = tail(scratch[sumAt16(3)], BF16, w, w0, x, x3, bound, inDim);
            scratch[sumAt16(4)] = tail(scratch[sumAt16(4)], BF16, w, w0, x, x4, bound, inDim);
            scratch[sumAt16(5)] = tail(scratch[sumAt16(5)], BF16, w, w1, x, x0, bound, inDim);
            scratch[sumAt16(6)] = tail(scratch[sumAt16(6)], BF16, w, w1, x, x1, bound, inDim);
            scratch[sumAt16(7)] = tail(scratch[sumAt16(7)], BF16, w, w1, x, x2, bound, inDim);
            scratch[sumAt16(8)] = tail(scratch[sumAt16(8)], BF16, w, w1, x, x3, bound, inDim);
            scratch[sumAt16(9)] = tail(scratch[sumAt16(9)], BF16, w, w1, x, x4, bound, inDim);
            scratch[sumAt16(10)] = tail(scratch[sumAt16(10)], BF16, w, w2, x, x0, bound, inDim);
            scratch[sumAt16(11)] = tail(scratch[sumAt16(11)], BF16, w, w2, x, x1, bound, inDim);
            scratch[sumAt16(12)] = tail(scratch[sumAt16(12)], BF16, w, w2, x, x2, bound, inDim);
            scratch[sumAt16(13)] = tail(scratch[sumAt16(13)], BF16, w, w2, x, x3, bound, inDim);
            scratch[sumAt16(14)] = tail(scratch[sumAt16(14)], BF16, w, w2, x, x4, bound, inDim);
            scratch[sumAt16(15)] = tail(scratch[sumAt16(15)], BF16, w, w3, x, x0, bound, inDim);
            scratch[fifth + sumAt4(0)] = tail(scratch[fifth + sumAt4(0)], BF16, w, w3, x, x1, bound, inDim);
            scratch[fifth + sumAt4(1)] = tail(scratch[fifth + sumAt4(1)], BF16, w, w3, x, x2, bound, inDim);
            scratch[fifth + sumAt4(2)] = tail(scratch[fifth + sumAt4(2)], BF16, w, w3, x, x3, bound, inDim);
            scratch[fifth + sumAt4(3)] = tail(scratch[fifth + sumAt4(3)], BF16, w, w3, x, x4, bound, inDim);
        }
        out[(t + 0) * outDim + d] = scratch[sumAt16(0)];
        out[(t + 1) * outDim + d] = scratch[sumAt16(1)];
        out[(t + 2) * outDim + d] = scratch[sumAt16(2)];
        out[(t + 3) * outDim + d] = scratch[sumAt16(3)];
        out[(t + 4) * outDim + d] = scratch[sumAt16(4)];
        out[(t + 0) * outDim + d1] = scratch[sumAt16(5)];
        out[(t + 1) * outDim + d1] = scratch[sumAt16(6)];
        out[(t + 2) * outDim + d1] = scratch[sumAt16(7)];
        out[(t + 3) * outDim + d1] = scratch[sumAt16(8)];
        out[(t + 4) * outDim + d1] = scratch[sumAt16(9)];
        out[(t + 0) * outDim + d2] = scratch[sumAt16(10)];
        out[(t + 1) * outDim + d2] = scratch[sumAt16(11)];
        out[(t + 2) * outDim + d2] = scratch[sumAt16(12)];
        out[(t + 3) * outDim + d2] = scratch[sumAt16(13)];
        out[(t + 4) * outDim + d2] = scratch[sumAt16(14)];
        out[(t + 0) * outDim + dLast] = scratch[sumAt16(15)];
        out[(t + 1) * outDim + dLast] = scratch[fifth + sumAt4(0)];
        out[(t + 2) * outDim + dLast] = scratch[fifth + sumAt4(1)];
        out[(t + 3) * outDim + dLast] = scratch[fifth + sumAt4(2)];
        out[(t + 4) * outDim + dLast] = scratch[fifth + sumAt4(3)];
    }

    /**
     * Weight rows d + k·stride (k &lt; 4, clamped to dEnd) × activation rows t .. t+2 of a BF16 matrix: a group of
     * three without the fourth, repeated row a 4×4 tile would compute (12 accumulators). x is in
     * {@link #blockOrder}.
     */
    private void tile4x3Bf16(float[] out, MemorySegment w, float[] x, int outDim, int inDim,
                             int d, int dEnd, int stride,
                             int t, float[] scratch) {
        int dLast = Math.min(d + 3 * stride, dEnd); // the 4th weight row
        int d1 = Math.min(d + stride, dEnd);
        int d2 = Math.min(d + 2 * stride, dEnd);
        long w0 = (long) d * inDim;
        long w1 = (long) d1 * inDim;
        long w2 = (long) d2 * inDim;
        long w3 = (long) dLast * inDim;
        int group = 3; // activation rows t .. t + 2: one group of blockOrder
        int bound = pairBound(inDim);
        int rest = inDim - bound; // each activation row's tail, after the group's blocks
        int x0 = X_OFFSET + t * inDim + bound * group - bound; // where the tail of row t would start at column 0
        int x1 = x0 + rest;
        int x2 = x1 + rest;
        VectorSpecies<Float> sp = floats();
        FloatVector z = FloatVector.zero(sp);
        FloatVector a00 = z, a01 = z, a02 = z; // a<weight row><activation row>
        FloatVector a10 = z, a11 = z, a12 = z;
        FloatVector a20 = z, a21 = z, a22 = z;
        FloatVector a30 = z, a31 = z, a32 = z;
        VectorSpecies<Integer> is = ints();
        int step = sp.length();
        int span = 2 * step; // floats of one activation row in one block
        int next = group * span; // from one block to the next
        for (int j = 0, b = X_OFFSET + t * inDim; j < bound; j += span, b += next) {
            IntVector p0 = IntVector.fromMemorySegment(is, w, (w0 + j) * 2, LE);
            IntVector p1 = IntVector.fromMemorySegment(is, w, (w1 + j) * 2, LE);
            IntVector p2 = IntVector.fromMemorySegment(is, w, (w2 + j) * 2, LE);
            IntVector p3 = IntVector.fromMemorySegment(is, w, (w3 + j) * 2, LE);
            FloatVector u0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u2 = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u3 = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector v = FloatVector.fromArray(sp, x, b);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + 1 * span);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
            v = FloatVector.fromArray(sp, x, b + 2 * span);
            a02 = u0.fma(v, a02);
            a12 = u1.fma(v, a12);
            a22 = u2.fma(v, a22);
            a32 = u3.fma(v, a32);
            u0 = p0.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u1 = p1.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u2 = p2.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u3 = p3.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            v = FloatVector.fromArray(sp, x, b + step);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + 1 * span + step);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
            v = FloatVector.fromArray(sp, x, b + 2 * span + step);
            a02 = u0.fma(v, a02);
            a12 = u1.fma(v, a12);
            a22 = u2.fma(v, a22);
            a32 = u3.fma(v, a32);
        }
        int lanes = sp.length();
        int last4 = 8 * lanes; // accumulators 8..11 (a22, a30, a31, a32): a group of 4 after a group of 8
        a00.intoArray(scratch, 0 * lanes);
        a01.intoArray(scratch, 1 * lanes);
        a02.intoArray(scratch, 2 * lanes);
        a10.intoArray(scratch, 3 * lanes);
        a11.intoArray(scratch, 4 * lanes);
        a12.intoArray(scratch, 5 * lanes);
        a20.intoArray(scratch, 6 * lanes);
        a21.intoArray(scratch, 7 * lanes);
        a22.intoArray(scratch, last4 + 0 * lanes);
        a30.intoArray(scratch, last4 + 1 * lanes);
        a31.intoArray(scratch, last4 + 2 * lanes);
        a32.intoArray(scratch, last4 + 3 * lanes);
        fold8(scratch, 0);
        fold4(scratch, last4);
        if (bound < inDim) { // columns past the last pair of vectors (pairBound): inDim not a multiple of 2 lanes
            scratch[sumAt8(0)] = tail(scratch[sumAt8(0)], BF16, w, w0, x, x0, bound, inDim);
            scratch[sumAt8(1)] = tail(scratch[sumAt8(1)], BF16, w, w0, x, x1, bound, inDim);
            scratch[sumAt8(2)] = tail(scratch[sumAt8(2)], BF16, w, w0, x, x2, bound, inDim);
            scratch[sumAt8(3)] = tail(scratch[sumAt8(3)], BF16, w, w1, x, x0, bound, inDim);
            scratch[sumAt8(4)] = tail(scratch[sumAt8(4)], BF16, w, w1, x, x1, bound, inDim);
            scratch[sumAt8(5)] = tail(scratch[sumAt8(5)], BF16, w, w1, x, x2, bound, inDim);
            scratch[sumAt8(6)] = tail(scratch[sumAt8(6)], BF16, w, w2, x, x0, bound, inDim);
            scratch[sumAt8(7)] = tail(scratch[sumAt8(7)], BF16, w, w2, x, x1, bound, inDim);
            scratch[last4 + sumAt4(0)] = tail(scratch[last4 + sumAt4(0)], BF16, w, w2, x, x2, bound, inDim);
            scratch[last4 + sumAt4(1)] = tail(scratch[last4 + sumAt4(1)], BF16, w, w3, x, x0, bound, inDim);
            scratch[last4 + sumAt4(2)] = tail(scratch[last4 + sumAt4(2)], BF16, w, w3, x, x1, bound, inDim);
            scratch[last4 + sumAt4(3)] = tail(scratch[last4 + sumAt4(3)], BF16, w, w3, x, x2, bound, inDim);
        }
        out[(t + 0) * outDim + d] = scratch[sumAt8(0)];
        out[(t + 1) * outDim + d] = scratch[sumAt8(1)];
        out[(t + 2) * outDim + d] = scratch[sumAt8(2)];
        out[(t + 0) * outDim + d1] = scratch[sumAt8(3)];
        out[(t + 1) * outDim + d1] = scratch[sumAt8(4)];
        out[(t + 2) * outDim + d1] = scratch[sumAt8(5)];
        out[(t + 0) * outDim + d2] = scratch[sumAt8(6)];
        out[(t + 1) * outDim + d2] = scratch[sumAt8(7)];
        out[(t + 2) * outDim + d2] = scratch[last4 + sumAt4(0)];
        out[(t + 0) * outDim + dLast] = scratch[last4 + sumAt4(1)];
        out[(t + 1) * outDim + dLast] = scratch[last4 + sumAt4(2)];
        out[(t + 2) * outDim + dLast] = scratch[last4 + sumAt4(3)];
    }

    /** {@link #tile4x3Bf16} for rows of at most {@link #SHORT_ROW} weights. */
    private void tile4x3Bf16Short(float[] out, MemorySegment w, float[] x, int outDim, int inDim,
                             int d, int dEnd, int stride,
                             int t, float[] scratch) {
        int dLast = Math.min(d + 3 * stride, dEnd); // the 4th weight row
        int d1 = Math.min(d + stride, dEnd);
        int d2 = Math.min(d + 2 * stride, dEnd);
        long w0 = (long) d * inDim;
        long w1 = (long) d1 * inDim;
        long w2 = (long) d2 * inDim;
        long w3 = (long) dLast * inDim;
        int group = 3; // activation rows t .. t + 2: one group of blockOrder
        int bound = pairBound(inDim);
        int rest = inDim - bound; // each activation row's tail, after the group's blocks
        int x0 = X_OFFSET + t * inDim + bound * group - bound; // where the tail of row t would start at column 0
        int x1 = x0 + rest;
        int x2 = x1 + rest;
        VectorSpecies<Float> sp = floats();
        FloatVector z = FloatVector.zero(sp);
        FloatVector a00 = z, a01 = z, a02 = z; // a<weight row><activation row>
        FloatVector a10 = z, a11 = z, a12 = z;
        FloatVector a20 = z, a21 = z, a22 = z;
        FloatVector a30 = z, a31 = z, a32 = z;
        VectorSpecies<Integer> is = ints();
        int step = sp.length();
        int span = 2 * step; // floats of one activation row in one block
        int next = group * span; // from one block to the next
        // not a counted loop: see SHORT_ROW
        for (int j = 0, b = X_OFFSET + t * inDim; j + span <= bound; j += span, b += next) {
            IntVector p0 = IntVector.fromMemorySegment(is, w, (w0 + j) * 2, LE);
            IntVector p1 = IntVector.fromMemorySegment(is, w, (w1 + j) * 2, LE);
            IntVector p2 = IntVector.fromMemorySegment(is, w, (w2 + j) * 2, LE);
            IntVector p3 = IntVector.fromMemorySegment(is, w, (w3 + j) * 2, LE);
            FloatVector u0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u2 = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u3 = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector v = FloatVector.fromArray(sp, x, b);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + 1 * span);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
            v = FloatVector.fromArray(sp, x, b + 2 * span);
            a02 = u0.fma(v, a02);
            a12 = u1.fma(v, a12);
            a22 = u2.fma(v, a22);
            a32 = u3.fma(v, a32);
            u0 = p0.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u1 = p1.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u2 = p2.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u3 = p3.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            v = FloatVector.fromArray(sp, x, b + step);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + 1 * span + step);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
            v = FloatVector.fromArray(sp, x, b + 2 * span + step);
            a02 = u0.fma(v, a02);
            a12 = u1.fma(v, a12);
            a22 = u2.fma(v, a22);
            a32 = u3.fma(v, a32);
        }
        int lanes = sp.length();
        int last4 = 8 * lanes; // accumulators 8..11 (a22, a30, a31, a32): a group of 4 after a group of 8
        a00.intoArray(scratch, 0 * lanes);
        a01.intoArray(scratch, 1 * lanes);
        a02.intoArray(scratch, 2 * lanes);
        a10.intoArray(scratch, 3 * lanes);
        a11.intoArray(scratch, 4 * lanes);
        a12.intoArray(scratch, 5 * lanes);
        a20.intoArray(scratch, 6 * lanes);
        a21.intoArray(scratch, 7 * lanes);
        a22.intoArray(scratch, last4 + 0 * lanes);
        a30.intoArray(scratch, last4 + 1 * lanes);
        a31.intoArray(scratch, last4 + 2 * lanes);
        a32.intoArray(scratch, last4 + 3 * lanes);
        fold8(scratch, 0);
        fold4(scratch, last4);
        if (bound < inDim) { // columns past the last pair of vectors (pairBound): inDim not a multiple of 2 lanes
            scratch[sumAt8(0)] = tail(scratch[sumAt8(0)], BF16, w, w0, x, x0, bound, inDim);
            scratch[sumAt8(1)] = tail(scratch[sumAt8(1)], BF16, w, w0, x, x1, bound, inDim);
            scratch[sumAt8(2)] = tail(scratch[sumAt8(2)], BF16, w, w0, x, x2, bound, inDim);
            scratch[sumAt8(3)] = tail(scratch[sumAt8(3)], BF16, w, w1, x, x0, bound, inDim);
            scratch[sumAt8(4)] = tail(scratch[sumAt8(4)], BF16, w, w1, x, x1, bound, inDim);
            scratch[sumAt8(5)] = tail(scratch[sumAt8(5)], BF16, w, w1, x, x2, bound, inDim);
            scratch[sumAt8(6)] = tail(scratch[sumAt8(6)], BF16, w, w2, x, x0, bound, inDim);
            scratch[sumAt8(7)] = tail(scratch[sumAt8(7)], BF16, w, w2, x, x1, bound, inDim);
            scratch[last4 + sumAt4(0)] = tail(scratch[last4 + sumAt4(0)], BF16, w, w2, x, x2, bound, inDim);
            scratch[last4 + sumAt4(1)] = tail(scratch[last4 + sumAt4(1)], BF16, w, w3, x, x0, bound, inDim);
            scratch[last4 + sumAt4(2)] = tail(scratch[last4 + sumAt4(2)], BF16, w, w3, x, x1, bound, inDim);
            scratch[last4 + sumAt4(3)] = tail(scratch[last4 + sumAt4(3)], BF16, w, w3, x, x2, bound, inDim);
        }
        out[(t + 0) * outDim + d] = scratch[sumAt8(0)];
        out[(t + 1) * outDim + d] = scratch[sumAt8(1)];
        out[(t + 2) * outDim + d] = scratch[sumAt8(2)];
        out[(t + 0) * outDim + d1] = scratch[sumAt8(3)];
        out[(t + 1) * outDim + d1] = scratch[sumAt8(4)];
        out[(t + 2) * outDim + d1] = scratch[sumAt8(5)];
        out[(t + 0) * outDim + d2] = scratch[sumAt8(6)];
        out[(t + 1) * outDim + d2] = scratch[sumAt8(7)];
        out[(t + 2) * outDim + d2] = scratch[last4 + sumAt4(0)];
        out[(t + 0) * outDim + dLast] = scratch[last4 + sumAt4(1)];
        out[(t + 1) * outDim + dLast] = scratch[last4 + sumAt4(2)];
        out[(t + 2) * outDim + dLast] = scratch[last4 + sumAt4(3)];
    }

    /** {@link #tile4x5Bf16} for rows of at most {@link #SHORT_ROW} weights. */
    private void tile4x5Bf16Short(float[] out, MemorySegment w, float[] x, int outDim, int inDim,
                             int d, int dEnd, int stride,
                             int t, float[] scratch) {
        int dLast = Math.min(d + 3 * stride, dEnd); // the 4th weight row
        int d1 = Math.min(d + stride, dEnd);
        int d2 = Math.min(d + 2 * stride, dEnd);
        long w0 = (long) d * inDim;
        long w1 = (long) d1 * inDim;
        long w2 = (long) d2 * inDim;
        long w3 = (long) dLast * inDim;
        int group = 5; // activation rows t .. t + 4: one group of blockOrder
        int bound = pairBound(inDim);
        int rest = inDim - bound; // each activation row's tail, after the group's blocks
        int x0 = X_OFFSET + t * inDim + bound * group - bound; // where the tail of row t would start at column 0
        int x1 = x0 + rest;
        int x2 = x1 + rest;
        int x3 = x2 + rest;
        int x4 = x3 + rest;
        VectorSpecies<Float> sp = floats();
        FloatVector z = FloatVector.zero(sp);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a04 = z; // a<weight row><activation row>
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z, a14 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a24 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z, a34 = z;
        VectorSpecies<Integer> is = ints();
        int step = sp.length();
        int span = 2 * step; // floats of one activation row in one block
        int next = group * span; // from one block to the next
        // not a counted loop: see SHORT_ROW
        for (int j = 0, b = X_OFFSET + t * inDim; j + span <= bound; j += span, b += next) {
            IntVector p0 = IntVector.fromMemorySegment(is, w, (w0 + j) * 2, LE);
            IntVector p1 = IntVector.fromMemorySegment(is, w, (w1 + j) * 2, LE);
            IntVector p2 = IntVector.fromMemorySegment(is, w, (w2 + j) * 2, LE);
            IntVector p3 = IntVector.fromMemorySegment(is, w, (w3 + j) * 2, LE);
            FloatVector u0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u2 = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u3 = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector v = FloatVector.fromArray(sp, x, b);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + 1 * span);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
            v = FloatVector.fromArray(sp, x, b + 2 * span);
            a02 = u0.fma(v, a02);
            a12 = u1.fma(v, a12);
            a22 = u2.fma(v, a22);
            a32 = u3.fma(v, a32);
            v = FloatVector.fromArray(sp, x, b + 3 * span);
            a03 = u0.fma(v, a03);
            a13 = u1.fma(v, a13);
            a23 = u2.fma(v, a23);
            a33 = u3.fma(v, a33);
            v = FloatVector.fromArray(sp, x, b + 4 * span);
            a04 = u0.fma(v, a04);
            a14 = u1.fma(v, a14);
            a24 = u2.fma(v, a24);
            a34 = u3.fma(v, a34);
            u0 = p0.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u1 = p1.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u2 = p2.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u3 = p3.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            v = FloatVector.fromArray(sp, x, b + step);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + 1 * span + step);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
            v = FloatVector.fromArray(sp, x, b + 2 * span + step);
            a02 = u0.fma(v, a02);
            a12 = u1.fma(v, a12);
            a22 = u2.fma(v, a22);
            a32 = u3.fma(v, a32);
            v = FloatVector.fromArray(sp, x, b + 3 * span + step);
            a03 = u0.fma(v, a03);
            a13 = u1.fma(v, a13);
            a23 = u2.fma(v, a23);
            a33 = u3.fma(v, a33);
            v = FloatVector.fromArray(sp, x, b + 4 * span + step);
            a04 = u0.fma(v, a04);
            a14 = u1.fma(v, a14);
            a24 = u2.fma(v, a24);
            a34 = u3.fma(v, a34);
        }
        int lanes = sp.length();
        int fifth = 16 * lanes; // accumulators 16..19 (a31..a34): a second group of 4
        a00.intoArray(scratch, 0 * lanes);
        a01.intoArray(scratch, 1 * lanes);
        a02.intoArray(scratch, 2 * lanes);
        a03.intoArray(scratch, 3 * lanes);
        a04.intoArray(scratch, 4 * lanes);
        a10.intoArray(scratch, 5 * lanes);
        a11.intoArray(scratch, 6 * lanes);
        a12.intoArray(scratch, 7 * lanes);
        a13.intoArray(scratch, 8 * lanes);
        a14.intoArray(scratch, 9 * lanes);
        a20.intoArray(scratch, 10 * lanes);
        a21.intoArray(scratch, 11 * lanes);
        a22.intoArray(scratch, 12 * lanes);
        a23.intoArray(scratch, 13 * lanes);
        a24.intoArray(scratch, 14 * lanes);
        a30.intoArray(scratch, 15 * lanes);
        a31.intoArray(scratch, fifth + 0 * lanes);
        a32.intoArray(scratch, fifth + 1 * lanes);
        a33.intoArray(scratch, fifth + 2 * lanes);
        a34.intoArray(scratch, fifth + 3 * lanes);
        fold16(scratch, 0);
        fold4(scratch, fifth);
        if (bound < inDim) { // columns past the last pair of vectors (pairBound): inDim not a multiple of 2 lanes
            scratch[sumAt16(0)] = tail(scratch[sumAt16(0)], BF16, w, w0, x, x0, bound, inDim);
            scratch[sumAt16(1)] = tail(scratch[sumAt16(1)], BF16, w, w0, x, x1, bound, inDim);
            scratch[sumAt16(2)] = tail(scratch[sumAt16(2)], BF16, w, w0, x, x2, bound, inDim);
            scratch[sumAt16(3)] = tail(scratch[sumAt16(3)], BF16, w, w0, x, x3, bound, inDim);
            scratch[sumAt16(4)] = tail(scratch[sumAt16(4)], BF16, w, w0, x, x4, bound, inDim);
            scratch[sumAt16(5)] = tail(scratch[sumAt16(5)], BF16, w, w1, x, x0, bound, inDim);
            scratch[sumAt16(6)] = tail(scratch[sumAt16(6)], BF16, w, w1, x, x1, bound, inDim);
            scratch[sumAt16(7)] = tail(scratch[sumAt16(7)], BF16, w, w1, x, x2, bound, inDim);
            scratch[sumAt16(8)] = tail(scratch[sumAt16(8)], BF16, w, w1, x, x3, bound, inDim);
            scratch[sumAt16(9)] = tail(scratch[sumAt16(9)], BF16, w, w1, x, x4, bound, inDim);
            scratch[sumAt16(10)] = tail(scratch[sumAt16(10)], BF16, w, w2, x, x0, bound, inDim);
            scratch[sumAt16(11)] = tail(scratch[sumAt16(11)], BF16, w, w2, x, x1, bound, inDim);
            scratch[sumAt16(12)] = tail(scratch[sumAt16(12)], BF16, w, w2, x, x2, bound, inDim);
            scratch[sumAt16(13)] = tail(scratch[sumAt16(13)], BF16, w, w2, x, x3, bound, inDim);
            scratch[sumAt16(14)] = tail(scratch[sumAt16(14)], BF16, w, w2, x, x4, bound, inDim);
            scratch[sumAt16(15)] = tail(scratch[sumAt16(15)], BF16, w, w3, x, x0, bound, inDim);
            scratch[fifth + sumAt4(0)] = tail(scratch[fifth + sumAt4(0)], BF16, w, w3, x, x1, bound, inDim);
            scratch[fifth + sumAt4(1)] = tail(scratch[fifth + sumAt4(1)], BF16, w, w3, x, x2, bound, inDim);
            scratch[fifth + sumAt4(2)] = tail(scratch[fifth + sumAt4(2)], BF16, w, w3, x, x3, bound, inDim);
            scratch[fifth + sumAt4(3)] = tail(scratch[fifth + sumAt4(3)], BF16, w, w3, x, x4, bound, inDim);
        }
        out[(t + 0) * outDim + d] = scratch[sumAt16(0)];
        out[(t + 1) * outDim + d] = scratch[sumAt16(1)];
        out[(t + 2) * outDim + d] = scratch[sumAt16(2)];
        out[(t + 3) * outDim + d] = scratch[sumAt16(3)];
        out[(t + 4) * outDim + d] = scratch[sumAt16(4)];
        out[(t + 0) * outDim + d1] = scratch[sumAt16(5)];
        out[(t + 1) * outDim + d1] = scratch[sumAt16(6)];
        out[(t + 2) * outDim + d1] = scratch[sumAt16(7)];
        out[(t + 3) * outDim + d1] = scratch[sumAt16(8)];
        out[(t + 4) * outDim + d1] = scratch[sumAt16(9)];
        out[(t + 0) * outDim + d2] = scratch[sumAt16(10)];
        out[(t + 1) * outDim + d2] = scratch[sumAt16(11)];
        out[(t + 2) * outDim + d2] = scratch[sumAt16(12)];
        out[(t + 3) * outDim + d2] = scratch[sumAt16(13)];
        out[(t + 4) * outDim + d2] = scratch[sumAt16(14)];
        out[(t + 0) * outDim + dLast] = scratch[sumAt16(15)];
        out[(t + 1) * outDim + dLast] = scratch[fifth + sumAt4(0)];
        out[(t + 2) * outDim + dLast] = scratch[fifth + sumAt4(1)];
        out[(t + 3) * outDim + dLast] = scratch[fifth + sumAt4(2)];
        out[(t + 4) * outDim + dLast] = scratch[fifth + sumAt4(3)];
    }

    /** Weight rows d + k·stride (k &lt; 4, clamped to dEnd) × activation rows t .. t+4. */
    private void tile4x5F16(float[] out, MemorySegment w, float[] x, int outDim, int inDim, int d, int dEnd, int stride,
                             int t, float[] scratch) {
        int dLast = Math.min(d + 3 * stride, dEnd); // the 4th weight row
        int d1 = Math.min(d + stride, dEnd);
        int d2 = Math.min(d + 2 * stride, dEnd);
        long w0 = (long) d * inDim;
        long w1 = (long) d1 * inDim;
        long w2 = (long) d2 * inDim;
        long w3 = (long) dLast * inDim;
        int x0 = t * inDim;
        int x1 = x0 + inDim;
        int x2 = x1 + inDim;
        int x3 = x2 + inDim;
        int x4 = x3 + inDim;
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(inDim);
        FloatVector z = FloatVector.zero(sp);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a04 = z; // a<weight row><activation row>
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z, a14 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a24 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z, a34 = z;
        for (int j = 0; j < bound; j += sp.length()) {
            FloatVector v0 = FloatVector.fromArray(sp, x, x0 + j);
            FloatVector v1 = FloatVector.fromArray(sp, x, x1 + j);
            FloatVector v2 = FloatVector.fromArray(sp, x, x2 + j);
            FloatVector v3 = FloatVector.fromArray(sp, x, x3 + j);
            FloatVector v4 = FloatVector.fromArray(sp, x, x4 + j);
            FloatVector u = f16(w, w0 + j);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            a03 = u.fma(v3, a03);
            a04 = u.fma(v4, a04);
            u = f16(w, w1 + j);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
            a13 = u.fma(v3, a13);
            a14 = u.fma(v4, a14);
            u = f16(w, w2 + j);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            a22 = u.fma(v2, a22);
            a23 = u.fma(v3, a23);
            a24 = u.fma(v4, a24);
            u = f16(w, w3 + j);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
            a32 = u.fma(v2, a32);
            a33 = u.fma(v3, a33);
            a34 = u.fma(v4, a34);
        }
        int lanes = sp.length();
        int fifth = 16 * lanes; // accumulators 16..19 (a31..a34): a second group of 4
        a00.intoArray(scratch, 0 * lanes);
        a01.intoArray(scratch, 1 * lanes);
        a02.intoArray(scratch, 2 * lanes);
        a03.intoArray(scratch, 3 * lanes);
        a04.intoArray(scratch, 4 * lanes);
        a10.intoArray(scratch, 5 * lanes);
        a11.intoArray(scratch, 6 * lanes);
        a12.intoArray(scratch, 7 * lanes);
        a13.intoArray(scratch, 8 * lanes);
        a14.intoArray(scratch, 9 * lanes);
        a20.intoArray(scratch, 10 * lanes);
        a21.intoArray(scratch, 11 * lanes);
        a22.intoArray(scratch, 12 * lanes);
        a23.intoArray(scratch, 13 * lanes);
        a24.intoArray(scratch, 14 * lanes);
        a30.intoArray(scratch, 15 * lanes);
        a31.intoArray(scratch, fifth + 0 * lanes);
        a32.intoArray(scratch, fifth + 1 * lanes);
        a33.intoArray(scratch, fifth + 2 * lanes);
        a34.intoArray(scratch, fifth + 3 * lanes);
        fold16(scratch, 0);
        fold4(scratch, fifth);
        if (bound < inDim) { // columns past the last whole vector, only when inDim is not a multiple of lanes
            scratch[sumAt16(0)] = tail(scratch[sumAt16(0)], F16, w, w0, x, x0, bound, inDim);
            scratch[sumAt16(1)] = tail(scratch[sumAt16(1)], F16, w, w0, x, x1, bound, inDim);
            scratch[sumAt16(2)] = tail(scratch[sumAt16(2)], F16, w, w0, x, x2, bound, inDim);
            scratch[sumAt16(3)] = tail(scratch[sumAt16(3)], F16, w, w0, x, x3, bound, inDim);
            scratch[sumAt16(4)] = tail(scratch[sumAt16(4)], F16, w, w0, x, x4, bound, inDim);
            scratch[sumAt16(5)] = tail(scratch[sumAt16(5)], F16, w, w1, x, x0, bound, inDim);
            scratch[sumAt16(6)] = tail(scratch[sumAt16(6)], F16, w, w1, x, x1, bound, inDim);
            scratch[sumAt16(7)] = tail(scratch[sumAt16(7)], F16, w, w1, x, x2, bound, inDim);
            scratch[sumAt16(8)] = tail(scratch[sumAt16(8)], F16, w, w1, x, x3, bound, inDim);
            scratch[sumAt16(9)] = tail(scratch[sumAt16(9)], F16, w, w1, x, x4, bound, inDim);
            scratch[sumAt16(10)] = tail(scratch[sumAt16(10)], F16, w, w2, x, x0, bound, inDim);
            scratch[sumAt16(11)] = tail(scratch[sumAt16(11)], F16, w, w2, x, x1, bound, inDim);
            scratch[sumAt16(12)] = tail(scratch[sumAt16(12)], F16, w, w2, x, x2, bound, inDim);
            scratch[sumAt16(13)] = tail(scratch[sumAt16(13)], F16, w, w2, x, x3, bound, inDim);
            scratch[sumAt16(14)] = tail(scratch[sumAt16(14)], F16, w, w2, x, x4, bound, inDim);
            scratch[sumAt16(15)] = tail(scratch[sumAt16(15)], F16, w, w3, x, x0, bound, inDim);
            scratch[fifth + sumAt4(0)] = tail(scratch[fifth + sumAt4(0)], F16, w, w3, x, x1, bound, inDim);
            scratch[fifth + sumAt4(1)] = tail(scratch[fifth + sumAt4(1)], F16, w, w3, x, x2, bound, inDim);
            scratch[fifth + sumAt4(2)] = tail(scratch[fifth + sumAt4(2)], F16, w, w3, x, x3, bound, inDim);
            scratch[fifth + sumAt4(3)] = tail(scratch[fifth + sumAt4(3)], F16, w, w3, x, x4, bound, inDim);
        }
        out[(t + 0) * outDim + d] = scratch[sumAt16(0)];
        out[(t + 1) * outDim + d] = scratch[sumAt16(1)];
        out[(t + 2) * outDim + d] = scratch[sumAt16(2)];
        out[(t + 3) * outDim + d] = scratch[sumAt16(3)];
        out[(t + 4) * outDim + d] = scratch[sumAt16(4)];
        out[(t + 0) * outDim + d1] = scratch[sumAt16(5)];
        out[(t + 1) * outDim + d1] = scratch[sumAt16(6)];
        out[(t + 2) * outDim + d1] = scratch[sumAt16(7)];
        out[(t + 3) * outDim + d1] = scratch[sumAt16(8)];
        out[(t + 4) * outDim + d1] = scratch[sumAt16(9)];
        out[(t + 0) * outDim + d2] = scratch[sumAt16(10)];
        out[(t + 1) * outDim + d2] = scratch[sumAt16(11)];
        out[(t + 2) * outDim + d2] = scratch[sumAt16(12)];
        out[(t + 3) * outDim + d2] = scratch[sumAt16(13)];
        out[(t + 4) * outDim + d2] = scratch[sumAt16(14)];
        out[(t + 0) * outDim + dLast] = scratch[sumAt16(15)];
        out[(t + 1) * outDim + dLast] = scratch[fifth + sumAt4(0)];
        out[(t + 2) * outDim + dLast] = scratch[fifth + sumAt4(1)];
        out[(t + 3) * outDim + dLast] = scratch[fifth + sumAt4(2)];
        out[(t + 4) * outDim + dLast] = scratch[fifth + sumAt4(3)];
    }

    /** Weight rows d + k·stride (k &lt; 4, clamped to dEnd) × activation rows t .. t+3 (clamped to tLast). */
    private void tile4x4F32(float[] out, MemorySegment w, float[] x, int outDim, int inDim, int d, int dEnd, int stride,
                              int t, int tLast, float[] scratch) {
        int dLast = Math.min(d + 3 * stride, dEnd); // the 4th weight row
        int d0 = d;
        int d1 = Math.min(d + stride, dEnd);
        int d2 = Math.min(d + 2 * stride, dEnd);
        int d3 = dLast;
        long w0 = (long) d0 * inDim;
        long w1 = (long) d1 * inDim;
        long w2 = (long) d2 * inDim;
        long w3 = (long) d3 * inDim;
        int x0 = t * inDim;
        int x1 = Math.min(t + 1, tLast) * inDim;
        int x2 = Math.min(t + 2, tLast) * inDim;
        int x3 = tLast * inDim;
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(inDim);
        FloatVector z = FloatVector.zero(sp);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z; // a<weight row><activation row>
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        for (int j = 0; j < bound; j += sp.length()) {
            FloatVector v0 = FloatVector.fromArray(sp, x, x0 + j);
            FloatVector v1 = FloatVector.fromArray(sp, x, x1 + j);
            FloatVector v2 = FloatVector.fromArray(sp, x, x2 + j);
            FloatVector v3 = FloatVector.fromArray(sp, x, x3 + j);
            FloatVector u = f32(w, w0 + j);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            a03 = u.fma(v3, a03);
            u = f32(w, w1 + j);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
            a13 = u.fma(v3, a13);
            u = f32(w, w2 + j);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            a22 = u.fma(v2, a22);
            a23 = u.fma(v3, a23);
            u = f32(w, w3 + j);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
            a32 = u.fma(v2, a32);
            a33 = u.fma(v3, a33);
        }
        int lanes = sp.length();
        IntVector l0 = level(0);
        IntVector h0 = level(1);
        IntVector l1 = level(2);
        IntVector h1 = level(3);
        IntVector l2 = level(4);
        IntVector h2 = level(5);
        IntVector l3 = level(6);
        IntVector h3 = level(7);
        FloatVector gb0 = l0.selectFrom(a00.reinterpretAsInts(), a01.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a00.reinterpretAsInts(), a01.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb1 = l0.selectFrom(a02.reinterpretAsInts(), a03.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a02.reinterpretAsInts(), a03.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb2 = l0.selectFrom(a10.reinterpretAsInts(), a11.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a10.reinterpretAsInts(), a11.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb3 = l0.selectFrom(a12.reinterpretAsInts(), a13.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a12.reinterpretAsInts(), a13.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb4 = l0.selectFrom(a20.reinterpretAsInts(), a21.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a20.reinterpretAsInts(), a21.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb5 = l0.selectFrom(a22.reinterpretAsInts(), a23.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a22.reinterpretAsInts(), a23.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb6 = l0.selectFrom(a30.reinterpretAsInts(), a31.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a30.reinterpretAsInts(), a31.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb7 = l0.selectFrom(a32.reinterpretAsInts(), a33.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a32.reinterpretAsInts(), a33.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc0 = l1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc1 = l1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc2 = l1.selectFrom(gb4.reinterpretAsInts(), gb5.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb4.reinterpretAsInts(), gb5.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc3 = l1.selectFrom(gb6.reinterpretAsInts(), gb7.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb6.reinterpretAsInts(), gb7.reinterpretAsInts()).reinterpretAsFloats());
        if (lanes == 4) {
            gc0.intoArray(scratch, 0 * lanes);
            gc1.intoArray(scratch, 1 * lanes);
            gc2.intoArray(scratch, 2 * lanes);
            gc3.intoArray(scratch, 3 * lanes);
        } else {
            FloatVector gd0 = l2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats()
                    .add(h2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats());
            FloatVector gd1 = l2.selectFrom(gc2.reinterpretAsInts(), gc3.reinterpretAsInts()).reinterpretAsFloats()
                    .add(h2.selectFrom(gc2.reinterpretAsInts(), gc3.reinterpretAsInts()).reinterpretAsFloats());
            if (lanes == 8) {
                gd0.intoArray(scratch, 0 * lanes);
                gd1.intoArray(scratch, 1 * lanes);
            } else {
                FloatVector ge0 = l3.selectFrom(gd0.reinterpretAsInts(), gd1.reinterpretAsInts()).reinterpretAsFloats()
                        .add(h3.selectFrom(gd0.reinterpretAsInts(), gd1.reinterpretAsInts()).reinterpretAsFloats());
                ge0.intoArray(scratch, 0 * lanes);
            }
        }
        int o0 = t * outDim;
        int o1 = Math.min(t + 1, tLast) * outDim;
        int o2 = Math.min(t + 2, tLast) * outDim;
        int o3 = tLast * outDim;
        if (bound < inDim) { // columns past the last whole vector, only when inDim is not a multiple of lanes
            scratch[sumAt16(0)] = tail(scratch[sumAt16(0)], F32, w, w0, x, x0, bound, inDim);
            scratch[sumAt16(1)] = tail(scratch[sumAt16(1)], F32, w, w0, x, x1, bound, inDim);
            scratch[sumAt16(2)] = tail(scratch[sumAt16(2)], F32, w, w0, x, x2, bound, inDim);
            scratch[sumAt16(3)] = tail(scratch[sumAt16(3)], F32, w, w0, x, x3, bound, inDim);
            scratch[sumAt16(4)] = tail(scratch[sumAt16(4)], F32, w, w1, x, x0, bound, inDim);
            scratch[sumAt16(5)] = tail(scratch[sumAt16(5)], F32, w, w1, x, x1, bound, inDim);
            scratch[sumAt16(6)] = tail(scratch[sumAt16(6)], F32, w, w1, x, x2, bound, inDim);
            scratch[sumAt16(7)] = tail(scratch[sumAt16(7)], F32, w, w1, x, x3, bound, inDim);
            scratch[sumAt16(8)] = tail(scratch[sumAt16(8)], F32, w, w2, x, x0, bound, inDim);
            scratch[sumAt16(9)] = tail(scratch[sumAt16(9)], F32, w, w2, x, x1, bound, inDim);
            scratch[sumAt16(10)] = tail(scratch[sumAt16(10)], F32, w, w2, x, x2, bound, inDim);
            scratch[sumAt16(11)] = tail(scratch[sumAt16(11)], F32, w, w2, x, x3, bound, inDim);
            scratch[sumAt16(12)] = tail(scratch[sumAt16(12)], F32, w, w3, x, x0, bound, inDim);
            scratch[sumAt16(13)] = tail(scratch[sumAt16(13)], F32, w, w3, x, x1, bound, inDim);
            scratch[sumAt16(14)] = tail(scratch[sumAt16(14)], F32, w, w3, x, x2, bound, inDim);
            scratch[sumAt16(15)] = tail(scratch[sumAt16(15)], F32, w, w3, x, x3, bound, inDim);
        }
        out[o0 + d0] = scratch[sumAt16(0)];
        out[o1 + d0] = scratch[sumAt16(1)];
        out[o2 + d0] = scratch[sumAt16(2)];
        out[o3 + d0] = scratch[sumAt16(3)];
        out[o0 + d1] = scratch[sumAt16(4)];
        out[o1 + d1] = scratch[sumAt16(5)];
        out[o2 + d1] = scratch[sumAt16(6)];
        out[o3 + d1] = scratch[sumAt16(7)];
        out[o0 + d2] = scratch[sumAt16(8)];
        out[o1 + d2] = scratch[sumAt16(9)];
        out[o2 + d2] = scratch[sumAt16(10)];
        out[o3 + d2] = scratch[sumAt16(11)];
        out[o0 + d3] = scratch[sumAt16(12)];
        out[o1 + d3] = scratch[sumAt16(13)];
        out[o2 + d3] = scratch[sumAt16(14)];
        out[o3 + d3] = scratch[sumAt16(15)];
    }

    /**
     * Weight rows d + k·stride (k &lt; 4, clamped to dEnd), already widened to floats in wide[X_OFFSET + k·inDim ..], ×
     * activation rows t .. t+3 (clamped to tLast) of x from index xOff. The same fused multiply-adds in the same order
     * as every other path.
     */
    private void tile4x4Wide(float[] out, float[] wide, float[] x, int xOff, int outDim, int inDim, int d, int dEnd,
                             int stride, int t, int tLast, int bound, float[] scratch) {
        int dLast = Math.min(d + 3 * stride, dEnd); // the 4th weight row
        int d0 = d;
        int d1 = Math.min(d + stride, dEnd);
        int d2 = Math.min(d + 2 * stride, dEnd);
        int d3 = dLast;
        int w0 = X_OFFSET;
        int w1 = X_OFFSET + inDim;
        int w2 = X_OFFSET + 2 * inDim;
        int w3 = X_OFFSET + 3 * inDim;
        int x0 = xOff + t * inDim;
        int x1 = xOff + Math.min(t + 1, tLast) * inDim;
        int x2 = xOff + Math.min(t + 2, tLast) * inDim;
        int x3 = xOff + tLast * inDim;
        VectorSpecies<Float> sp = floats();
        FloatVector z = FloatVector.zero(sp);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z; // a<weight row><activation row>
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        for (int j = 0; j < bound; j += sp.length()) {
            FloatVector v0 = FloatVector.fromArray(sp, x, x0 + j);
            FloatVector v1 = FloatVector.fromArray(sp, x, x1 + j);
            FloatVector v2 = FloatVector.fromArray(sp, x, x2 + j);
            FloatVector v3 = FloatVector.fromArray(sp, x, x3 + j);
            FloatVector u = FloatVector.fromArray(sp, wide, w0 + j);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            a03 = u.fma(v3, a03);
            u = FloatVector.fromArray(sp, wide, w1 + j);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
            a13 = u.fma(v3, a13);
            u = FloatVector.fromArray(sp, wide, w2 + j);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            a22 = u.fma(v2, a22);
            a23 = u.fma(v3, a23);
            u = FloatVector.fromArray(sp, wide, w3 + j);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
            a32 = u.fma(v2, a32);
            a33 = u.fma(v3, a33);
        }
        int lanes = sp.length();
        IntVector l0 = level(0);
        IntVector h0 = level(1);
        IntVector l1 = level(2);
        IntVector h1 = level(3);
        IntVector l2 = level(4);
        IntVector h2 = level(5);
        IntVector l3 = level(6);
        IntVector h3 = level(7);
        FloatVector gb0 = l0.selectFrom(a00.reinterpretAsInts(), a01.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a00.reinterpretAsInts(), a01.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb1 = l0.selectFrom(a02.reinterpretAsInts(), a03.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a02.reinterpretAsInts(), a03.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb2 = l0.selectFrom(a10.reinterpretAsInts(), a11.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a10.reinterpretAsInts(), a11.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb3 = l0.selectFrom(a12.reinterpretAsInts(), a13.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a12.reinterpretAsInts(), a13.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb4 = l0.selectFrom(a20.reinterpretAsInts(), a21.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a20.reinterpretAsInts(), a21.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb5 = l0.selectFrom(a22.reinterpretAsInts(), a23.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a22.reinterpretAsInts(), a23.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb6 = l0.selectFrom(a30.reinterpretAsInts(), a31.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a30.reinterpretAsInts(), a31.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb7 = l0.selectFrom(a32.reinterpretAsInts(), a33.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a32.reinterpretAsInts(), a33.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc0 = l1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc1 = l1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc2 = l1.selectFrom(gb4.reinterpretAsInts(), gb5.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb4.reinterpretAsInts(), gb5.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc3 = l1.selectFrom(gb6.reinterpretAsInts(), gb7.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb6.reinterpretAsInts(), gb7.reinterpretAsInts()).reinterpretAsFloats());
        if (lanes == 4) {
            gc0.intoArray(scratch, 0 * lanes);
            gc1.intoArray(scratch, 1 * lanes);
            gc2.intoArray(scratch, 2 * lanes);
            gc3.intoArray(scratch, 3 * lanes);
        } else {
            FloatVector gd0 = l2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats()
                    .add(h2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats());
            FloatVector gd1 = l2.selectFrom(gc2.reinterpretAsInts(), gc3.reinterpretAsInts()).reinterpretAsFloats()
                    .add(h2.selectFrom(gc2.reinterpretAsInts(), gc3.reinterpretAsInts()).reinterpretAsFloats());
            if (lanes == 8) {
                gd0.intoArray(scratch, 0 * lanes);
                gd1.intoArray(scratch, 1 * lanes);
            } else {
                FloatVector ge0 = l3.selectFrom(gd0.reinterpretAsInts(), gd1.reinterpretAsInts()).reinterpretAsFloats()
                        .add(h3.selectFrom(gd0.reinterpretAsInts(), gd1.reinterpretAsInts()).reinterpretAsFloats());
                ge0.intoArray(scratch, 0 * lanes);
            }
        }
        int o0 = t * outDim;
        int o1 = Math.min(t + 1, tLast) * outDim;
        int o2 = Math.min(t + 2, tLast) * outDim;
        int o3 = tLast * outDim;
        if (bound < inDim) { // columns past the last whole vector, only when inDim is not a multiple of lanes
            scratch[sumAt16(0)] = wideTail(scratch[sumAt16(0)], wide, w0, x, x0, bound, inDim);
            scratch[sumAt16(1)] = wideTail(scratch[sumAt16(1)], wide, w0, x, x1, bound, inDim);
            scratch[sumAt16(2)] = wideTail(scratch[sumAt16(2)], wide, w0, x, x2, bound, inDim);
            scratch[sumAt16(3)] = wideTail(scratch[sumAt16(3)], wide, w0, x, x3, bound, inDim);
            scratch[sumAt16(4)] = wideTail(scratch[sumAt16(4)], wide, w1, x, x0, bound, inDim);
            scratch[sumAt16(5)] = wideTail(scratch[sumAt16(5)], wide, w1, x, x1, bound, inDim);
            scratch[sumAt16(6)] = wideTail(scratch[sumAt16(6)], wide, w1, x, x2, bound, inDim);
            scratch[sumAt16(7)] = wideTail(scratch[sumAt16(7)], wide, w1, x, x3, bound, inDim);
            scratch[sumAt16(8)] = wideTail(scratch[sumAt16(8)], wide, w2, x, x0, bound, inDim);
            scratch[sumAt16(9)] = wideTail(scratch[sumAt16(9)], wide, w2, x, x1, bound, inDim);
            scratch[sumAt16(10)] = wideTail(scratch[sumAt16(10)], wide, w2, x, x2, bound, inDim);
            scratch[sumAt16(11)] = wideTail(scratch[sumAt16(11)], wide, w2, x, x3, bound, inDim);
            scratch[sumAt16(12)] = wideTail(scratch[sumAt16(12)], wide, w3, x, x0, bound, inDim);
            scratch[sumAt16(13)] = wideTail(scratch[sumAt16(13)], wide, w3, x, x1, bound, inDim);
            scratch[sumAt16(14)] = wideTail(scratch[sumAt16(14)], wide, w3, x, x2, bound, inDim);
            scratch[sumAt16(15)] = wideTail(scratch[sumAt16(15)], wide, w3, x, x3, bound, inDim);
        }
        out[o0 + d0] = scratch[sumAt16(0)];
        out[o1 + d0] = scratch[sumAt16(1)];
        out[o2 + d0] = scratch[sumAt16(2)];
        out[o3 + d0] = scratch[sumAt16(3)];
        out[o0 + d1] = scratch[sumAt16(4)];
        out[o1 + d1] = scratch[sumAt16(5)];
        out[o2 + d1] = scratch[sumAt16(6)];
        out[o3 + d1] = scratch[sumAt16(7)];
        out[o0 + d2] = scratch[sumAt16(8)];
        out[o1 + d2] = scratch[sumAt16(9)];
        out[o2 + d2] = scratch[sumAt16(10)];
        out[o3 + d2] = scratch[sumAt16(11)];
        out[o0 + d3] = scratch[sumAt16(12)];
        out[o1 + d3] = scratch[sumAt16(13)];
        out[o2 + d3] = scratch[sumAt16(14)];
        out[o3 + d3] = scratch[sumAt16(15)];
    }

    /** Weight rows d + k·stride (k &lt; 4, clamped to dEnd) × activation rows t .. t+3 (clamped to tLast). */
    private void tile4x4Bf16(float[] out, MemorySegment w, float[] x, int outDim, int inDim,
                             int d, int dEnd, int stride,
                              int t, int tLast, float[] scratch) {
        int dLast = Math.min(d + 3 * stride, dEnd); // the 4th weight row
        int d0 = d;
        int d1 = Math.min(d + stride, dEnd);
        int d2 = Math.min(d + 2 * stride, dEnd);
        int d3 = dLast;
        long w0 = (long) d0 * inDim;
        long w1 = (long) d1 * inDim;
        long w2 = (long) d2 * inDim;
        long w3 = (long) d3 * inDim;
        int group = tLast - t + 1; // activation rows t .. tLast: one group of blockOrder
        int bound = pairBound(inDim);
        int rest = inDim - bound; // each activation row's tail, after the group's blocks
        int x0 = X_OFFSET + t * inDim + bound * group - bound; // where the tail of row t would start at column 0
        int x1 = x0 + (Math.min(t + 1, tLast) - t) * rest;
        int x2 = x0 + (Math.min(t + 2, tLast) - t) * rest;
        int x3 = x0 + (tLast - t) * rest;
        VectorSpecies<Float> sp = floats();
        FloatVector z = FloatVector.zero(sp);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z; // a<weight row><activation row>
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        VectorSpecies<Integer> is = ints();
        int step = sp.length();
        int span = 2 * step; // floats of one activation row in one block
        int next = group * span; // from one block to the next
        int r1 = (Math.min(t + 1, tLast) - t) * span; // activation rows past tLast repeat it
        int r2 = (Math.min(t + 2, tLast) - t) * span;
        int r3 = (tLast - t) * span;
        for (int j = 0, b = X_OFFSET + t * inDim; j < bound; j += span, b += next) {
            IntVector p0 = IntVector.fromMemorySegment(is, w, (w0 + j) * 2, LE);
            IntVector p1 = IntVector.fromMemorySegment(is, w, (w1 + j) * 2, LE);
            IntVector p2 = IntVector.fromMemorySegment(is, w, (w2 + j) * 2, LE);
            IntVector p3 = IntVector.fromMemorySegment(is, w, (w3 + j) * 2, LE);
            FloatVector u0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u2 = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u3 = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector v = FloatVector.fromArray(sp, x, b);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + r1);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
            v = FloatVector.fromArray(sp, x, b + r2);
            a02 = u0.fma(v, a02);
            a12 = u1.fma(v, a12);
            a22 = u2.fma(v, a22);
            a32 = u3.fma(v, a32);
            v = FloatVector.fromArray(sp, x, b + r3);
            a03 = u0.fma(v, a03);
            a13 = u1.fma(v, a13);
            a23 = u2.fma(v, a23);
            a33 = u3.fma(v, a33);
            u0 = p0.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u1 = p1.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u2 = p2.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u3 = p3.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            v = FloatVector.fromArray(sp, x, b + step);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + r1 + step);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
            v = FloatVector.fromArray(sp, x, b + r2 + step);
            a02 = u0.fma(v, a02);
            a12 = u1.fma(v, a12);
            a22 = u2.fma(v, a22);
            a32 = u3.fma(v, a32);
            v = FloatVector.fromArray(sp, x, b + r3 + step);
            a03 = u0.fma(v, a03);
            a13 = u1.fma(v, a13);
            a23 = u2.fma(v, a23);
            a33 = u3.fma(v, a33);
        }
        int lanes = sp.length();
        a00.intoArray(scratch, 0 * lanes);
        a01.intoArray(scratch, 1 * lanes);
        a02.intoArray(scratch, 2 * lanes);
        a03.intoArray(scratch, 3 * lanes);
        a10.intoArray(scratch, 4 * lanes);
        a11.intoArray(scratch, 5 * lanes);
        a12.intoArray(scratch, 6 * lanes);
        a13.intoArray(scratch, 7 * lanes);
        a20.intoArray(scratch, 8 * lanes);
        a21.intoArray(scratch, 9 * lanes);
        a22.intoArray(scratch, 10 * lanes);
        a23.intoArray(scratch, 11 * lanes);
        a30.intoArray(scratch, 12 * lanes);
        a31.intoArray(scratch, 13 * lanes);
        a32.intoArray(scratch, 14 * lanes);
        a33.intoArray(scratch, 15 * lanes);
        fold16(scratch, 0); // out of line: with the fold inline C2 sometimes boxed this tile (see fold8)
        int o0 = t * outDim;
        int o1 = Math.min(t + 1, tLast) * outDim;
        int o2 = Math.min(t + 2, tLast) * outDim;
        int o3 = tLast * outDim;
        if (bound < inDim) { // columns past the last pair of vectors (pairBound): inDim not a multiple of 2 lanes
            scratch[sumAt16(0)] = tail(scratch[sumAt16(0)], BF16, w, w0, x, x0, bound, inDim);
            scratch[sumAt16(1)] = tail(scratch[sumAt16(1)], BF16, w, w0, x, x1, bound, inDim);
            scratch[sumAt16(2)] = tail(scratch[sumAt16(2)], BF16, w, w0, x, x2, bound, inDim);
            scratch[sumAt16(3)] = tail(scratch[sumAt16(3)], BF16, w, w0, x, x3, bound, inDim);
            scratch[sumAt16(4)] = tail(scratch[sumAt16(4)], BF16, w, w1, x, x0, bound, inDim);
            scratch[sumAt16(5)] = tail(scratch[sumAt16(5)], BF16, w, w1, x, x1, bound, inDim);
            scratch[sumAt16(6)] = tail(scratch[sumAt16(6)], BF16, w, w1, x, x2, bound, inDim);
            scratch[sumAt16(7)] = tail(scratch[sumAt16(7)], BF16, w, w1, x, x3, bound, inDim);
            scratch[sumAt16(8)] = tail(scratch[sumAt16(8)], BF16, w, w2, x, x0, bound, inDim);
            scratch[sumAt16(9)] = tail(scratch[sumAt16(9)], BF16, w, w2, x, x1, bound, inDim);
            scratch[sumAt16(10)] = tail(scratch[sumAt16(10)], BF16, w, w2, x, x2, bound, inDim);
            scratch[sumAt16(11)] = tail(scratch[sumAt16(11)], BF16, w, w2, x, x3, bound, inDim);
            scratch[sumAt16(12)] = tail(scratch[sumAt16(12)], BF16, w, w3, x, x0, bound, inDim);
            scratch[sumAt16(13)] = tail(scratch[sumAt16(13)], BF16, w, w3, x, x1, bound, inDim);
            scratch[sumAt16(14)] = tail(scratch[sumAt16(14)], BF16, w, w3, x, x2, bound, inDim);
            scratch[sumAt16(15)] = tail(scratch[sumAt16(15)], BF16, w, w3, x, x3, bound, inDim);
        }
        out[o0 + d0] = scratch[sumAt16(0)];
        out[o1 + d0] = scratch[sumAt16(1)];
        out[o2 + d0] = scratch[sumAt16(2)];
        out[o3 + d0] = scratch[sumAt16(3)];
        out[o0 + d1] = scratch[sumAt16(4)];
        out[o1 + d1] = scratch[sumAt16(5)];
        out[o2 + d1] = scratch[sumAt16(6)];
        out[o3 + d1] = scratch[sumAt16(7)];
        out[o0 + d2] = scratch[sumAt16(8)];
        out[o1 + d2] = scratch[sumAt16(9)];
        out[o2 + d2] = scratch[sumAt16(10)];
        out[o3 + d2] = scratch[sumAt16(11)];
        out[o0 + d3] = scratch[sumAt16(12)];
        out[o1 + d3] = scratch[sumAt16(13)];
        out[o2 + d3] = scratch[sumAt16(14)];
        out[o3 + d3] = scratch[sumAt16(15)];
    }

    /** {@link #tile4x4Bf16} for rows of at most {@link #SHORT_ROW} weights. */
    private void tile4x4Bf16Short(float[] out, MemorySegment w, float[] x, int outDim, int inDim,
                             int d, int dEnd, int stride,
                              int t, int tLast, float[] scratch) {
        int dLast = Math.min(d + 3 * stride, dEnd); // the 4th weight row
        int d0 = d;
        int d1 = Math.min(d + stride, dEnd);
        int d2 = Math.min(d + 2 * stride, dEnd);
        int d3 = dLast;
        long w0 = (long) d0 * inDim;
        long w1 = (long) d1 * inDim;
        long w2 = (long) d2 * inDim;
        long w3 = (long) d3 * inDim;
        int group = tLast - t + 1; // activation rows t .. tLast: one group of blockOrder
        int bound = pairBound(inDim);
        int rest = inDim - bound; // each activation row's tail, after the group's blocks
        int x0 = X_OFFSET + t * inDim + bound * group - bound; // where the tail of row t would start at column 0
        int x1 = x0 + (Math.min(t + 1, tLast) - t) * rest;
        int x2 = x0 + (Math.min(t + 2, tLast) - t) * rest;
        int x3 = x0 + (tLast - t) * rest;
        VectorSpecies<Float> sp = floats();
        FloatVector z = FloatVector.zero(sp);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z; // a<weight row><activation row>
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        VectorSpecies<Integer> is = ints();
        int step = sp.length();
        int span = 2 * step; // floats of one activation row in one block
        int next = group * span; // from one block to the next
        int r1 = (Math.min(t + 1, tLast) - t) * span; // activation rows past tLast repeat it
        int r2 = (Math.min(t + 2, tLast) - t) * span;
        int r3 = (tLast - t) * span;
        // not a counted loop: see SHORT_ROW
        for (int j = 0, b = X_OFFSET + t * inDim; j + span <= bound; j += span, b += next) {
            IntVector p0 = IntVector.fromMemorySegment(is, w, (w0 + j) * 2, LE);
            IntVector p1 = IntVector.fromMemorySegment(is, w, (w1 + j) * 2, LE);
            IntVector p2 = IntVector.fromMemorySegment(is, w, (w2 + j) * 2, LE);
            IntVector p3 = IntVector.fromMemorySegment(is, w, (w3 + j) * 2, LE);
            FloatVector u0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u2 = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector u3 = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector v = FloatVector.fromArray(sp, x, b);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + r1);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
            v = FloatVector.fromArray(sp, x, b + r2);
            a02 = u0.fma(v, a02);
            a12 = u1.fma(v, a12);
            a22 = u2.fma(v, a22);
            a32 = u3.fma(v, a32);
            v = FloatVector.fromArray(sp, x, b + r3);
            a03 = u0.fma(v, a03);
            a13 = u1.fma(v, a13);
            a23 = u2.fma(v, a23);
            a33 = u3.fma(v, a33);
            u0 = p0.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u1 = p1.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u2 = p2.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            u3 = p3.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            v = FloatVector.fromArray(sp, x, b + step);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            a30 = u3.fma(v, a30);
            v = FloatVector.fromArray(sp, x, b + r1 + step);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            a31 = u3.fma(v, a31);
            v = FloatVector.fromArray(sp, x, b + r2 + step);
            a02 = u0.fma(v, a02);
            a12 = u1.fma(v, a12);
            a22 = u2.fma(v, a22);
            a32 = u3.fma(v, a32);
            v = FloatVector.fromArray(sp, x, b + r3 + step);
            a03 = u0.fma(v, a03);
            a13 = u1.fma(v, a13);
            a23 = u2.fma(v, a23);
            a33 = u3.fma(v, a33);
        }
        int lanes = sp.length();
        a00.intoArray(scratch, 0 * lanes);
        a01.intoArray(scratch, 1 * lanes);
        a02.intoArray(scratch, 2 * lanes);
        a03.intoArray(scratch, 3 * lanes);
        a10.intoArray(scratch, 4 * lanes);
        a11.intoArray(scratch, 5 * lanes);
        a12.intoArray(scratch, 6 * lanes);
        a13.intoArray(scratch, 7 * lanes);
        a20.intoArray(scratch, 8 * lanes);
        a21.intoArray(scratch, 9 * lanes);
        a22.intoArray(scratch, 10 * lanes);
        a23.intoArray(scratch, 11 * lanes);
        a30.intoArray(scratch, 12 * lanes);
        a31.intoArray(scratch, 13 * lanes);
        a32.intoArray(scratch, 14 * lanes);
        a33.intoArray(scratch, 15 * lanes);
        fold16(scratch, 0); // out of line: with the fold inline C2 sometimes boxed this tile (see fold8)
        int o0 = t * outDim;
        int o1 = Math.min(t + 1, tLast) * outDim;
        int o2 = Math.min(t + 2, tLast) * outDim;
        int o3 = tLast * outDim;
        if (bound < inDim) { // columns past the last pair of vectors (pairBound): inDim not a multiple of 2 lanes
            scratch[sumAt16(0)] = tail(scratch[sumAt16(0)], BF16, w, w0, x, x0, bound, inDim);
            scratch[sumAt16(1)] = tail(scratch[sumAt16(1)], BF16, w, w0, x, x1, bound, inDim);
            scratch[sumAt16(2)] = tail(scratch[sumAt16(2)], BF16, w, w0, x, x2, bound, inDim);
            scratch[sumAt16(3)] = tail(scratch[sumAt16(3)], BF16, w, w0, x, x3, bound, inDim);
            scratch[sumAt16(4)] = tail(scratch[sumAt16(4)], BF16, w, w1, x, x0, bound, inDim);
            scratch[sumAt16(5)] = tail(scratch[sumAt16(5)], BF16, w, w1, x, x1, bound, inDim);
            scratch[sumAt16(6)] = tail(scratch[sumAt16(6)], BF16, w, w1, x, x2, bound, inDim);
            scratch[sumAt16(7)] = tail(scratch[sumAt16(7)], BF16, w, w1, x, x3, bound, inDim);
            scratch[sumAt16(8)] = tail(scratch[sumAt16(8)], BF16, w, w2, x, x0, bound, inDim);
            scratch[sumAt16(9)] = tail(scratch[sumAt16(9)], BF16, w, w2, x, x1, bound, inDim);
            scratch[sumAt16(10)] = tail(scratch[sumAt16(10)], BF16, w, w2, x, x2, bound, inDim);
            scratch[sumAt16(11)] = tail(scratch[sumAt16(11)], BF16, w, w2, x, x3, bound, inDim);
            scratch[sumAt16(12)] = tail(scratch[sumAt16(12)], BF16, w, w3, x, x0, bound, inDim);
            scratch[sumAt16(13)] = tail(scratch[sumAt16(13)], BF16, w, w3, x, x1, bound, inDim);
            scratch[sumAt16(14)] = tail(scratch[sumAt16(14)], BF16, w, w3, x, x2, bound, inDim);
            scratch[sumAt16(15)] = tail(scratch[sumAt16(15)], BF16, w, w3, x, x3, bound, inDim);
        }
        out[o0 + d0] = scratch[sumAt16(0)];
        out[o1 + d0] = scratch[sumAt16(1)];
        out[o2 + d0] = scratch[sumAt16(2)];
        out[o3 + d0] = scratch[sumAt16(3)];
        out[o0 + d1] = scratch[sumAt16(4)];
        out[o1 + d1] = scratch[sumAt16(5)];
        out[o2 + d1] = scratch[sumAt16(6)];
        out[o3 + d1] = scratch[sumAt16(7)];
        out[o0 + d2] = scratch[sumAt16(8)];
        out[o1 + d2] = scratch[sumAt16(9)];
        out[o2 + d2] = scratch[sumAt16(10)];
        out[o3 + d2] = scratch[sumAt16(11)];
        out[o0 + d3] = scratch[sumAt16(12)];
        out[o1 + d3] = scratch[sumAt16(13)];
        out[o2 + d3] = scratch[sumAt16(14)];
        out[o3 + d3] = scratch[sumAt16(15)];
    }

    /** Weight rows d + k·stride (k &lt; 4, clamped to dEnd) × activation rows t .. t+3 (clamped to tLast). */
    private void tile4x4F16(float[] out, MemorySegment w, float[] x, int outDim, int inDim, int d, int dEnd, int stride,
                              int t, int tLast, float[] scratch) {
        int dLast = Math.min(d + 3 * stride, dEnd); // the 4th weight row
        int d0 = d;
        int d1 = Math.min(d + stride, dEnd);
        int d2 = Math.min(d + 2 * stride, dEnd);
        int d3 = dLast;
        long w0 = (long) d0 * inDim;
        long w1 = (long) d1 * inDim;
        long w2 = (long) d2 * inDim;
        long w3 = (long) d3 * inDim;
        int x0 = t * inDim;
        int x1 = Math.min(t + 1, tLast) * inDim;
        int x2 = Math.min(t + 2, tLast) * inDim;
        int x3 = tLast * inDim;
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(inDim);
        FloatVector z = FloatVector.zero(sp);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z; // a<weight row><activation row>
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        for (int j = 0; j < bound; j += sp.length()) {
            FloatVector v0 = FloatVector.fromArray(sp, x, x0 + j);
            FloatVector v1 = FloatVector.fromArray(sp, x, x1 + j);
            FloatVector v2 = FloatVector.fromArray(sp, x, x2 + j);
            FloatVector v3 = FloatVector.fromArray(sp, x, x3 + j);
            FloatVector u = f16(w, w0 + j);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            a03 = u.fma(v3, a03);
            u = f16(w, w1 + j);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
            a13 = u.fma(v3, a13);
            u = f16(w, w2 + j);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            a22 = u.fma(v2, a22);
            a23 = u.fma(v3, a23);
            u = f16(w, w3 + j);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
            a32 = u.fma(v2, a32);
            a33 = u.fma(v3, a33);
        }
        int lanes = sp.length();
        IntVector l0 = level(0);
        IntVector h0 = level(1);
        IntVector l1 = level(2);
        IntVector h1 = level(3);
        IntVector l2 = level(4);
        IntVector h2 = level(5);
        IntVector l3 = level(6);
        IntVector h3 = level(7);
        FloatVector gb0 = l0.selectFrom(a00.reinterpretAsInts(), a01.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a00.reinterpretAsInts(), a01.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb1 = l0.selectFrom(a02.reinterpretAsInts(), a03.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a02.reinterpretAsInts(), a03.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb2 = l0.selectFrom(a10.reinterpretAsInts(), a11.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a10.reinterpretAsInts(), a11.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb3 = l0.selectFrom(a12.reinterpretAsInts(), a13.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a12.reinterpretAsInts(), a13.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb4 = l0.selectFrom(a20.reinterpretAsInts(), a21.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a20.reinterpretAsInts(), a21.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb5 = l0.selectFrom(a22.reinterpretAsInts(), a23.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a22.reinterpretAsInts(), a23.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb6 = l0.selectFrom(a30.reinterpretAsInts(), a31.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a30.reinterpretAsInts(), a31.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gb7 = l0.selectFrom(a32.reinterpretAsInts(), a33.reinterpretAsInts()).reinterpretAsFloats()
                .add(h0.selectFrom(a32.reinterpretAsInts(), a33.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc0 = l1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb0.reinterpretAsInts(), gb1.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc1 = l1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb2.reinterpretAsInts(), gb3.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc2 = l1.selectFrom(gb4.reinterpretAsInts(), gb5.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb4.reinterpretAsInts(), gb5.reinterpretAsInts()).reinterpretAsFloats());
        FloatVector gc3 = l1.selectFrom(gb6.reinterpretAsInts(), gb7.reinterpretAsInts()).reinterpretAsFloats()
                .add(h1.selectFrom(gb6.reinterpretAsInts(), gb7.reinterpretAsInts()).reinterpretAsFloats());
        if (lanes == 4) {
            gc0.intoArray(scratch, 0 * lanes);
            gc1.intoArray(scratch, 1 * lanes);
            gc2.intoArray(scratch, 2 * lanes);
            gc3.intoArray(scratch, 3 * lanes);
        } else {
            FloatVector gd0 = l2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats()
                    .add(h2.selectFrom(gc0.reinterpretAsInts(), gc1.reinterpretAsInts()).reinterpretAsFloats());
            FloatVector gd1 = l2.selectFrom(gc2.reinterpretAsInts(), gc3.reinterpretAsInts()).reinterpretAsFloats()
                    .add(h2.selectFrom(gc2.reinterpretAsInts(), gc3.reinterpretAsInts()).reinterpretAsFloats());
            if (lanes == 8) {
                gd0.intoArray(scratch, 0 * lanes);
                gd1.intoArray(scratch, 1 * lanes);
            } else {
                FloatVector ge0 = l3.selectFrom(gd0.reinterpretAsInts(), gd1.reinterpretAsInts()).reinterpretAsFloats()
                        .add(h3.selectFrom(gd0.reinterpretAsInts(), gd1.reinterpretAsInts()).reinterpretAsFloats());
                ge0.intoArray(scratch, 0 * lanes);
            }
        }
        int o0 = t * outDim;
        int o1 = Math.min(t + 1, tLast) * outDim;
        int o2 = Math.min(t + 2, tLast) * outDim;
        int o3 = tLast * outDim;
        if (bound < inDim) { // columns past the last whole vector, only when inDim is not a multiple of lanes
            scratch[sumAt16(0)] = tail(scratch[sumAt16(0)], F16, w, w0, x, x0, bound, inDim);
            scratch[sumAt16(1)] = tail(scratch[sumAt16(1)], F16, w, w0, x, x1, bound, inDim);
            scratch[sumAt16(2)] = tail(scratch[sumAt16(2)], F16, w, w0, x, x2, bound, inDim);
            scratch[sumAt16(3)] = tail(scratch[sumAt16(3)], F16, w, w0, x, x3, bound, inDim);
            scratch[sumAt16(4)] = tail(scratch[sumAt16(4)], F16, w, w1, x, x0, bound, inDim);
            scratch[sumAt16(5)] = tail(scratch[sumAt16(5)], F16, w, w1, x, x1, bound, inDim);
            scratch[sumAt16(6)] = tail(scratch[sumAt16(6)], F16, w, w1, x, x2, bound, inDim);
            scratch[sumAt16(7)] = tail(scratch[sumAt16(7)], F16, w, w1, x, x3, bound, inDim);
            scratch[sumAt16(8)] = tail(scratch[sumAt16(8)], F16, w, w2, x, x0, bound, inDim);
            scratch[sumAt16(9)] = tail(scratch[sumAt16(9)], F16, w, w2, x, x1, bound, inDim);
            scratch[sumAt16(10)] = tail(scratch[sumAt16(10)], F16, w, w2, x, x2, bound, inDim);
            scratch[sumAt16(11)] = tail(scratch[sumAt16(11)], F16, w, w2, x, x3, bound, inDim);
            scratch[sumAt16(12)] = tail(scratch[sumAt16(12)], F16, w, w3, x, x0, bound, inDim);
            scratch[sumAt16(13)] = tail(scratch[sumAt16(13)], F16, w, w3, x, x1, bound, inDim);
            scratch[sumAt16(14)] = tail(scratch[sumAt16(14)], F16, w, w3, x, x2, bound, inDim);
            scratch[sumAt16(15)] = tail(scratch[sumAt16(15)], F16, w, w3, x, x3, bound, inDim);
        }
        out[o0 + d0] = scratch[sumAt16(0)];
        out[o1 + d0] = scratch[sumAt16(1)];
        out[o2 + d0] = scratch[sumAt16(2)];
        out[o3 + d0] = scratch[sumAt16(3)];
        out[o0 + d1] = scratch[sumAt16(4)];
        out[o1 + d1] = scratch[sumAt16(5)];
        out[o2 + d1] = scratch[sumAt16(6)];
        out[o3 + d1] = scratch[sumAt16(7)];
        out[o0 + d2] = scratch[sumAt16(8)];
        out[o1 + d2] = scratch[sumAt16(9)];
        out[o2 + d2] = scratch[sumAt16(10)];
        out[o3 + d2] = scratch[sumAt16(11)];
        out[o0 + d3] = scratch[sumAt16(12)];
        out[o1 + d3] = scratch[sumAt16(13)];
        out[o2 + d3] = scratch[sumAt16(14)];
        out[o3 + d3] = scratch[sumAt16(15)];
    }

    // ---------------------------------------------------------------- row kernels

    /** Σ a[ao+i]·b[bo+i] for i &lt; n: one accumulator, fixed lane tree, scalar fma tail. */
    final float dot(float[] a, int ao, float[] b, int bo, int n, float[] scratch) {
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(n);
        FloatVector acc = FloatVector.zero(sp);
        for (int i = 0; i < bound; i += sp.length()) {
            acc = FloatVector.fromArray(sp, a, ao + i).fma(FloatVector.fromArray(sp, b, bo + i), acc);
        }
        float s = sum(acc, scratch);
        for (int i = bound; i < n; i++) {
            s = Math.fma(a[ao + i], b[bo + i], s);
        }
        return s;
    }

    /**
     * att[attOff + s] = (Σ_i q[qOff+i] · keysT[(kvOff+i) · capacity + s]) · scale for s &lt; len, with the keys
     * stored transposed: a vector holds the scores of consecutive positions and each is one fused multiply-add
     * chain over i ascending (no lane sum), the last positions under a mask, so a score never depends on its lane.
     */
    final void scores(float[] att, int attOff, float[] q, int qOff, float[] keysT, int kvOff, int capacity, int len,
                      int headDim, float scale) {
        VectorSpecies<Float> sp = floats();
        int lanes = sp.length();
        int bound = sp.loopBound(len);
        int s = 0;
        for (; s + 4 * lanes <= bound; s += 4 * lanes) { // four independent chains hide the FMA latency
            FloatVector a0 = FloatVector.zero(sp);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int i = 0; i < headDim; i++) {
                FloatVector qi = FloatVector.broadcast(sp, q[qOff + i]);
                int row = (kvOff + i) * capacity + s;
                a0 = qi.fma(FloatVector.fromArray(sp, keysT, row), a0);
                a1 = qi.fma(FloatVector.fromArray(sp, keysT, row + lanes), a1);
                a2 = qi.fma(FloatVector.fromArray(sp, keysT, row + 2 * lanes), a2);
                a3 = qi.fma(FloatVector.fromArray(sp, keysT, row + 3 * lanes), a3);
            }
            a0.mul(scale).intoArray(att, attOff + s);
            a1.mul(scale).intoArray(att, attOff + s + lanes);
            a2.mul(scale).intoArray(att, attOff + s + 2 * lanes);
            a3.mul(scale).intoArray(att, attOff + s + 3 * lanes);
        }
        for (; s < bound; s += lanes) {
            FloatVector acc = FloatVector.zero(sp);
            for (int i = 0; i < headDim; i++) {
                acc = FloatVector.broadcast(sp, q[qOff + i])
                        .fma(FloatVector.fromArray(sp, keysT, (kvOff + i) * capacity + s), acc);
            }
            acc.mul(scale).intoArray(att, attOff + s);
        }
        if (s < len) { // the last len - bound positions under a mask: the same chain per lane, not a scalar loop
            VectorMask<Float> m = sp.indexInRange(s, len);
            FloatVector acc = FloatVector.zero(sp);
            for (int i = 0; i < headDim; i++) {
                acc = FloatVector.broadcast(sp, q[qOff + i])
                        .fma(FloatVector.fromArray(sp, keysT, (kvOff + i) * capacity + s, m), acc);
            }
            acc.mul(scale).intoArray(att, attOff + s, m);
        }
    }

    /**
     * {@link #scores} of two queries of one head at once, qA into attA and qB into attB, both over len positions
     * (the caller ignores what it does not need). Each key vector loaded serves both queries, and eight accumulator
     * chains instead of four keep the FMA units busy where one query's four chains wait on their latency. Every score
     * is the same chain as in {@link #scores}, so the bits are the same.
     */
    final void scores2(float[] attA, int offA, float[] attB, int offB, float[] q, int qA, int qB, float[] keysT,
                       int kvOff, int capacity, int len, int headDim, float scale) {
        VectorSpecies<Float> sp = floats();
        int lanes = sp.length();
        int bound = sp.loopBound(len);
        int s = 0;
        for (; s + 4 * lanes <= bound; s += 4 * lanes) {
            FloatVector a0 = FloatVector.zero(sp);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            FloatVector b0 = a0;
            FloatVector b1 = a0;
            FloatVector b2 = a0;
            FloatVector b3 = a0;
            for (int i = 0; i < headDim; i++) {
                FloatVector qa = FloatVector.broadcast(sp, q[qA + i]);
                FloatVector qb = FloatVector.broadcast(sp, q[qB + i]);
                int row = (kvOff + i) * capacity + s;
                FloatVector k0 = FloatVector.fromArray(sp, keysT, row);
                FloatVector k1 = FloatVector.fromArray(sp, keysT, row + lanes);
                FloatVector k2 = FloatVector.fromArray(sp, keysT, row + 2 * lanes);
                FloatVector k3 = FloatVector.fromArray(sp, keysT, row + 3 * lanes);
                a0 = qa.fma(k0, a0);
                a1 = qa.fma(k1, a1);
                a2 = qa.fma(k2, a2);
                a3 = qa.fma(k3, a3);
                b0 = qb.fma(k0, b0);
                b1 = qb.fma(k1, b1);
                b2 = qb.fma(k2, b2);
                b3 = qb.fma(k3, b3);
            }
            a0.mul(scale).intoArray(attA, offA + s);
            a1.mul(scale).intoArray(attA, offA + s + lanes);
            a2.mul(scale).intoArray(attA, offA + s + 2 * lanes);
            a3.mul(scale).intoArray(attA, offA + s + 3 * lanes);
            b0.mul(scale).intoArray(attB, offB + s);
            b1.mul(scale).intoArray(attB, offB + s + lanes);
            b2.mul(scale).intoArray(attB, offB + s + 2 * lanes);
            b3.mul(scale).intoArray(attB, offB + s + 3 * lanes);
        }
        for (; s < bound; s += lanes) {
            FloatVector a = FloatVector.zero(sp);
            FloatVector b = a;
            for (int i = 0; i < headDim; i++) {
                FloatVector k = FloatVector.fromArray(sp, keysT, (kvOff + i) * capacity + s);
                a = FloatVector.broadcast(sp, q[qA + i]).fma(k, a);
                b = FloatVector.broadcast(sp, q[qB + i]).fma(k, b);
            }
            a.mul(scale).intoArray(attA, offA + s);
            b.mul(scale).intoArray(attB, offB + s);
        }
        if (s < len) {
            VectorMask<Float> m = sp.indexInRange(s, len);
            FloatVector a = FloatVector.zero(sp);
            FloatVector b = a;
            for (int i = 0; i < headDim; i++) {
                FloatVector k = FloatVector.fromArray(sp, keysT, (kvOff + i) * capacity + s, m);
                a = FloatVector.broadcast(sp, q[qA + i]).fma(k, a);
                b = FloatVector.broadcast(sp, q[qB + i]).fma(k, b);
            }
            a.mul(scale).intoArray(attA, offA + s, m);
            b.mul(scale).intoArray(attB, offB + s, m);
        }
    }

    /**
     * {@link #weightedSum} of two consecutive query rows of one head at once: out[oA ..] over positions s &lt; len
     * weighted by attA, out[oB ..] over s &lt;= len weighted by attB (the later row sees one more position). Each
     * value vector loaded serves both rows; every element is the same chain over s ascending as in
     * {@link #weightedSum}, so the bits are the same.
     */
    final void weightedSum2(float[] out, int oA, int oB, float[] attA, int offA, float[] attB, int offB, int len,
                            float[] values, int kvOff, int kvDim, int headDim) {
        VectorSpecies<Float> sp = floats();
        int lanes = sp.length();
        int bound = sp.loopBound(headDim);
        int c = 0;
        for (; c + 4 * lanes <= bound; c += 4 * lanes) {
            FloatVector a0 = FloatVector.zero(sp);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            FloatVector b0 = a0;
            FloatVector b1 = a0;
            FloatVector b2 = a0;
            FloatVector b3 = a0;
            for (int s = 0; s < len; s++) {
                FloatVector wa = FloatVector.broadcast(sp, attA[offA + s]);
                FloatVector wb = FloatVector.broadcast(sp, attB[offB + s]);
                int v = s * kvDim + kvOff + c;
                FloatVector v0 = FloatVector.fromArray(sp, values, v);
                FloatVector v1 = FloatVector.fromArray(sp, values, v + lanes);
                FloatVector v2 = FloatVector.fromArray(sp, values, v + 2 * lanes);
                FloatVector v3 = FloatVector.fromArray(sp, values, v + 3 * lanes);
                a0 = wa.fma(v0, a0);
                a1 = wa.fma(v1, a1);
                a2 = wa.fma(v2, a2);
                a3 = wa.fma(v3, a3);
                b0 = wb.fma(v0, b0);
                b1 = wb.fma(v1, b1);
                b2 = wb.fma(v2, b2);
                b3 = wb.fma(v3, b3);
            }
            FloatVector wb = FloatVector.broadcast(sp, attB[offB + len]);
            int v = len * kvDim + kvOff + c;
            b0 = wb.fma(FloatVector.fromArray(sp, values, v), b0);
            b1 = wb.fma(FloatVector.fromArray(sp, values, v + lanes), b1);
            b2 = wb.fma(FloatVector.fromArray(sp, values, v + 2 * lanes), b2);
            b3 = wb.fma(FloatVector.fromArray(sp, values, v + 3 * lanes), b3);
            a0.intoArray(out, oA + c);
            a1.intoArray(out, oA + c + lanes);
            a2.intoArray(out, oA + c + 2 * lanes);
            a3.intoArray(out, oA + c + 3 * lanes);
            b0.intoArray(out, oB + c);
            b1.intoArray(out, oB + c + lanes);
            b2.intoArray(out, oB + c + 2 * lanes);
            b3.intoArray(out, oB + c + 3 * lanes);
        }
        for (; c < bound; c += lanes) {
            FloatVector a = FloatVector.zero(sp);
            FloatVector b = a;
            for (int s = 0; s < len; s++) {
                FloatVector v = FloatVector.fromArray(sp, values, s * kvDim + kvOff + c);
                a = FloatVector.broadcast(sp, attA[offA + s]).fma(v, a);
                b = FloatVector.broadcast(sp, attB[offB + s]).fma(v, b);
            }
            b = FloatVector.broadcast(sp, attB[offB + len])
                    .fma(FloatVector.fromArray(sp, values, len * kvDim + kvOff + c), b);
            a.intoArray(out, oA + c);
            b.intoArray(out, oB + c);
        }
        for (; c < headDim; c++) {
            float a = 0;
            float b = 0;
            for (int s = 0; s < len; s++) {
                float v = values[s * kvDim + kvOff + c];
                a = Math.fma(attA[offA + s], v, a);
                b = Math.fma(attB[offB + s], v, b);
            }
            out[oA + c] = a;
            out[oB + c] = Math.fma(attB[offB + len], values[len * kvDim + kvOff + c], b);
        }
    }

    /**
     * out[o+i] = Σ_s att[attOff+s] · values[s · kvDim + kvOff + i] for i &lt; headDim, each element one fused
     * multiply-add chain over s ascending from 0, with up to four
     * vectors of accumulators kept in registers across all positions.
     */
    final void weightedSum(float[] out, int o, float[] att, int attOff, int len, float[] values, int kvOff,
                           int kvDim, int headDim) {
        VectorSpecies<Float> sp = floats();
        int lanes = sp.length();
        int bound = sp.loopBound(headDim);
        int c = 0;
        for (; c + 4 * lanes <= bound; c += 4 * lanes) {
            FloatVector a0 = FloatVector.zero(sp);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int s = 0; s < len; s++) {
                FloatVector w = FloatVector.broadcast(sp, att[attOff + s]);
                int v = s * kvDim + kvOff + c;
                a0 = w.fma(FloatVector.fromArray(sp, values, v), a0);
                a1 = w.fma(FloatVector.fromArray(sp, values, v + lanes), a1);
                a2 = w.fma(FloatVector.fromArray(sp, values, v + 2 * lanes), a2);
                a3 = w.fma(FloatVector.fromArray(sp, values, v + 3 * lanes), a3);
            }
            a0.intoArray(out, o + c);
            a1.intoArray(out, o + c + lanes);
            a2.intoArray(out, o + c + 2 * lanes);
            a3.intoArray(out, o + c + 3 * lanes);
        }
        for (; c < bound; c += lanes) {
            FloatVector a = FloatVector.zero(sp);
            for (int s = 0; s < len; s++) {
                a = FloatVector.broadcast(sp, att[attOff + s])
                        .fma(FloatVector.fromArray(sp, values, s * kvDim + kvOff + c), a);
            }
            a.intoArray(out, o + c);
        }
        for (; c < headDim; c++) {
            float a = 0;
            for (int s = 0; s < len; s++) {
                a = Math.fma(att[attOff + s], values[s * kvDim + kvOff + c], a);
            }
            out[o + c] = a;
        }
    }

    /** out[o+i] = weight[i] · (x[o+i] · scale) for i &lt; n (same two roundings as the scalar tail). */
    final void scale(float[] out, float[] x, int o, float[] weight, float scale, int n) {
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(n);
        for (int i = 0; i < bound; i += sp.length()) {
            FloatVector.fromArray(sp, x, o + i).mul(scale).mul(FloatVector.fromArray(sp, weight, i))
                    .intoArray(out, o + i);
        }
        for (int i = bound; i < n; i++) {
            out[o + i] = x[o + i] * scale * weight[i];
        }
    }

    /** x[off+i] *= factor for i &lt; n. */
    final void scaleInPlace(float[] x, int off, float factor, int n) {
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(n);
        for (int i = 0; i < bound; i += sp.length()) {
            FloatVector.fromArray(sp, x, off + i).mul(factor).intoArray(x, off + i);
        }
        for (int i = bound; i < n; i++) {
            x[off + i] *= factor;
        }
    }

    /** max of x[off .. off+n), n ≥ 1 (max is exact, so any order gives the same result). */
    // exp for softmax: Cody-Waite reduction by ln 2 and Cephes' degree-5 polynomial, in float. The vector body and
    // the scalar tail perform the same IEEE operations in the same order, so an element's value never depends on
    // whether it fell in a vector or in the tail (and no JIT-dependent library exp is involved). Error ≤ 2 ulp.
    private static final float LOG2E = 1.44269504f;
    private static final float MAGIC = 12582912f; // 1.5 * 2^23: adding it rounds to an integer
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;
    private static final int MAGIC_BITS = Float.floatToRawIntBits(MAGIC);

    /** exp(x − max) for x ≤ max, the scalar twin of the vector body of {@link #expShiftedInPlace}. */
    static float expShifted(float x, float max) {
        return exp(Math.max(x - max, -87f));
    }

    /** exp(d) for d in [−87, 88]: Cody-Waite reduction by ln 2, degree-5 polynomial, 2^n built in the exponent bits. */
    private static float exp(float d) {
        float t = d * LOG2E + MAGIC;
        float n = t - MAGIC;
        float r = Math.fma(n, -LN2_HI, d);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(P0, r, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        return y * Float.intBitsToFloat((Float.floatToRawIntBits(t) - MAGIC_BITS + 127) << 23);
    }

    /** {@link #exp(float)} on every lane: the same IEEE operations in the same order. */
    private FloatVector exp(FloatVector d) {
        VectorSpecies<Float> sp = floats();
        FloatVector t = d.mul(LOG2E).add(MAGIC);
        FloatVector nf = t.sub(MAGIC);
        FloatVector r = nf.fma(FloatVector.broadcast(sp, -LN2_HI), d);
        r = nf.fma(FloatVector.broadcast(sp, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(sp, P0).fma(r, FloatVector.broadcast(sp, P1));
        p = p.fma(r, FloatVector.broadcast(sp, P2));
        p = p.fma(r, FloatVector.broadcast(sp, P3));
        p = p.fma(r, FloatVector.broadcast(sp, P4));
        p = p.fma(r, FloatVector.broadcast(sp, P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        IntVector bits = t.reinterpretAsInts().sub(MAGIC_BITS - 127).lanewise(VectorOperators.LSHL, 23);
        return y.mul(bits.reinterpretAsFloats());
    }

    /** x[off+i] = exp(x[off+i] − max) for i &lt; n, every x ≤ max. */
    final void expShiftedInPlace(float[] x, int off, int n, float max) {
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(n);
        for (int i = 0; i < bound; i += sp.length()) {
            exp(FloatVector.fromArray(sp, x, off + i).sub(max).max(-87f)).intoArray(x, off + i);
        }
        for (int i = bound; i < n; i++) {
            x[off + i] = expShifted(x[off + i], max);
        }
    }

    /**
     * SwiGLU's gate: g / (1 + exp(−g)) · u, with exp as above on −g clamped to [−87, 88] and taken as +∞
     * beyond 88 (so the exponent bits never overflow and silu of a very negative g is −0). The scalar twin of
     * {@link #swiglu}; both perform the same IEEE operations, so an element never depends on its lane.
     */
    static float silu(float g, float u) {
        float e = -g > 88f ? Float.POSITIVE_INFINITY : exp(Math.min(Math.max(-g, -87f), 88f));
        return g / (1f + e) * u;
    }

    /** gate[i] = silu(gate[i]) · up[i] for i in [from, to): vector body and {@link #silu} tail agree bit for bit. */
    final void swiglu(float[] gate, float[] up, int from, int to) {
        VectorSpecies<Float> sp = floats();
        int i = from;
        for (; i + sp.length() <= to; i += sp.length()) {
            FloatVector g = FloatVector.fromArray(sp, gate, i);
            FloatVector e = exp(g.neg().max(-87f).min(88f))
                    .blend(Float.POSITIVE_INFINITY, g.neg().compare(VectorOperators.GT, 88f));
            g.div(e.add(1f)).mul(FloatVector.fromArray(sp, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) {
            gate[i] = silu(gate[i], up[i]);
        }
    }

    final float max(float[] x, int off, int n) {
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(n);
        float m = Float.NEGATIVE_INFINITY;
        if (bound > 0) {
            FloatVector acc = FloatVector.broadcast(sp, Float.NEGATIVE_INFINITY);
            for (int i = 0; i < bound; i += sp.length()) {
                acc = acc.max(FloatVector.fromArray(sp, x, off + i));
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (int i = bound; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    /** x[i] += y[i]; elementwise, so the vector body and scalar tail agree bit for bit. */
    final void add(float[] x, float[] y, int n) {
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(n);
        for (int i = 0; i < bound; i += sp.length()) {
            FloatVector.fromArray(sp, x, i).add(FloatVector.fromArray(sp, y, i)).intoArray(x, i);
        }
        for (int i = bound; i < n; i++) {
            x[i] += y[i];
        }
    }

    /** Rotate-half for one head at base: (a, b) ← (a·c − b·s, b·c + a·s), tables at table. */
    final void rope(float[] vec, int base, int half, float[] cos, float[] sin, int table) {
        VectorSpecies<Float> sp = floats();
        int bound = sp.loopBound(half);
        for (int i = 0; i < bound; i += sp.length()) {
            FloatVector c = FloatVector.fromArray(sp, cos, table + i);
            FloatVector s = FloatVector.fromArray(sp, sin, table + i);
            FloatVector a = FloatVector.fromArray(sp, vec, base + i);
            FloatVector b = FloatVector.fromArray(sp, vec, base + half + i);
            a.mul(c).sub(b.mul(s)).intoArray(vec, base + i);
            b.mul(c).add(a.mul(s)).intoArray(vec, base + half + i);
        }
        for (int i = bound; i < half; i++) {
            float c = cos[table + i];
            float s = sin[table + i];
            float a = vec[base + i];
            float b = vec[base + half + i];
            vec[base + i] = a * c - b * s;
            vec[base + half + i] = b * c + a * s;
        }
    }

    // ---------------------------------------------------------------- widths

    static Lanes forBits(int bits) {
        return switch (bits) {
            case 512 -> new W512();
            case 256 -> new W256();
            case 128 -> new W128();
            default -> throw new IllegalArgumentException("vector width " + bits + " bits; use 128, 256 or 512");
        };
    }

    static final class W512 extends Lanes {
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
        private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;

        private static final IntVector LEVEL0 = levelIndex(I, 0);
        private static final IntVector LEVEL1 = levelIndex(I, 1);
        private static final IntVector LEVEL2 = levelIndex(I, 2);
        private static final IntVector LEVEL3 = levelIndex(I, 3);
        private static final IntVector LEVEL4 = levelIndex(I, 4);
        private static final IntVector LEVEL5 = levelIndex(I, 5);
        private static final IntVector LEVEL6 = levelIndex(I, 6);
        private static final IntVector LEVEL7 = levelIndex(I, 7);
        private static final int[] AT4 = foldLayout(I.length(), 4);
        private static final int[] AT8 = foldLayout(I.length(), 8);
        private static final int[] AT16 = foldLayout(I.length(), 16);

        @Override
        IntVector level(int n) {
            return switch (n) {
                case 0 -> LEVEL0;
                case 1 -> LEVEL1;
                case 2 -> LEVEL2;
                case 3 -> LEVEL3;
                case 4 -> LEVEL4;
                case 5 -> LEVEL5;
                case 6 -> LEVEL6;
                default -> LEVEL7;
            };
        }

        @Override
        int sumAt4(int k) {
            return AT4[k];
        }

        @Override
        int sumAt8(int k) {
            return AT8[k];
        }

        @Override
        int sumAt16(int k) {
            return AT16[k];
        }

        @Override
        VectorSpecies<Float> floats() {
            return F;
        }

        @Override
        VectorSpecies<Short> shorts() {
            return S;
        }

        @Override
        VectorSpecies<Integer> ints() {
            return I;
        }
    }

    static final class W256 extends Lanes {
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
        private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;

        private static final IntVector LEVEL0 = levelIndex(I, 0);
        private static final IntVector LEVEL1 = levelIndex(I, 1);
        private static final IntVector LEVEL2 = levelIndex(I, 2);
        private static final IntVector LEVEL3 = levelIndex(I, 3);
        private static final IntVector LEVEL4 = levelIndex(I, 4);
        private static final IntVector LEVEL5 = levelIndex(I, 5);
        private static final IntVector LEVEL6 = levelIndex(I, 6);
        private static final IntVector LEVEL7 = levelIndex(I, 7);
        private static final int[] AT4 = foldLayout(I.length(), 4);
        private static final int[] AT8 = foldLayout(I.length(), 8);
        private static final int[] AT16 = foldLayout(I.length(), 16);

        @Override
        IntVector level(int n) {
            return switch (n) {
                case 0 -> LEVEL0;
                case 1 -> LEVEL1;
                case 2 -> LEVEL2;
                case 3 -> LEVEL3;
                case 4 -> LEVEL4;
                case 5 -> LEVEL5;
                case 6 -> LEVEL6;
                default -> LEVEL7;
            };
        }

        @Override
        int sumAt4(int k) {
            return AT4[k];
        }

        @Override
        int sumAt8(int k) {
            return AT8[k];
        }

        @Override
        int sumAt16(int k) {
            return AT16[k];
        }

        @Override
        VectorSpecies<Float> floats() {
            return F;
        }

        @Override
        VectorSpecies<Short> shorts() {
            return S;
        }

        @Override
        VectorSpecies<Integer> ints() {
            return I;
        }
    }

    static final class W128 extends Lanes {
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_128;
        private static final VectorSpecies<Short> S = ShortVector.SPECIES_64;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_128;

        private static final IntVector LEVEL0 = levelIndex(I, 0);
        private static final IntVector LEVEL1 = levelIndex(I, 1);
        private static final IntVector LEVEL2 = levelIndex(I, 2);
        private static final IntVector LEVEL3 = levelIndex(I, 3);
        private static final IntVector LEVEL4 = levelIndex(I, 4);
        private static final IntVector LEVEL5 = levelIndex(I, 5);
        private static final IntVector LEVEL6 = levelIndex(I, 6);
        private static final IntVector LEVEL7 = levelIndex(I, 7);
        private static final int[] AT4 = foldLayout(I.length(), 4);
        private static final int[] AT8 = foldLayout(I.length(), 8);
        private static final int[] AT16 = foldLayout(I.length(), 16);

        @Override
        IntVector level(int n) {
            return switch (n) {
                case 0 -> LEVEL0;
                case 1 -> LEVEL1;
                case 2 -> LEVEL2;
                case 3 -> LEVEL3;
                case 4 -> LEVEL4;
                case 5 -> LEVEL5;
                case 6 -> LEVEL6;
                default -> LEVEL7;
            };
        }

        @Override
        int sumAt4(int k) {
            return AT4[k];
        }

        @Override
        int sumAt8(int k) {
            return AT8[k];
        }

        @Override
        int sumAt16(int k) {
            return AT16[k];
        }

        @Override
        VectorSpecies<Float> floats() {
            return F;
        }

        @Override
        VectorSpecies<Short> shorts() {
            return S;
        }

        @Override
        VectorSpecies<Integer> ints() {
            return I;
        }
    }
}
