package org.specula.speculative;

import java.util.Arrays;

/**
 * Prompt lookup: drafts what followed the last n committed tokens where they occurred before, with no model. The
 * rule, exactly: with c the committed tokens (prompt included), for n from maxN down to minN, find the most recent
 * earlier occurrence of c's last n tokens (start j &lt; len(c) − n, so the suffix itself never counts, an overlapping
 * one does) and propose c[j + n .. j + n + k), fewer than k tokens where c ends first; with no match for any n the
 * draft is empty and the step is a plain decode step. Drafts are deterministic, so each row of q is one-hot.
 *
 * <p>The index makes a lookup O(maxN + k) and a committed token O(maxN), whatever the context's length. Every n-gram
 * gets an id, interned from (id of its first n − 1 tokens, its last token), so ids are exact (no hash collisions) and
 * those ending at a position come from those ending one before it. Per position it keeps the ids ending there and,
 * for each, where that n-gram ended before: the lookup reads the latter at the last position, and rolling back
 * restores each id's last end from it, newest first. The committed tokens are synced on every call: within one
 * generate the loop passes one array and only appends to its committed prefix, so the same array with at least as
 * many tokens indexes only the new ones; any other call (a new generate, a chat turn that re-encodes the
 * conversation) compares the prefix once and rolls the index back to what it still shares.
 */
public final class NgramProposer implements Proposer {
    private final int vocab;
    private final int minN;
    private final int maxN;
    private int[] tokens = new int[64]; // [capacity] the indexed tokens; [0, count) are in use
    private int[] ids;                  // [capacity][maxN] id of the n-gram ending at p, n = 1..min(maxN, p + 1)
    private int[] previousEnd;          // [capacity][maxN] where that n-gram ended before p, −1: nowhere
    private int[] lastEnd = new int[0]; // [ids] where each n-gram last ended in [0, count), −1: nowhere
    private int count;
    private int[] seenArray;            // the array of the last call, compared by identity only, never read
    private final Interner interner = new Interner();
    private int[] draftTokens = new int[0];
    private double[][] draftProbs = new double[0][];

    /** Matches the last n tokens for n from maxN down to minN (1 ≤ minN ≤ maxN); drafts over vocab tokens. */
    public NgramProposer(int vocab, int minN, int maxN) {
        if (minN < 1 || minN > maxN || vocab < 1) {
            throw new IllegalArgumentException("n-gram lookup needs 1 <= min <= max and a vocabulary (got min "
                    + minN + ", max " + maxN + ", vocab " + vocab + ")");
        }
        this.vocab = vocab;
        this.minN = minN;
        this.maxN = maxN;
        this.ids = new int[64 * maxN];
        this.previousEnd = new int[64 * maxN];
    }

    @Override
    public Draft propose(int[] committed, int length, int k) {
        sync(committed, length);
        for (int n = Math.min(maxN, count - 1); n >= minN; n--) { // an earlier occurrence needs n < count
            int end = previousEnd[(count - 1) * maxN + n - 1];
            if (end >= 0) {
                return draft(end + 1, Math.min(k, count - end - 1));
            }
        }
        return draft(0, 0);
    }

    @Override
    public void onCommit(int[] committed, int length, int accepted) {
        sync(committed, length);
    }

    /** A draft of tokens[from, from + n), each row one-hot; a row's only 1 is at its previous token, zeroed first. */
    private Draft draft(int from, int n) {
        if (draftTokens.length < n) {
            draftTokens = new int[n];
            draftProbs = new double[n][vocab];
        }
        for (int i = 0; i < n; i++) {
            draftProbs[i][draftTokens[i]] = 0;
            draftTokens[i] = tokens[from + i];
            draftProbs[i][draftTokens[i]] = 1;
        }
        return new Draft(draftTokens, draftProbs, n);
    }

    /** Brings the index to committed[0, length): rolled back to the prefix still shared unless it only grew. */
    private void sync(int[] committed, int length) {
        if (committed != seenArray || length < count) {
            int shared = Math.min(count, length);
            int mismatch = Arrays.mismatch(tokens, 0, shared, committed, 0, shared);
            rollBack(mismatch < 0 ? shared : mismatch);
            seenArray = committed;
        }
        while (count < length) {
            append(committed[count]);
        }
    }

    /** Indexes token at position count: the n-grams ending there, each remembering where it ended before. */
    private void append(int token) {
        int p = count;
        if (p == tokens.length) {
            tokens = Arrays.copyOf(tokens, 2 * p);
            ids = Arrays.copyOf(ids, 2 * p * maxN);
            previousEnd = Arrays.copyOf(previousEnd, 2 * p * maxN);
        }
        tokens[p] = token;
        int prefix = -1; // the id of the (n − 1)-gram ending at p − 1; −1 for the empty one
        for (int n = 1; n <= Math.min(maxN, p + 1); n++) { // no longer n-gram ends at p
            int slot = p * maxN + n - 1;
            if (n > 1) {
                prefix = ids[(p - 1) * maxN + n - 2];
            }
            int id = interner.id(prefix, token);
            if (id == lastEnd.length) { // a new id, never ended anywhere
                lastEnd = Arrays.copyOf(lastEnd, Math.max(64, 2 * id));
                Arrays.fill(lastEnd, id, lastEnd.length, -1);
            }
            ids[slot] = id;
            previousEnd[slot] = lastEnd[id];
            lastEnd[id] = p;
        }
        count = p + 1;
    }

    /** Drops positions [keep, count), newest first, so each n-gram's last end is what it was before them. */
    private void rollBack(int keep) {
        for (int p = count - 1; p >= keep; p--) {
            for (int n = 1; n <= Math.min(maxN, p + 1); n++) {
                lastEnd[ids[p * maxN + n - 1]] = previousEnd[p * maxN + n - 1];
            }
        }
        count = keep;
    }

    /** Exact ids for (prefix id, token) pairs: open addressing on the packed pair, ids handed out in order. */
    private static final class Interner {
        private long[] keys = new long[256];
        private int[] values = new int[256]; // −1: empty slot
        private int size;

        Interner() {
            Arrays.fill(values, -1);
        }

        int id(int prefix, int token) {
            long key = (long) prefix << 32 | (token & 0xFFFF_FFFFL);
            int mask = keys.length - 1;
            int slot = (int) (mix(key) & mask);
            while (values[slot] >= 0) {
                if (keys[slot] == key) {
                    return values[slot];
                }
                slot = (slot + 1) & mask;
            }
            keys[slot] = key;
            values[slot] = size++;
            if (2 * size > keys.length) {
                grow();
            }
            return size - 1;
        }

        private void grow() {
            long[] oldKeys = keys;
            int[] oldValues = values;
            keys = new long[2 * oldKeys.length];
            values = new int[2 * oldKeys.length];
            Arrays.fill(values, -1);
            int mask = keys.length - 1;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldValues[i] >= 0) {
                    int slot = (int) (mix(oldKeys[i]) & mask);
                    while (values[slot] >= 0) {
                        slot = (slot + 1) & mask;
                    }
                    keys[slot] = oldKeys[i];
                    values[slot] = oldValues[i];
                }
            }
        }

        /** Every bit of the pair reaches the low bits the mask keeps (a SplitMix64 finaliser). */
        private static long mix(long key) {
            long z = (key ^ (key >>> 32)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }
}
