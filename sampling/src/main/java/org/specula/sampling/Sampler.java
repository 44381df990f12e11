package org.specula.sampling;

import org.specula.sampling.simd.RowKernels;

import java.util.Arrays;
import java.util.Objects;

/**
 * Logits to the processed distribution actually sampled from, and inverse-CDF sampling of it. Randomness is an
 * argument ({@code u}), so both are pure functions and tests are exact.
 *
 * <p>Processing order follows Hugging Face transformers' warpers: temperature → softmax → top-k → top-p → min-p →
 * renormalise. Top-p measures mass within what top-k kept (HF applies it to the top-k-filtered softmax); min-p is
 * relative to the largest remaining probability. Tokens are ranked by logit, higher first, lower id first on ties,
 * so every filter is deterministic.
 *
 * <p>How a row is computed (each route gives the same bits; property tests compare them): without top-k, by passes
 * over the whole row ({@link #dense}: the max in a vector scan, quotients and exps in one vector pass, the filters,
 * one normalisation). With top-k, only the k best tokens get a weight: a threshold that at least k logits reach is
 * found by vector counting passes, the tokens reaching it are collected in id order and ordered by rank without a
 * data-dependent branch, and the filters and the normalisation run over those k. {@link #sampleDistribution} then
 * draws over the ids kept instead of scanning the whole row. The scans and the exp live in {@code simd.RowKernels},
 * with scalar twins of the same results that run until {@link #warmUp} has seen the vector code compiled.
 */
public final class Sampler {
    private Sampler() {}

    /**
     * Writes the processed distribution over {@code logits[off .. off+vocab)} to {@code probsOut[0 .. vocab)}, in
     * double. Greedy params give a one-hot row at {@link #argmax}. Allocates little: with top-k, a few arrays of
     * about k entries (the threshold's candidates and their weights); for top-p alone, one {@code int[vocab]}
     * ranking heap; else nothing of the vocabulary's size.
     *
     * @param probsOut [vocab], overwritten
     * @param logits   [.., off + vocab, ..]
     * @throws IllegalArgumentException if the logits contain NaN, or (unless greedy) are all -Infinity
     */
    public static void distribution(double[] probsOut, float[] logits, int off, int vocab, SamplingParams params) {
        process(probsOut, logits, off, vocab, params);
    }

    /**
     * {@link #distribution} followed by {@link #sample}{@code (probsOut, u)}: the same row, the same token. A top-k
     * row is sampled over the tokens it kept instead of by two passes over the whole vocabulary (on a 512-token
     * stories260K draft row, 0.85 µs of its 2.4).
     *
     * @throws IllegalArgumentException as distribution does, or if u is not in [0, 1)
     */
    public static int sampleDistribution(double[] probsOut, float[] logits, int off, int vocab, SamplingParams params,
                                         double u) {
        if (!(u >= 0 && u < 1)) throw new IllegalArgumentException("u must be in [0, 1), got " + u);
        int[] support = process(probsOut, logits, off, vocab, params);
        return support != null ? sample(probsOut, support, support.length, u) : sample(probsOut, u);
    }

    // distribution's work; returns the ids that may be nonzero, ascending, when it knows them (else null).
    private static int[] process(double[] probsOut, float[] logits, int off, int vocab, SamplingParams params) {
        Objects.checkFromIndexSize(off, vocab, logits.length);
        if (vocab == 0 || probsOut.length != vocab) {
            throw new IllegalArgumentException("need vocab > 0 and probsOut.length == vocab; vocab = " + vocab
                    + ", probsOut.length = " + probsOut.length);
        }
        if (params.isGreedy()) {
            int best = argmaxCheckingNaN(logits, off, vocab);
            Arrays.fill(probsOut, 0.0);
            probsOut[best] = 1.0;
            return new int[]{best};
        }
        if (params.topK() > 0 && params.topK() < vocab) {
            int[] support = keepTopKSparse(probsOut, logits, off, vocab, params);
            if (support != null) return support;
        }
        dense(probsOut, logits, off, vocab, params);
        return null;
    }

    /**
     * {@link #sample} of a row whose positive entries all lie in {@code support[0 .. count)} (ascending ids, each
     * entry non-negative): the same token, without passes over the whole row.
     */
    public static int sample(double[] probs, int[] support, int count, double u) {
        if (!(u >= 0 && u < 1)) throw new IllegalArgumentException("u must be in [0, 1), got " + u);
        double total = 0;
        int lastNonZero = -1;
        for (int n = 0; n < count; n++) {
            int i = support[n];
            if (probs[i] > 0) {
                total += probs[i];
                lastNonZero = i;
            }
        }
        if (lastNonZero < 0 || total == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("probs need a finite positive total, got " + total);
        }
        double threshold = u * total, cumulative = 0;
        for (int n = 0; n < count; n++) {
            int i = support[n];
            if (i >= lastNonZero) break;
            if (probs[i] > 0) {
                cumulative += probs[i];
                if (cumulative > threshold) return i;
            }
        }
        return lastNonZero;
    }

    /** {@link #distribution} for a row that is not greedy, by passes over the whole vocabulary. */
    static void dense(double[] probsOut, float[] logits, int off, int vocab, SamplingParams params) {
        float maxLogit = maxCheckingNaN(logits, off, vocab);
        // The filters only compare weights with each other, so they run on the unnormalised softmax weights and
        // one division at the end normalises what they kept.
        softmaxWeights(probsOut, logits, off, vocab, params.temperature(), maxLogit);
        if ((params.topK() > 0 && params.topK() < vocab) || params.topP() < 1) {
            keepTopKTopP(probsOut, logits, off, params.topK(), params.topP());
        }
        if (params.minP() > 0) keepMinP(probsOut, params.minP());
        double mass = sum(probsOut);
        for (int i = 0; i < vocab; i++) probsOut[i] /= mass;
    }

    /**
     * The top-k row without a pass over the whole vocabulary in double: only the k best tokens can keep any weight,
     * so only they get an exp, and the filters and the normalisation run over k values. Every value is computed by
     * the same operations in the same order as in the dense path, so the row is the same bit for bit (a property
     * test compares the two). Returns the ids that may be nonzero (those top-p kept), ascending; or null, having
     * written nothing, for a row with a +Infinity logit, which the dense path handles.
     */
    private static int[] keepTopKSparse(double[] probsOut, float[] logits, int off, int vocab,
                                        SamplingParams params) {
        float maxLogit = maxCheckingNaN(logits, off, vocab);
        if (maxLogit == Float.NEGATIVE_INFINITY) throw new IllegalArgumentException("logits are all -Infinity");
        if (maxLogit == Float.POSITIVE_INFINITY) return null;
        double temperature = params.temperature();
        // Division by a positive number is monotone, so this is the largest of the logit/temperature values.
        double max = maxLogit / temperature;
        int limit = params.topK();
        // the candidates a threshold collected, as rank keys in id order, and the k best of them; the heap when
        // ties put too many tokens at every threshold
        long[] byId = candidatesByThreshold(logits, off, vocab, limit, maxLogit);
        int[] top = byId != null ? bestFirst(byId, limit) : best(logits, off, vocab, limit);
        double[] weights = new double[limit];
        for (int n = 0; n < limit; n++) weights[n] = logits[off + top[n]] / temperature;
        RowKernels.shiftedExpInPlace(weights, limit, max); // each the same bits as the dense row's
        double limitMass = 0;
        for (int n = 0; n < limit; n++) limitMass += weights[n];
        double massWanted = params.topP() < 1 ? params.topP() * limitMass : Double.POSITIVE_INFINITY;
        int kept = 0;
        double keptMass = 0;
        do {
            keptMass += weights[kept];
            kept++;
        } while (kept < limit && keptMass < massWanted);
        Arrays.fill(probsOut, 0.0);
        double threshold = 0; // min-p: weights below minP times the largest kept one are zeroed
        if (params.minP() > 0) {
            double largest = 0;
            for (int n = 0; n < kept; n++) largest = Math.max(largest, weights[n]);
            threshold = params.minP() * largest;
        }
        for (int n = 0; n < kept; n++) probsOut[top[n]] = weights[n] < threshold ? 0 : weights[n];
        // The dense sum's partials, each in ascending index order; the zeros it adds change no bits.
        int[] ids = keptInIdOrder(logits, off, top, kept, byId);
        int body = vocab - vocab % 4;
        double[] partial = new double[4];
        for (int i : ids) partial[i < body ? i % 4 : 0] += probsOut[i];
        double mass = (partial[0] + partial[1]) + (partial[2] + partial[3]);
        for (int i : ids) probsOut[i] /= mass;
        return ids;
    }

    /**
     * top[0 .. kept) in ascending id order. With the candidates of a threshold in id order, those are the ones whose
     * key is at least the last kept token's (no sort, and no branch on a comparison: a sort of some 40 ids
     * mispredicted about every other one); otherwise a sort.
     */
    private static int[] keptInIdOrder(float[] logits, int off, int[] top, int kept, long[] byId) {
        if (byId == null) {
            int[] ids = Arrays.copyOf(top, kept);
            Arrays.sort(ids);
            return ids;
        }
        long cutoff = rankKey(logits, off, top[kept - 1]);
        int[] ids = new int[byId.length];
        int n = 0;
        for (long key : byId) {
            ids[n] = ~(int) key;
            n += key >= cutoff ? 1 : 0;
        }
        return n == ids.length ? ids : Arrays.copyOf(ids, n);
    }

    /** The count best of the candidates' rank keys, best first, as token ids. */
    private static int[] bestFirst(long[] candidates, int count) {
        int m = candidates.length;
        int[] top = new int[count];
        if (m <= RANK_SORT_MAX) {
            long[] sorted = new long[m];
            RowKernels.sortDistinctDescending(candidates, m, sorted);
            for (int n = 0; n < count; n++) top[n] = ~(int) sorted[n];
        } else { // ties left many candidates: m² comparisons would cost more than a sort
            long[] sorted = Arrays.copyOf(candidates, m);
            Arrays.sort(sorted);
            for (int n = 0; n < count; n++) top[n] = ~(int) sorted[m - 1 - n];
        }
        return top;
    }

    /** Candidates up to this many are sorted by {@link RowKernels#sortDistinctDescending}. */
    private static final int RANK_SORT_MAX = 256;

    // max of logits[off .. off+n) in the pass that checks for NaN (a vector pass once compiled, see RowKernels)
    private static float maxCheckingNaN(float[] logits, int off, int n) {
        float max = RowKernels.max(logits, off, n);
        if (max != max) throw new IllegalArgumentException("logits contain NaN");
        return max;
    }

    // Σ x in a fixed order (four interleaved partial sums): the same bits on every machine, and four adds in flight
    // instead of one chain of dependent adds.
    private static double sum(double[] x) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 4 <= x.length; i += 4) {
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
        }
        for (; i < x.length; i++) s0 += x[i];
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * Inverse-CDF sample: the first index whose cumulative mass exceeds {@code u · total}. Never returns a
     * zero-probability index; round-off at the top end falls back to the last nonzero index.
     *
     * @param probs [vocab], non-negative, any positive total (need not be normalised)
     * @param u     uniform in [0, 1)
     */
    public static int sample(double[] probs, double u) {
        if (!(u >= 0 && u < 1)) throw new IllegalArgumentException("u must be in [0, 1), got " + u);
        double total = 0;
        int lastNonZero = -1;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] > 0) {
                total += probs[i];
                lastNonZero = i;
            } else if (probs[i] != 0) {
                throw new IllegalArgumentException("probs[" + i + "] = " + probs[i] + " is not a probability");
            }
        }
        if (lastNonZero < 0 || total == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("probs need a finite positive total, got " + total);
        }
        // Zeros are skipped, not added: the same cumulative sums, without a chain of dependent adds through the
        // zeros of a one-hot or filtered row (on a 49152-token one-hot row that chain cost tens of µs).
        double threshold = u * total, cumulative = 0;
        for (int i = 0; i < lastNonZero; i++) {
            if (probs[i] > 0) {
                cumulative += probs[i];
                if (cumulative > threshold) return i;
            }
        }
        return lastNonZero;
    }

    // argmax in the same pass as the NaN check (greedy rows): a NaN anywhere throws, as for every other row.
    private static int argmaxCheckingNaN(float[] logits, int off, int n) {
        int best = 0;
        float bestLogit = logits[off];
        boolean nan = false;
        for (int i = 0; i < n; i++) {
            float logit = logits[off + i];
            nan |= logit != logit;
            if (logit > bestLogit) {
                best = i;
                bestLogit = logit;
            }
        }
        if (nan) throw new IllegalArgumentException("logits contain NaN");
        return best;
    }

    /**
     * Starts the sampler's warm-up and returns at once; the runtime calls it when it starts, before sampling. Rows
     * run on scalar code (the same bits) until background races have seen the vector code compiled, for at most a
     * minute; nothing starts them otherwise. Later calls do nothing.
     */
    public static void warmUp() {
        RowKernels.warmUp();
    }

    /**
     * Whether {@link #distribution} runs at its steady speed: {@link #warmUp} was called and its races are over.
     * Benchmarks wait for this before timing.
     */
    public static boolean warm() {
        return RowKernels.warm();
    }

    /**
     * The token a greedy row draws, without building the row: the lowest-index argmax of
     * {@code logits[off .. off+vocab)}, relative to off, which is what {@link #sample} returns from the one-hot row
     * {@link #distribution} writes for greedy params, for every u.
     *
     * @throws IllegalArgumentException if the logits contain NaN
     */
    public static int greedy(float[] logits, int off, int vocab) {
        Objects.checkFromIndexSize(off, vocab, logits.length);
        if (vocab == 0) throw new IllegalArgumentException("greedy token of an empty row");
        return argmaxCheckingNaN(logits, off, vocab);
    }

    /** Index of the largest of {@code logits[off .. off+n)}, relative to off; the lowest index on ties. */
    public static int argmax(float[] logits, int off, int n) {
        Objects.checkFromIndexSize(off, n, logits.length);
        if (n == 0) throw new IllegalArgumentException("argmax of an empty range");
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (logits[off + i] > logits[off + best]) best = i;
        }
        return best;
    }

    // weights[i] = exp(logits[off+i]/temperature − max), in double (exp by RowKernels: in vectors once they are
    // compiled, the same bits either way), so the largest weight is 1; +Infinity logits get weight 1, the rest 0.
    // Division by a positive number is monotone, so max = maxLogit/temperature is the largest of the quotients.
    private static void softmaxWeights(double[] weights, float[] logits, int off, int vocab, float temperature,
                                       float maxLogit) {
        if (maxLogit == Float.NEGATIVE_INFINITY) throw new IllegalArgumentException("logits are all -Infinity");
        double max = maxLogit / (double) temperature;
        if (max == Double.POSITIVE_INFINITY) {
            for (int i = 0; i < vocab; i++) weights[i] = logits[off + i] / (double) temperature == max ? 1 : 0;
        } else {
            RowKernels.shiftedExpFromLogits(weights, logits, off, vocab, temperature, max);
        }
    }

    // Top-k, then top-p within the top-k mass: walk tokens best-first, stop after topK tokens or once the kept mass
    // reaches topP of the top-k mass (at least one token), then zero every token ranked below the last one kept.
    private static void keepTopKTopP(double[] probs, float[] logits, int off, int topK, float topP) {
        int vocab = probs.length;
        int limit = topK > 0 ? Math.min(topK, vocab) : vocab;
        double limitMass = 0;
        int[] top = null;             // with top-k: the limit best tokens, best first
        BestFirst ranking = null;     // without: the whole ranking, popped lazily
        if (limit == vocab) {
            for (double prob : probs) limitMass += prob;
            ranking = new BestFirst(logits, off, vocab);
        } else {
            top = best(logits, off, vocab, limit);
            for (int n = 0; n < limit; n++) limitMass += probs[top[n]];
        }
        double massWanted = topP < 1 ? topP * limitMass : Double.POSITIVE_INFINITY;
        int last;
        int kept = 0;
        double keptMass = 0;
        do {
            last = top != null ? top[kept] : ranking.next();
            keptMass += probs[last];
            kept++;
        } while (kept < limit && keptMass < massWanted);
        for (int i = 0; i < vocab; i++) {
            if (i != last && !ranksBefore(logits, off, i, last)) probs[i] = 0;
        }
    }

    /**
     * The count best tokens, best first. A heap of the best so far with the worst at its root sees every token once
     * (O(vocab) when few displace the root, as in a logit row), then is sorted: O(vocab + count log count) where
     * ranking the whole vocabulary cost O(vocab) sift-downs and an int[vocab] per call. The heap holds
     * {@link #rankKey}s, so each step of a sift-down is one long comparison (with {@link #ranksBefore} on token ids
     * the 512-token row took 5.3 µs, with keys 3.9).
     */
    private static int[] best(float[] logits, int off, int vocab, int count) {
        long[] heap = new long[count];
        for (int i = 0; i < count; i++) heap[i] = rankKey(logits, off, i);
        for (int i = count / 2 - 1; i >= 0; i--) siftDownWorst(heap, i);
        // Every id in the heap is below i, so i ranks before the root exactly when its logit is higher.
        float rootLogit = logits[off + ~(int) heap[0]];
        for (int i = count; i < vocab; i++) {
            if (logits[off + i] > rootLogit) {
                heap[0] = rankKey(logits, off, i);
                siftDownWorst(heap, 0);
                rootLogit = logits[off + ~(int) heap[0]];
            }
        }
        Arrays.sort(heap);
        int[] top = new int[count];
        for (int n = 0; n < count; n++) top[n] = ~(int) heap[count - 1 - n];
        return top;
    }

    /** {@link #candidatesByThreshold} gives up past this many candidates (ties), for {@link #best}'s heap. */
    static final int MAX_CANDIDATES = 4096;
    /** The threshold search stops once at most this many tokens beyond the count reach it. */
    private static final int THRESHOLD_SLACK = 8;

    /**
     * The rank keys, in id order, of the tokens reaching a logit threshold that at least count tokens reach, but not
     * many more: the count best are among them; or null if ties leave more than {@link #MAX_CANDIDATES} at the
     * narrowest threshold (max: the row's largest logit, finite). A search:
     * distances below the max growing 4× a step, then bisection, each probe a counting pass
     * ({@link RowKernels#countAtLeast}, some 32 vector compares on a 512-token row); then one pass collects the tokens
     * that reach it. The heap's work depended on the vocabulary's order (a stories260K row has its 260 unlikely byte
     * tokens first: nearly every later token displaced the root), and a histogram of distances cost two scalar
     * passes. On 49152- and 128256-token rows (distribution and draw, top-k 40) the heap took 67 and 162 µs, this
     * 40 and 112 µs, most of which is now clearing the row.
     */
    static long[] candidatesByThreshold(float[] logits, int off, int vocab, int count, float max) {
        float bad = Math.nextUp(max); // no token reaches it
        float good;
        int reached;
        for (float distance = 0.5f; ; distance *= 4) {
            float threshold = max - distance; // -Infinity at the latest, which every token reaches
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
            if (!(mid > good && mid < bad)) break; // adjacent floats (ties), or good = -Infinity
            int c = RowKernels.countAtLeast(logits, off, vocab, mid);
            if (c >= count) {
                good = mid;
                reached = c;
            } else {
                bad = mid;
            }
        }
        if (reached > MAX_CANDIDATES) return null;
        int[] ids = new int[reached + RowKernels.INDEX_SLACK];
        int collected = RowKernels.indicesAtLeast(logits, off, vocab, good, ids);
        long[] keys = new long[collected];
        for (int n = 0; n < collected; n++) keys[n] = rankKey(logits, off, ids[n]);
        return keys;
    }

    /**
     * A token's rank as one long that compares as {@link #ranksBefore} does: the logit's bits made order-preserving
     * as a signed int (−0 as +0, since they tie), above the complement of the id (a lower id ranks first on a tie).
     * The id is {@code ~(int) key}.
     */
    private static long rankKey(float[] logits, int off, int i) {
        int bits = Float.floatToRawIntBits(logits[off + i] + 0.0f);
        bits ^= (bits >> 31) & 0x7FFFFFFF;
        return ((long) bits << 32) | (~i & 0xFFFFFFFFL);
    }

    // Restores heap below i as a heap whose every parent is at most its children (the worst token at the root).
    private static void siftDownWorst(long[] heap, int i) {
        int size = heap.length;
        long key = heap[i];
        while (2 * i + 1 < size) {
            int child = 2 * i + 1;
            long smaller = heap[child];
            if (child + 1 < size && heap[child + 1] < smaller) smaller = heap[++child];
            if (key <= smaller) break;
            heap[i] = smaller;
            i = child;
        }
        heap[i] = key;
    }

    // Keeps probs[i] >= minP · max(probs).
    private static void keepMinP(double[] probs, float minP) {
        double max = 0;
        for (double prob : probs) max = Math.max(max, prob);
        double threshold = minP * max;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] < threshold) probs[i] = 0;
        }
    }

    // The ranking order: higher logit first, lower id first on ties (a strict total order on token ids).
    private static boolean ranksBefore(float[] logits, int off, int a, int b) {
        float la = logits[off + a], lb = logits[off + b];
        return la > lb || (la == lb && a < b);
    }

    /** Token ids best-first by popping a binary max-heap: O(vocab) to build, O(log vocab) per token. */
    private static final class BestFirst {
        private final float[] logits;
        private final int off;
        private final int[] heap; // [vocab] token ids; heap[0 .. size) is a heap under ranksBefore
        private int size;

        BestFirst(float[] logits, int off, int vocab) {
            this.logits = logits;
            this.off = off;
            this.heap = new int[vocab];
            this.size = vocab;
            for (int i = 0; i < vocab; i++) heap[i] = i;
            for (int i = vocab / 2 - 1; i >= 0; i--) siftDown(i);
        }

        int next() {
            int best = heap[0];
            heap[0] = heap[--size];
            siftDown(0);
            return best;
        }

        private void siftDown(int i) {
            int token = heap[i];
            while (2 * i + 1 < size) {
                int child = 2 * i + 1;
                if (child + 1 < size && ranksBefore(logits, off, heap[child + 1], heap[child])) child++;
                if (!ranksBefore(logits, off, heap[child], token)) break;
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = token;
        }
    }
}
