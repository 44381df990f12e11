package org.specula.speculative;

import org.specula.sampling.Sampler;

import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/**
 * The rejection sampler of speculative decoding (Leviathan et al. 2023, arXiv:2211.17192), pure maths on rows.
 * Notation: {@code targetProbs} = p and {@code draftProbs} = q of Leviathan (Chen et al. swap the letters), both the
 * processed distributions actually sampled from. Draft x at position i is <b>accepted</b> with probability
 * min(1, p(x)/q(x)); the first rejection emits a <b>residual</b> token from norm(max(0, p − q)); if all k are
 * accepted a <b>bonus</b> token comes from the target's next row. Every emitted token then has law p exactly.
 *
 * <p>One-hot draft rows (n-gram lookup, argmax heads, greedy) take an equivalent path: y = sample(p, sampleU[i]);
 * accept iff y == x, else emit y. P(accept) = p(x) and P(emit y) = p(y) for y ≠ x, the same law as the general rule,
 * but the emitted token is the one plain decoding samples at that position with the same sampleU, so with uniforms
 * keyed by absolute position ({@link org.specula.sampling.Uniforms}) speculative output is token-identical to plain
 * decoding at any temperature; at temperature 0 it is "accept iff the draft equals the target's argmax".
 */
public final class SpeculativeSampling {
    /** A residual mass at or below this is round-off of p ≈ q; the residual then falls back to p. */
    static final double RESIDUAL_FLOOR = 1e-12;

    private SpeculativeSampling() {}

    /** acceptedCount in [0, k]; emittedToken is the residual token, or the bonus token when {@code bonus}. */
    public record Verdict(int acceptedCount, int emittedToken, boolean bonus) {}

    /**
     * Verifies k drafts. Row i of draftProbs [k][vocab] is the law draftTokens[i] was drawn from; row i of
     * targetProbs [k + 1][vocab] is the target's law at draft i's position, row k the bonus position. acceptU [k]
     * and sampleU [k + 1] are uniforms in [0, 1). residualScratch [vocab] is overwritten, so a step allocates
     * nothing but its verdict.
     */
    public static Verdict verify(int[] draftTokens, double[][] draftProbs, double[][] targetProbs, int k,
                                 double[] acceptU, double[] sampleU, double[] residualScratch) {
        checkShapes(draftTokens, draftProbs, targetProbs, k, acceptU, sampleU, residualScratch);
        TargetRows rows = i -> targetProbs[i];
        return verify(draftTokens, draftProbs, rows, k, acceptU, sampleU, residualScratch);
    }

    /**
     * The target's rows for {@link #verify}, each built at most once and only when needed (rows after the first
     * rejection never are, so the decoder need not process their logits).
     */
    public interface TargetRows {
        /** The target's law at position i. */
        double[] row(int i);

        /**
         * The token {@code Sampler.sample(row(i), u)} draws, for a row that is drawn from and not otherwise used
         * (the decoder builds and draws a top-k row without scanning the whole vocabulary).
         */
        default int draw(int i, double u) {
            return Sampler.sample(row(i), u);
        }
    }

    /**
     * The same, with the target rows on demand; a row that is only drawn from (at a one-hot draft's position, or the
     * bonus) through {@link TargetRows#draw}. Shapes are the caller's responsibility.
     */
    public static Verdict verify(int[] draftTokens, double[][] draftProbs, TargetRows targetRows, int k,
                                 double[] acceptU, double[] sampleU, double[] residualScratch) {
        for (int i = 0; i < k; i++) {
            int draftToken = draftTokens[i];
            double[] draftRow = draftProbs[i];
            if (isOneHot(draftRow, draftToken)) {
                int targetToken = targetRows.draw(i, sampleU[i]);
                if (targetToken != draftToken) return new Verdict(i, targetToken, false);
                continue;
            }
            double[] targetProbs = targetRows.row(i);
            if (!(draftRow[draftToken] > 0 && acceptU[i] * draftRow[draftToken] < targetProbs[draftToken])) {
                return new Verdict(i, residualSample(residualScratch, targetProbs, draftRow, sampleU[i]), false);
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
     * the target rows nor the draft rows need be built or scanned, which on a 49152-token vocabulary is a fill, a
     * one-hot check and two sampling passes per row.
     */
    public static Verdict verifyGreedy(int[] draftTokens, int k, IntUnaryOperator targetToken) {
        for (int i = 0; i < k; i++) {
            int token = targetToken.applyAsInt(i);
            if (token != draftTokens[i]) return new Verdict(i, token, false);
        }
        return new Verdict(k, targetToken.applyAsInt(k), true);
    }

    /**
     * out = norm(max(0, targetProbs − draftProbs)) in double; a copy of targetProbs if that mass ≤ 1e-12. The plain
     * statement of the residual: verify uses {@link #residualSample}, which a property test holds to the same bits.
     */
    public static void residual(double[] out, double[] targetProbs, double[] draftProbs) {
        if (out.length != targetProbs.length || draftProbs.length != targetProbs.length) {
            throw new IllegalArgumentException("residual needs rows of one vocab size");
        }
        double mass = 0;
        for (int j = 0; j < out.length; j++) mass += out[j] = Math.max(0, targetProbs[j] - draftProbs[j]);
        if (mass <= RESIDUAL_FLOOR) {
            System.arraycopy(targetProbs, 0, out, 0, out.length);
            return;
        }
        for (int j = 0; j < out.length; j++) out[j] /= mass;
    }

    /**
     * {@link #residual}, then {@link Sampler#sample} of it with u: the same row in out and the same token. The pass
     * that builds the row notes its positive entries, so the mass and the draw visit only those (a filtered row is
     * mostly zeros, and residual's sum over every entry was one chain of dependent additions).
     */
    static int residualSample(double[] out, double[] targetProbs, double[] draftProbs, double u) {
        if (out.length != targetProbs.length || draftProbs.length != targetProbs.length) {
            throw new IllegalArgumentException("residual needs rows of one vocab size");
        }
        int[] positive = new int[64];
        int count = 0;
        double mass = 0; // the sum over every entry in index order: the zeros add nothing
        for (int j = 0; j < out.length; j++) {
            double r = Math.max(0, targetProbs[j] - draftProbs[j]);
            out[j] = r;
            if (r > 0) {
                if (count == positive.length) positive = Arrays.copyOf(positive, 2 * count);
                positive[count++] = j;
                mass += r;
            }
        }
        if (mass <= RESIDUAL_FLOOR) {
            System.arraycopy(targetProbs, 0, out, 0, out.length);
            return Sampler.sample(out, u);
        }
        for (int n = 0; n < count; n++) out[positive[n]] /= mass;
        return Sampler.sample(out, positive, count, u);
    }

    private static boolean isOneHot(double[] row, int token) {
        if (row[token] != 1.0) return false;
        for (int j = 0; j < row.length; j++) if (j != token && row[j] != 0) return false;
        return true;
    }

    private static void checkShapes(int[] draftTokens, double[][] draftProbs, double[][] targetProbs, int k,
                                    double[] acceptU, double[] sampleU, double[] residualScratch) {
        if (k < 0 || draftTokens.length < k || draftProbs.length < k || acceptU.length < k
                || targetProbs.length < k + 1 || sampleU.length < k + 1) {
            throw new IllegalArgumentException("verify needs k >= 0 and k drafts, draft rows and acceptU, "
                    + "k + 1 target rows and sampleU; k = " + k);
        }
        int vocab = residualScratch.length;
        for (int i = 0; i <= k; i++) {
            if (targetProbs[i].length != vocab || (i < k && draftProbs[i].length != vocab)) {
                throw new IllegalArgumentException("row " + i + " is not of vocab size " + vocab);
            }
            if (i < k && (draftTokens[i] < 0 || draftTokens[i] >= vocab)) {
                throw new IllegalArgumentException("draft token " + draftTokens[i] + " is outside vocab " + vocab);
            }
        }
    }
}
