package org.specula.tensor.simd;

import java.lang.foreign.MemorySegment;

/** The matmul of {@link SimdKernels}: one call's rows of the output, cut into the tiles of the width's plan. */
final class Matmul {
    /** Weight rows per pass of the single-row (decode) kernel. */
    static final int DOT_ROWS = 8;

    private Matmul() {
    }

    /**
     * Whether a call widens BF16 and F16 weight rows to floats once per tile's weight rows (into a per-chunk array)
     * so that every tile of the block reads floats from that array ({@code WideTiles}): no conversion per tile. Only
     * where the width's plan says so: long blocks (the conversion is paid once for many tiles) of narrow rows (the
     * widened rows and a tile's activation rows must share L1).
     */
    static boolean widens(Lanes lanes, int rows, int kind, int inDim) {
        return rows >= lanes.plan.widenRows && kind != Lanes.F32 && inDim <= lanes.plan.widenMaxIn;
    }

    /**
     * out[t][d] = Σ_j w[d][j]·x[t][j] for t &lt; rows and d in [dFrom, dTo). Tiles of the width's
     * {@link TilePlan}: M weight rows × the activation rows of each group the plan picks; each weight vector is loaded
     * once per tile and used for every activation row; edge tiles repeat the last weight row index (recomputing an
     * identical value) rather than switching to other code. A single activation row (decode) streams 8 weight rows at
     * once ({@code DecodeDots}). Every path keeps one accumulator per output element, so the sum order never depends on
     * the path.
     * <p>
     * The rows a kernel call works on together are a run apart, not adjacent: [dFrom, dTo) is cut into 8 (decode) or M
     * (tiles) runs of consecutive rows, and call r takes row r of every run. Each weight load of the kernel then walks
     * one run front to back, a long sequential stream, where adjacent rows made every call start new short streams
     * (a SmolLM2 row is 1920 bytes, so two streams shared each 4 KiB page). Rows past dTo clamp to dTo - 1
     * (recomputing an identical value).
     * <p>
     * The call does positions [run·part/parts, run·(part+1)/parts) of its runs, where run is the length of each run:
     * a thread that takes parts 0, 1, 2 ... of one range walks each run front to back across the calls, as one
     * stream, where cutting the range itself into chunks started 4 or 8 new streams per chunk (measurements of both:
     * bench/LOG.md).
     * <p>
     * For BF16 weights x must come in {@link Bf16Layout#blockOrder}, or in {@link Bf16Layout#pairOrder} when the call
     * {@link #widens}.
     */
    static void matmul(Lanes lanes, float[] out, MemorySegment w, int kind, float[] x, int rows, int outDim,
                       int inDim, int dFrom, int dTo, int part, int parts, float[] scratch, float[] wide) {
        int dLast = dTo - 1;
        if (rows == 1) {
            int run = (dTo - dFrom + DOT_ROWS - 1) / DOT_ROWS;
            for (int r = share(run, part, parts), rEnd = share(run, part + 1, parts); r < rEnd; r++) {
                DecodeDots.dot8(lanes, kind, out, w, x, inDim, dFrom + r, dLast, run, scratch);
            }
            return;
        }
        TilePlan plan = lanes.plan;
        int m = plan.weightRows;
        int run = (dTo - dFrom + m - 1) / m;
        if (widens(lanes, rows, kind, inDim)) { // wide holds X_OFFSET + m * inDim floats; BF16 x is in pairOrder
            int xOff = kind == Lanes.BF16 ? Lanes.X_OFFSET : 0; // F16 x is the caller's array
            int vectors = kind == Lanes.BF16 ? lanes.pairBound(inDim) : lanes.floats().loopBound(inDim);
            for (int r = share(run, part, parts), rEnd = share(run, part + 1, parts); r < rEnd; r++) {
                int d = dFrom + r;
                for (int k = 0; k < m; k++) {
                    Bf16Layout.widen(lanes, w, kind, Math.min(d + k * run, dLast), inDim, wide,
                            Lanes.X_OFFSET + k * inDim);
                }
                for (int t = 0; t < rows; t += plan.wideRows) { // the last tile repeats row rows - 1 where short
                    WideTiles.tile(m, plan.wideRows, lanes, out, wide, x, xOff, outDim, inDim, d, dLast, run, t,
                            Math.min(t + plan.wideRows - 1, rows - 1), vectors, scratch);
                }
            }
            return;
        }
        for (int r = share(run, part, parts), rEnd = share(run, part + 1, parts); r < rEnd; r++) {
            int d = dFrom + r;
            for (int t = 0; t < rows; ) { // rows >= 2: groups of 2 to maxRows (1 only where maxRows < 3)
                int g = plan.group(rows, t);
                switch (kind) {
                    case Lanes.F32 -> F32Tiles.tile(m, g, lanes, out, w, x, outDim, inDim, d, dLast, run, t, scratch);
                    case Lanes.BF16 -> {
                        if (inDim <= Lanes.SHORT_ROW) {
                            Bf16ShortTiles.tile(m, g, lanes, out, w, x, outDim, inDim, d, dLast, run, t, scratch);
                        } else {
                            Bf16Tiles.tile(m, g, lanes, out, w, x, outDim, inDim, d, dLast, run, t, scratch);
                        }
                    }
                    default -> F16Tiles.tile(m, g, lanes, out, w, x, outDim, inDim, d, dLast, run, t, scratch);
                }
                t += g;
            }
        }
    }

    /** Start of part p of n over [0, run). */
    private static int share(int run, int p, int n) {
        return (int) ((long) run * p / n);
    }
}
