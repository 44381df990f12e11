package org.specula.loader.tokenizer;

/**
 * Open-addressing map from a symbol pair (left id, right id) to the rank of its merge (the merge's index in
 * model.merges); a missing pair gives -1. The merged id of a rank is {@code mergedId[rank]}.
 */
final class MergeTable {
    private final long[] keys;   // [capacity] packed (left << 32 | right), EMPTY when free
    private final int[] ranks;   // [capacity]
    private final int mask;
    private static final long EMPTY = -1L;

    MergeTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        ranks = new int[capacity];
        mask = capacity - 1;
        java.util.Arrays.fill(keys, EMPTY);
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29));
    }

    /** Sets the rank of a pair; a later merge of the same pair replaces an earlier one, as in Hugging Face. */
    void put(int left, int right, int rank) {
        long k = key(left, right);
        int i = hash(k) & mask;
        while (keys[i] != EMPTY && keys[i] != k) {
            i = (i + 1) & mask;
        }
        keys[i] = k;
        ranks[i] = rank;
    }

    int rank(int left, int right) {
        long k = key(left, right);
        int i = hash(k) & mask;
        while (true) {
            long found = keys[i];
            if (found == k) {
                return ranks[i];
            }
            if (found == EMPTY) {
                return -1;
            }
            i = (i + 1) & mask;
        }
    }
}
