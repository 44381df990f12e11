package org.specula.sampling;

import org.specula.sampling.simd.RowKernels;

import java.util.Arrays;

/**
 * The order in which the filters take tokens, and the one way the sampler finds a row's best tokens.
 *
 * <p>Order: higher logit first, lower id first on ties, −0 tying with +0; a strict total order on token ids, so every
 * filter is deterministic. A token's place in it is one long, its {@link #key}.
 *
 * <p>Selection ({@link #candidates}, then {@link #bestFirst}): a threshold that at least count logits reach, found by
 * counting passes over the row in vectors; the tokens reaching it, collected in id order; their keys sorted. The
 * candidates are a prefix of the ranking (a token that ranks before one of them has a logit at least as high), so
 * sorted they are exactly the best tokens of the row, best first.
 */
final class Ranking {
    /** Candidates up to this many are ordered by the branch-free rank sort, more (ties) by {@link Arrays#sort}. */
    static final int RANK_SORT_MAX = 256;
    /** The threshold search stops once at most this many tokens beyond the count reach it. */
    private static final int THRESHOLD_SLACK = 8;

    private Ranking() {}

    /**
     * Token i's rank as one long that compares as the order does: the logit's bits made order-preserving as a signed
     * int (−0 as +0), above the complement of the id (a lower id ranks first on a tie). Not for NaN logits.
     */
    static long key(float[] logits, int off, int i) {
        int bits = Float.floatToRawIntBits(logits[off + i] + 0.0f);
        bits ^= (bits >> 31) & 0x7FFFFFFF;
        return ((long) bits << 32) | (~i & 0xFFFFFFFFL);
    }

    /** The token id a {@link #key} holds. */
    static int id(long key) {
        return ~(int) key;
    }

    /** The best count or more tokens of the row, as keys, best first: {@link #bestFirst} of the {@link #candidates}. */
    static long[] best(float[] logits, int off, int vocab, int count, float maxLogit) {
        return bestFirst(candidates(logits, off, vocab, count, maxLogit));
    }

    /**
     * The keys, in id order, of the tokens reaching a logit threshold that at least count (1 ≤ count ≤ vocab) of
     * them reach, and seldom more than {@link #THRESHOLD_SLACK} beyond it unless ties put them at the threshold.
     * maxLogit is the row's largest logit, not NaN. The search: distances below the max growing 4× a step, then
     * bisection, each probe a counting pass; then one pass collects the tokens that reach the threshold.
     */
    static long[] candidates(float[] logits, int off, int vocab, int count, float maxLogit) {
        float top = Math.min(maxLogit, Float.MAX_VALUE); // +Infinity logits reach every threshold searched
        float bad = Math.nextUp(top); // above every finite logit
        float good;
        int reached;
        for (float distance = 0.5f; ; distance *= 4) {
            float threshold = top - distance; // -Infinity at the latest, which every token reaches
            int c = RowKernels.countAtLeast(logits, off, vocab, threshold);
            if (c >= count) {
                good = threshold;
                reached = c;
                break;
            }
            bad = threshold;
        }
        while (reached > count + THRESHOLD_SLACK) {
            float mid = good * 0.5f + bad * 0.5f; // no overflow
            if (!(mid > good && mid < bad)) break; // adjacent floats (ties), or an infinite bound
            int c = RowKernels.countAtLeast(logits, off, vocab, mid);
            if (c >= count) {
                good = mid;
                reached = c;
            } else {
                bad = mid;
            }
        }
        int[] ids = new int[reached + RowKernels.INDEX_SLACK];
        int collected = RowKernels.indicesAtLeast(logits, off, vocab, good, ids);
        long[] keys = new long[collected];
        for (int n = 0; n < collected; n++) keys[n] = key(logits, off, ids[n]);
        return keys;
    }

    /**
     * The distinct keys sorted best (largest) first. A few dozen candidates, the usual case, go through the rank
     * sort: no branch on a comparison, where a comparison sort mispredicts about every other one.
     */
    static long[] bestFirst(long[] keys) {
        int m = keys.length;
        long[] sorted = new long[m];
        if (m <= RANK_SORT_MAX) {
            RowKernels.sortDistinctDescending(keys, m, sorted);
            return sorted;
        }
        System.arraycopy(keys, 0, sorted, 0, m);
        Arrays.sort(sorted);
        for (int n = 0; n < m / 2; n++) {
            long t = sorted[n];
            sorted[n] = sorted[m - 1 - n];
            sorted[m - 1 - n] = t;
        }
        return sorted;
    }
}
