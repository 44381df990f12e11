package org.specula.sampling;

import org.specula.sampling.simd.RowKernels;

/**
 * The processed distribution by passes over the whole row, in the pipeline's order: a softmax weight for every token,
 * top-k and top-p by walking tokens best first, min-p, then one normalisation. The filters only compare weights with
 * each other, so they run on the unnormalised weights exp(logit/T − max) and one division at the end normalises what
 * they kept. Every route of {@link Sampler} gives this row's bits.
 */
final class DenseRow {
    /** Without top-k, top-p walks this many best tokens first, and twice as many each time it needs more. */
    static final int FIRST_RANKED = 64;

    private DenseRow() {}

    /**
     * Writes the processed distribution to {@code probsOut[0 .. vocab)} for params that are not greedy; maxLogit is
     * the row's largest logit, neither NaN nor -Infinity.
     */
    static void write(double[] probsOut, float[] logits, int off, int vocab, SamplingParams params, float maxLogit) {
        softmaxWeights(probsOut, logits, off, vocab, params.temperature(), maxLogit);
        int limit = params.topK() > 0 ? Math.min(params.topK(), vocab) : vocab;
        if (limit < vocab || params.topP() < 1) keepTopKTopP(probsOut, logits, off, limit, params.topP(), maxLogit);
        if (params.minP() > 0) keepMinP(probsOut, params.minP());
        double mass = FixedOrderSum.of(probsOut);
        for (int i = 0; i < vocab; i++) probsOut[i] /= mass;
    }

    // weights[i] = exp(logits[off+i]/temperature − max), in double, so the largest weight is 1; +Infinity logits get
    // weight 1, the rest 0. Division by a positive number is monotone, so max = maxLogit/temperature is the largest
    // of the quotients.
    private static void softmaxWeights(double[] weights, float[] logits, int off, int vocab, float temperature,
                                       float maxLogit) {
        double max = maxLogit / (double) temperature;
        if (max == Double.POSITIVE_INFINITY) {
            for (int i = 0; i < vocab; i++) weights[i] = logits[off + i] / (double) temperature == max ? 1 : 0;
        } else {
            RowKernels.shiftedExpFromLogits(weights, logits, off, vocab, temperature, max);
        }
    }

    // Top-k, then top-p within the top-k mass: walk tokens best first, stop after limit tokens or once the kept mass
    // reaches topP of the top-k mass (at least one token), then zero every token ranked below the last one kept.
    // Masses add in rank order, except that without top-k the top-k mass is the whole row's, added in id order.
    private static void keepTopKTopP(double[] probs, float[] logits, int off, int limit, float topP, float maxLogit) {
        int vocab = probs.length;
        long[] ranked = Ranking.best(logits, off, vocab, limit < vocab ? limit : Math.min(FIRST_RANKED, vocab),
                maxLogit);
        double limitMass = 0;
        if (limit < vocab) {
            for (int n = 0; n < limit; n++) limitMass += probs[Ranking.id(ranked[n])];
        } else {
            for (double prob : probs) limitMass += prob;
        }
        double massWanted = topP < 1 ? topP * limitMass : Double.POSITIVE_INFINITY;
        int kept = 0;
        double keptMass = 0;
        do {
            if (kept == ranked.length) { // top-p alone needs more: a longer ranking, whose first kept are the same
                ranked = Ranking.best(logits, off, vocab, Math.min(2 * kept, vocab), maxLogit);
            }
            keptMass += probs[Ranking.id(ranked[kept])];
            kept++;
        } while (kept < limit && keptMass < massWanted);
        long lastKept = ranked[kept - 1];
        for (int i = 0; i < vocab; i++) {
            if (Ranking.key(logits, off, i) < lastKept) probs[i] = 0;
        }
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
}
