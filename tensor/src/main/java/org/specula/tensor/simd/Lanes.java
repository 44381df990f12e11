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
 * One vector width of {@link SimdKernels}: its species, its matmul {@link TilePlan}, the butterfly constants of its
 * lane sums, and the small helpers every kernel shares (weight loads, scalar tails). The kernels themselves are static
 * methods that take a {@code Lanes}: {@link Matmul} (dispatch), the generated tiles ({@code F32Tiles}, {@code
 * F16Tiles}, {@code Bf16Tiles}, {@code Bf16ShortTiles}, {@code WideTiles}) and {@code DecodeDots}, {@link Bf16Layout},
 * {@link Attention} and {@link RowOps}. The Vector API only compiles to SIMD instructions when the species is a
 * constant, so each width is a final class ({@code Widths}, generated) whose accessors return {@code static final}
 * fields; a JVM that uses one width loads one of them and C2 inlines the accessors to constants. Tests that construct
 * several widths in one JVM still get correct (slower) code.
 *
 * <p>Determinism: every reduction is a fixed sequence of IEEE operations (fused multiply-adds over one accumulator per
 * output element, then the lanes added as a fixed pairwise tree, {@link #treeSum}, which the tiles perform on whole
 * vectors of accumulators at once, see {@link #level} and {@code Folds}, then a scalar tail) that depends only on the
 * reduction length and the width, never on how many rows, which tile shape or which thread. {@code reduceLanes(ADD)} is
 * avoided because its order is unspecified and may differ between the interpreter and C2.
 */
abstract sealed class Lanes permits Widths.W128, Widths.W256, Widths.W512 {
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /*
     * The element types the tiles read, as int codes rather than DType: they are compared in the innermost loops,
     * where an int constant folds away in C2 and an enum switch would add a lookup (javac's ordinal map). kind()
     * is the one place DType becomes a code.
     */
    static final int F32 = 0;
    static final int BF16 = 1;
    static final int F16 = 2;

    /**
     * Where the BF16 kernels' own activation arrays (x in {@link Bf16Layout#blockOrder} or {@link
     * Bf16Layout#pairOrder}, widened weight rows) start: the index whose address is a multiple of 64 bytes when the JVM
     * places objects on 64-byte boundaries ({@code -XX:ObjectAlignmentInBytes=64}, which the launcher passes), else 0,
     * so that no vector load straddles two cache lines (a float[]'s elements start 16 bytes into the object).
     * bench/LOG.md, session 10.
     */
    static final int X_OFFSET = alignedOffset();
    /**
     * Rows of at most this many weights take the BF16 tiles' Short twins, whose loop runs while
     * {@code j + span <= bound}: C2 does not make that a counted loop, so the bounds checks stay in the loop (cheap
     * compares) instead of the loop nest it builds for {@code j < bound}, whose setup is paid per call and weighs on
     * short rows; long rows keep the counted loop. Twin methods, not both loops in one: one method that big risks C2's
     * inlining budget. bench/LOG.md, "SHORT_ROW".
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

    /** How this width cuts a matmul into tiles. */
    final TilePlan plan;

    Lanes(TilePlan plan) {
        this.plan = plan;
    }

    abstract VectorSpecies<Float> floats();

    /** Shorts with the same lane count as {@link #floats()}, half the bits. */
    abstract VectorSpecies<Short> shorts();

    /** Ints with the same shape as {@link #floats()}. */
    abstract VectorSpecies<Integer> ints();

    static Lanes forBits(int bits) {
        return switch (bits) {
            case 512 -> new Widths.W512();
            case 256 -> new Widths.W256();
            case 128 -> new Widths.W128();
            default -> throw new IllegalArgumentException("vector width " + bits + " bits; use 128, 256 or 512");
        };
    }

    int bits() {
        return floats().vectorBitSize();
    }

    /** Whether the tiles read {@code dtype}. */
    static boolean reads(DType dtype) {
        return dtype == DType.F32 || dtype == DType.BF16 || dtype == DType.F16;
    }

    /** The code of a dtype the tiles read ({@link #reads}); any other is the caller's bug. */
    static int kind(DType dtype) {
        return switch (dtype) {
            case F32 -> F32;
            case BF16 -> BF16;
            case F16 -> F16;
            default -> throw new IllegalArgumentException("no SIMD kernels read " + dtype);
        };
    }

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

    /** Offset of accumulator k's lane sum after a tile's epilogue folded count (4, 8 or 16) accumulators. */
    abstract int sumAt4(int k);

    abstract int sumAt8(int k);

    abstract int sumAt16(int k);

    // ------------------------------------------------------------------------- weights as floats

    final FloatVector f32(MemorySegment w, long index) {
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
     * F16 to float without a table: the magnitude bits shifted into float position, times 2^112, are exact for
     * normals and subnormals; exponent 31 (inf/NaN) gets the float's all-ones exponent; the sign is copied.
     * The API has no half-float conversion (S2F converts the integer value).
     */
    final FloatVector f16(MemorySegment w, long index) {
        ShortVector s = ShortVector.fromMemorySegment(shorts(), w, index * 2, LE);
        IntVector h = (IntVector) s.convertShape(VectorOperators.S2I, ints(), 0);
        IntVector mag = h.and(0x7FFF);
        IntVector bits = mag.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                .reinterpretAsInts();
        VectorMask<Integer> special = mag.compare(VectorOperators.GE, 0x7C00);
        bits = bits.lanewise(VectorOperators.OR, 0x7F800000, special);
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    static float weight(int kind, MemorySegment w, long index) {
        return switch (kind) {
            case F32 -> w.getAtIndex(Tensor.F32_LE, index);
            case BF16 -> DType.bf16ToFloat(w.getAtIndex(Tensor.I16_LE, index));
            default -> Float.float16ToFloat(w.getAtIndex(Tensor.I16_LE, index));
        };
    }

    /** The end of every dot product: s (the lane sum) plus the scalar tail j in [from, n) with fused multiply-adds. */
    static float tail(float s, int kind, MemorySegment w, long wRow, float[] x, int xRow, int from, int n) {
        for (int j = from; j < n; j++) {
            s = Math.fma(weight(kind, w, wRow + j), x[xRow + j], s);
        }
        return s;
    }

    /** s[at] = {@link #tail}(s[at], ...): the form the generated epilogues call. */
    static void tailInto(float[] s, int at, int kind, MemorySegment w, long wRow, float[] x, int xRow, int from,
                         int n) {
        s[at] = tail(s[at], kind, w, wRow, x, xRow, from, n);
    }

    /** s[at] = {@link #wideTail}(s[at], ...). */
    static void wideTailInto(float[] s, int at, float[] wide, int wRow, float[] x, int xRow, int from, int n) {
        s[at] = wideTail(s[at], wide, wRow, x, xRow, from, n);
    }

    /** {@link #tail} over a row already widened to floats. */
    static float wideTail(float s, float[] wide, int wRow, float[] x, int xRow, int from, int n) {
        for (int j = from; j < n; j++) {
            s = Math.fma(wide[wRow + j], x[xRow + j], s);
        }
        return s;
    }
}
