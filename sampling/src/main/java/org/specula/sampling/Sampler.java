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
 * relative to the largest remaining probability. Tokens are ranked by logit, higher first, lower id first on ties
 * ({@link Ranking}), so every filter is deterministic.
 *
 * <p>Two routes compute a row, with the same bits (a property test compares them): {@link DenseRow}, passes over the
 * whole row, is the reference; {@link TopKRow}, for top-k rows, gives only the k best tokens a weight, and
 * {@link #sampleDistribution} then draws over the ids kept instead of the whole row. Both find their best tokens
 * through {@link Ranking} and sum a row's mass by {@link FixedOrderSum}. The row kernels they use (max, threshold
 * counts, exp) run on scalar code until {@link #warmUp} has seen their vector code compiled; the bits are the same.
 */
public final class Sampler {
    private Sampler() {}

    /**
     * Writes the processed distribution over {@code logits[off .. off+vocab)} to {@code probsOut[0 .. vocab)}, in
     * double. Greedy params give a one-hot row at {@link #argmax}. Allocates arrays about as long as the number of
     * tokens it ranks (with top-k about k, more where many tokens tie at the k-th logit), none of the vocabulary's
     * size unless ties or top-p alone need that many ranked.
     *
     * @param probsOut [vocab], overwritten
     * @param logits   [.., off + vocab, ..]
     * @throws IllegalArgumentException if the logits contain NaN, or (unless greedy) are all -Infinity
     */
    public static void distribution(double[] probsOut, float[] logits, int off, int vocab, SamplingParams params) {
        write(probsOut, logits, off, vocab, params);
    }

    /**
     * {@link #distribution} followed by {@link #sample}{@code (probsOut, u)}: the same row, the same token. A top-k
     * row is sampled over the tokens it kept instead of by two passes over the whole vocabulary.
     *
     * @throws IllegalArgumentException as distribution does, or if u is not in [0, 1)
     */
    public static int sampleDistribution(double[] probsOut, float[] logits, int off, int vocab, SamplingParams params,
                                         double u) {
        if (!(u >= 0 && u < 1)) throw new IllegalArgumentException("u must be in [0, 1), got " + u);
        int[] support = write(probsOut, logits, off, vocab, params);
        return support != null ? sample(probsOut, support, support.length, u) : sample(probsOut, u);
    }

    // distribution's work, by route; returns the ids that may be nonzero, ascending, where the route knows them, and
    // null where any id may be.
    private static int[] write(double[] probsOut, float[] logits, int off, int vocab, SamplingParams params) {
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
        float maxLogit = RowKernels.max(logits, off, vocab); // NaN if any logit is
        if (maxLogit != maxLogit) throw new IllegalArgumentException("logits contain NaN");
        if (maxLogit == Float.NEGATIVE_INFINITY) throw new IllegalArgumentException("logits are all -Infinity");
        // A +Infinity logit makes every weight 1 or 0, a case only the dense route has.
        if (params.topK() > 0 && params.topK() < vocab && maxLogit < Float.POSITIVE_INFINITY) {
            return TopKRow.write(probsOut, logits, off, vocab, params, maxLogit);
        }
        DenseRow.write(probsOut, logits, off, vocab, params, maxLogit);
        return null;
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
        // zeros of a one-hot or filtered row.
        double threshold = u * total, cumulative = 0;
        for (int i = 0; i < lastNonZero; i++) {
            if (probs[i] > 0) {
                cumulative += probs[i];
                if (cumulative > threshold) return i;
            }
        }
        return lastNonZero;
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
     * run on scalar code (the same bits) until background races, which take at most a minute, have seen the vector
     * code compiled; nothing else starts them. Later calls do nothing.
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
}
