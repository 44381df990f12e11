package org.specula.speculative;

import org.specula.sampling.Sampler;

import java.util.function.IntUnaryOperator;

/**
 * The rejection sampler of speculative decoding (Leviathan et al. 2023, arXiv:2211.17192), pure maths on rows.
 * Notation: {@code targetProbs} = p and {@code draftProbs} = q of Leviathan (Chen et al. swap the letters), both the
 * processed distributions actually sampled from. Draft x at position i is <b>accepted</b> with probability
 * min(1, p(x)/q(x)); the first rejection emits a <b>residual</b> token from norm(max(0, p − q)) ({@link Residual});
 * if all k are accepted a <b>bonus</b> token comes from the target's next row. Every emitted token has law p exactly.
 *
 * <p>One-hot draft rows (n-gram lookup, argmax heads, greedy) take an equivalent path: y = sample(p, sampleU[i]);
 * accept iff y == x, else emit y. P(accept) = p(x) and P(emit y) = p(y) for y ≠ x, the same law as the general rule,
 * but the emitted token is the one plain decoding samples at that position with the same sampleU, so with uniforms
 * keyed by absolute position ({@link org.specula.sampling.Uniforms}) speculative output is token-identical to plain
 * decoding at any temperature; at temperature 0 it is "accept iff the draft equals the target's argmax".
 */
public final class SpeculativeSampling {
    private SpeculativeSampling() {}

    /** acceptedCount in [0, k]; emittedToken is the residual token, or the bonus token when {@code bonus}. */
    public record Verdict(int acceptedCount, int emittedToken, boolean bonus) {}

    /** The target's law at each position, built at most once and only when needed (never after a rejection). */
    public interface TargetRows {
        /** The target's law at position i (k is the bonus position). */
        double[] row(int i);

        /** {@code Sampler.sample(row(i), u)}, for a row only drawn from (the decoder draws top-k rows sparsely). */
        default int draw(int i, double u) {
            return Sampler.sample(row(i), u);
        }

        /** Rows given in full; asking past them is an IllegalArgumentException, as for any other shape error. */
        static TargetRows of(double[][] rows) {
            return i -> {
                if (i >= rows.length) throw new IllegalArgumentException("no target row " + i + " of " + rows.length);
                return rows[i];
            };
        }
    }

    /**
     * Verifies k drafts: row i of draftProbs [k][vocab] is the law draftTokens[i] was drawn from, targetRows gives
     * k + 1 rows (row k the bonus position), acceptU [k] and sampleU [k + 1] are uniforms in [0, 1). The residual's
     * buffers are the caller's, so a step allocates nothing but its verdict.
     */
    public static Verdict verify(int[] draftTokens, double[][] draftProbs, TargetRows targetRows, int k,
                                 double[] acceptU, double[] sampleU, Residual residual) {
        if (k < 0 || draftTokens.length < k || draftProbs.length < k || acceptU.length < k || sampleU.length < k + 1) {
            throw new IllegalArgumentException("verify needs k >= 0 and k drafts, draft rows and acceptU, k + 1 "
                    + "sampleU; k = " + k);
        }
        for (int i = 0; i < k; i++) {
            int draftToken = draftTokens[i];
            double[] draftRow = draftProbs[i];
            if (draftRow.length != residual.vocab() || draftToken < 0 || draftToken >= draftRow.length) {
                throw new IllegalArgumentException("draft " + i + " (token " + draftToken + ", a row of "
                        + draftRow.length + ") is not over the vocab of " + residual.vocab());
            }
            if (isOneHot(draftRow, draftToken)) {
                int targetToken = targetRows.draw(i, sampleU[i]);
                if (targetToken != draftToken) return new Verdict(i, targetToken, false);
                continue;
            }
            double[] targetRow = targetRows.row(i);
            if (!(draftRow[draftToken] > 0 && acceptU[i] * draftRow[draftToken] < targetRow[draftToken])) {
                return new Verdict(i, residual.sample(targetRow, draftRow, sampleU[i]), false);
            }
        }
        return new Verdict(k, targetRows.draw(k, sampleU[k]), true);
    }

    /**
     * {@link #verify} for a greedy target, whose law at position i is one-hot at {@code targetToken.applyAsInt(i)}:
     * drafts are accepted while each equals the target's token; the first that does not is replaced by it, and after
     * k accepted drafts the bonus is the target's token at k. For any draft law this is what verify does with the
     * one-hot rows: a draft x with q(x) &gt; 0 that is the target's token is accepted, since u·q(x) &lt; 1 = p(x); any
     * other has p(x) = 0 and is rejected, and the residual max(0, p − q) is one-hot at the target's token. So neither
     * the target rows nor the draft rows are built or scanned.
     */
    public static Verdict verifyGreedy(int[] draftTokens, int k, IntUnaryOperator targetToken) {
        for (int i = 0; i < k; i++) {
            int token = targetToken.applyAsInt(i);
            if (token != draftTokens[i]) return new Verdict(i, token, false);
        }
        return new Verdict(k, targetToken.applyAsInt(k), true);
    }

    private static boolean isOneHot(double[] row, int token) {
        if (row[token] != 1.0) return false;
        for (int j = 0; j < row.length; j++) if (j != token && row[j] != 0) return false;
        return true;
    }
}
