package org.specula.tensor.simd;

import java.util.ArrayList;
import java.util.List;

import org.specula.tensor.SpeculaException;

/**
 * How a vector width cuts a block matmul (2 or more activation rows) into tiles of {@link #weightRows} weight rows ×
 * up to {@link #maxRows} activation rows. Chosen by register budget: a BF16 tile holds M × N accumulators, for each
 * weight row its int pairs or both converted halves, and the activation vectors it loads; past the register file C2
 * spills, and spilled accumulators cost a load and a store per FMA. A tile also needs at least 8 accumulators: each
 * takes two dependent FMAs per iteration (even, then odd weights), and the FMA units need 8 independent chains to stay
 * busy. Every shape keeps one accumulator per output element in the same sum order, so the plan changes speed, never
 * bits. Measurements: bench/LOG.md, "tile plans".
 */
enum TilePlan {
    /**
     * 32 registers (AVX-512): 4 × 5 (20 accumulators, 4 int pairs, 4 converted weights and an activation: 29 of 32),
     * 8 rows as 5 + 3, because the 4×5 tile does the most work per weight converted.
     */
    W512(4, 5, 4, 32, 1024, false),
    /**
     * 16 registers (AVX2): 2 × 4 (8 accumulators, 4 converted weights, 2 activations: 14; the odd weights cleared
     * by two shifts, as an AND's mask would hold a register) and, for exactly 5 rows (speculative verification at 4
     * drafts), 2 × 5 in the form whose second weight row reads the activations at an offset C2 cannot prove 0
     * ({@code KernelGenerator.aliased}); groups as equal as possible, so 8 rows are 4 + 4. Never widens: the int-pair
     * tiles are faster than tiles over widened rows here, even for long blocks.
     */
    W256(2, 5, 0, Integer.MAX_VALUE, 0, true),
    /** 128 bits: NEON has 32 registers, so AVX-512's shapes (on x86 this width is for correctness tests only). */
    W128(4, 5, 4, 32, 1024, false);

    /**
     * The plan a width uses: its own, or the one the system property specula.tilePlan names (W512, W256 or W128), to
     * measure one width's plan at another.
     */
    static TilePlan forWidth(TilePlan own) {
        String forced = System.getProperty("specula.tilePlan");
        if (forced == null || forced.isBlank()) {
            return own;
        }
        for (TilePlan plan : values()) {
            if (plan.name().equals(forced.trim())) {
                return plan;
            }
        }
        throw new SpeculaException("specula.tilePlan=" + forced + "; use W512, W256 or W128");
    }

    /** Weight rows of a tile; a thread's share of a matmul is a multiple of it. */
    final int weightRows;
    /** The most activation rows a tile takes. */
    final int maxRows;
    /** Activation rows of a tile over widened weight rows ({@link Matmul#widens}), 0 where the plan never widens. */
    final int wideRows;
    /** Blocks of at least this many rows widen BF16 and F16 weight rows to floats first ({@link Matmul#widens}) ... */
    final int widenRows;
    /** ... when rows have at most this many weights (the widened rows and a tile's activations must share L1). */
    final int widenMaxIn;
    /** Rows split into groups as equal as possible (8 as 4 + 4), not maxRows first (8 as 5 + 3). */
    final boolean evenSplit;

    TilePlan(int weightRows, int maxRows, int wideRows, int widenRows, int widenMaxIn, boolean evenSplit) {
        this.weightRows = weightRows;
        this.maxRows = maxRows;
        this.wideRows = wideRows;
        this.widenRows = widenRows;
        this.widenMaxIn = widenMaxIn;
        this.evenSplit = evenSplit;
    }

    /**
     * How many activation rows, from row t of rows (at least 2 in all), the next tile takes. With evenSplit: the
     * fewest groups of at most maxRows, as equal as possible. Otherwise all that are left up to maxRows, half of
     * maxRows + 1 (6 as 3 + 3 rather than 5 + 1), else maxRows. Never 1 while maxRows is at least 3.
     */
    int group(int rows, int t) {
        int left = rows - t;
        if (evenSplit) {
            int groups = (left + maxRows - 1) / maxRows;
            return (left + groups - 1) / groups;
        }
        return left <= maxRows ? left : left == maxRows + 1 ? (left + 1) / 2 : maxRows;
    }

    /** Every {weightRows, n} tile shape {@link #group} can ask for. */
    List<int[]> shapes() {
        List<int[]> shapes = new ArrayList<>();
        for (int n = maxRows < 3 ? 1 : 2; n <= maxRows; n++) { // below 3, odd rows leave a group of 1
            shapes.add(new int[]{weightRows, n});
        }
        return shapes;
    }
}
