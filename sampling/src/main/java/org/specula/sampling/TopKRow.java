package org.specula.sampling;

import org.specula.sampling.simd.RowKernels;

import java.util.Arrays;

/**
 * A top-k row without a pass over the whole vocabulary in double: only the k best tokens can keep any weight, so only
 * they get an exp, and the filters and the normalisation run over k values.
 *
 * <p>Invariant: every value is computed by the same operations in the same order as in {@link DenseRow}, so the row
 * is the same bit for bit (a property test compares the two): the weights by the same exp, the top-k and top-p masses
 * in rank order, the final mass by {@link FixedOrderSum}.
 */
final class TopKRow {
    private TopKRow() {}

    /**
     * Writes the processed distribution to {@code probsOut[0 .. vocab)} for params with 0 &lt; topK &lt; vocab and a
     * row whose largest logit, maxLogit, is finite. Returns the ids that may be nonzero (those top-p kept), ascending.
     */
    static int[] write(double[] probsOut, float[] logits, int off, int vocab, SamplingParams params, float maxLogit) {
        int k = params.topK();
        double temperature = params.temperature();
        double max = maxLogit / temperature; // division by a positive number is monotone: the largest quotient
        long[] byId = Ranking.candidates(logits, off, vocab, k, maxLogit);
        long[] ranked = Ranking.bestFirst(byId); // its first k are the top k
        double[] weights = new double[k]; // [k] the top k's softmax weights, best first
        for (int n = 0; n < k; n++) weights[n] = logits[off + Ranking.id(ranked[n])] / temperature;
        RowKernels.shiftedExpInPlace(weights, k, max);

        double topKMass = 0;
        for (int n = 0; n < k; n++) topKMass += weights[n];
        double massWanted = params.topP() < 1 ? params.topP() * topKMass : Double.POSITIVE_INFINITY;
        int kept = 0;
        double keptMass = 0;
        do {
            keptMass += weights[kept];
            kept++;
        } while (kept < k && keptMass < massWanted);

        double minPFloor = 0; // min-p: weights below minP times the largest kept one are zeroed
        if (params.minP() > 0) {
            double largest = 0;
            for (int n = 0; n < kept; n++) largest = Math.max(largest, weights[n]);
            minPFloor = params.minP() * largest;
        }
        Arrays.fill(probsOut, 0.0);
        for (int n = 0; n < kept; n++) probsOut[Ranking.id(ranked[n])] = weights[n] < minPFloor ? 0 : weights[n];

        int[] ids = keptInIdOrder(byId, ranked[kept - 1]);
        double mass = FixedOrderSum.over(probsOut, ids);
        for (int i : ids) probsOut[i] /= mass;
        return ids;
    }

    /**
     * The ids of the candidates (keys in id order) ranking no lower than the last kept one, in id order: a filter
     * without a branch on the comparison, and no sort.
     */
    private static int[] keptInIdOrder(long[] byId, long lastKept) {
        int[] ids = new int[byId.length];
        int n = 0;
        for (long key : byId) {
            ids[n] = Ranking.id(key);
            n += key >= lastKept ? 1 : 0;
        }
        return n == ids.length ? ids : Arrays.copyOf(ids, n);
    }
}
