package org.specula.speculative;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.specula.sampling.Sampler;
import org.specula.sampling.Uniforms;
import org.specula.speculative.SpeculativeSampling.Verdict;

/**
 * Layer 2 of the proof (SPECULATIVE.md): the real {@link SpeculativeSampling#verify}, {@link Sampler#sample} and
 * {@link Uniforms}, vocab 8, k = 2, N = 100 000 seeded draws per output position (first emitted token, residual
 * token, bonus token). Each is checked against its exact law by chi-square at α = 1e-4 over the bins of nonzero
 * probability (7 dof → 29.88; fewer bins, fewer dof), total variation < 0.007, and no zero-probability token ever.
 * A deliberately wrong verifier (resampling from the target row instead of the residual) must fail the same check.
 * One-hot draft rows (a deterministic drafter's) are checked the same way.
 */
class SpeculativeSamplingChiSquareTest {
    private static final int VOCAB = 8, K = 2, N = 100_000;
    private static final double ALPHA = 1e-4, MAX_TV = 0.007;

    // Token 3 has targetProb 0 but draftProb 0.1: drafted often, must never be emitted. β = Σ min = 0.55.
    private static final double[] TARGET_1 = {0.20, 0.05, 0.15, 0, 0.25, 0.10, 0.15, 0.10};
    private static final double[] DRAFT_1 = {0.05, 0.25, 0.10, 0.10, 0.05, 0.25, 0.10, 0.10};
    private static final double[] TARGET_2 = {0.10, 0.20, 0.10, 0.10, 0.10, 0.20, 0.10, 0.10};
    private static final double[] DRAFT_2 = {0.15, 0.15, 0.10, 0.10, 0.15, 0.15, 0.10, 0.10};
    private static final double[] BONUS = {0.30, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10};
    // Rows do not depend on the drafted prefix, so the bonus given acceptance has law BONUS.
    private static final double[][] TARGET_PROBS = {TARGET_1, TARGET_2, BONUS};
    private static final double[][] DRAFT_PROBS = {DRAFT_1, DRAFT_2};
    // norm(max(0, TARGET_1 − DRAFT_1)) = (0.15, 0, 0.05, 0, 0.20, 0, 0.05, 0) / 0.45.
    private static final double[] RESIDUAL_1 = {0.15 / 0.45, 0, 0.05 / 0.45, 0, 0.20 / 0.45, 0, 0.05 / 0.45, 0};
    // A deterministic drafter's rows (n-gram lookup): q one-hot at token 4, then at token 1; both accepted w.p. 0.05.
    private static final double[][] ONE_HOT_DRAFT_PROBS = {Rows.oneHot(VOCAB, 4), Rows.oneHot(VOCAB, 1)};
    // norm(max(0, TARGET_1 − onehot(4))): TARGET_1 without token 4's 0.25, over 0.75.
    private static final double[] ONE_HOT_RESIDUAL_1 = {0.20 / 0.75, 0.05 / 0.75, 0.15 / 0.75, 0, 0, 0.10 / 0.75,
            0.15 / 0.75, 0.10 / 0.75};

    @FunctionalInterface
    interface Verifier {
        Verdict verify(int[] draftTokens, double[][] draftProbs, double[][] targetProbs, int k, double[] acceptU,
                       double[] sampleU, Residual residual);
    }

    /** The real verifier over rows given in full. */
    static Verdict real(int[] draftTokens, double[][] draftProbs, double[][] targetProbs, int k, double[] acceptU,
                        double[] sampleU, Residual residual) {
        return SpeculativeSampling.verify(draftTokens, draftProbs, SpeculativeSampling.TargetRows.of(targetProbs), k,
                acceptU, sampleU, residual);
    }

    /** The classic bug: on rejection, sample the target row instead of the residual (TV ≈ 0.15 here). */
    static Verdict resampleFromTarget(int[] draftTokens, double[][] draftProbs, double[][] targetProbs, int k,
                                      double[] acceptU, double[] sampleU, Residual residual) {
        for (int i = 0; i < k; i++) {
            double draftProb = draftProbs[i][draftTokens[i]];
            if (!(draftProb > 0 && acceptU[i] * draftProb < targetProbs[i][draftTokens[i]])) {
                return new Verdict(i, Sampler.sample(targetProbs[i], sampleU[i]), false);
            }
        }
        return new Verdict(k, Sampler.sample(targetProbs[k], sampleU[k]), true);
    }

    enum Position { FIRST, RESIDUAL, BONUS }

    @Test
    void theRealVerifierMatchesTheExactLawAtEveryOutputPosition() {
        check(SpeculativeSamplingChiSquareTest::real, Position.FIRST, 11, TARGET_1).assertPasses();
        check(SpeculativeSamplingChiSquareTest::real, Position.RESIDUAL, 12, RESIDUAL_1).assertPasses();
        check(SpeculativeSamplingChiSquareTest::real, Position.BONUS, 13, BONUS).assertPasses();
    }

    @Test
    void theCheckRejectsResamplingFromTheTargetInsteadOfTheResidual() {
        Check first = check(SpeculativeSamplingChiSquareTest::resampleFromTarget, Position.FIRST, 11, TARGET_1);
        Check residual = check(SpeculativeSamplingChiSquareTest::resampleFromTarget, Position.RESIDUAL, 12, RESIDUAL_1);
        assertFalse(first.passes(), "the check must catch the bug at the first position: " + first);
        assertFalse(residual.passes(), "the check must catch the bug at the residual position: " + residual);
        assertTrue(first.totalVariation() > 0.1, first.toString());
    }

    /**
     * One-hot draft rows take verify's own path (y = sample(p), accept iff y is the draft): the first token has law p,
     * the token after a rejection p without the draft token, the bonus its row's law; the wrong verifier fails.
     */
    @Test
    void oneHotDraftsMatchTheExactLawAtEveryOutputPosition() {
        check(SpeculativeSamplingChiSquareTest::real, Position.FIRST, 21, TARGET_1, ONE_HOT_DRAFT_PROBS)
                .assertPasses();
        check(SpeculativeSamplingChiSquareTest::real, Position.RESIDUAL, 22, ONE_HOT_RESIDUAL_1, ONE_HOT_DRAFT_PROBS)
                .assertPasses();
        check(SpeculativeSamplingChiSquareTest::real, Position.BONUS, 23, BONUS, ONE_HOT_DRAFT_PROBS).assertPasses();
        Check wrong = check(SpeculativeSamplingChiSquareTest::resampleFromTarget, Position.RESIDUAL, 22,
                ONE_HOT_RESIDUAL_1, ONE_HOT_DRAFT_PROBS);
        assertFalse(wrong.passes(), "the check must catch the bug with one-hot drafts too: " + wrong);
    }

    @Test
    void criticalValuesMatchTheTable() {
        assertEquals(29.88, criticalValue(7, ALPHA), 0.005);
        assertEquals(18.42, criticalValue(2, ALPHA), 0.005); // 2 dof: exactly −2 ln α
        assertEquals(-2 * Math.log(ALPHA), criticalValue(2, ALPHA), 1e-9);
        assertEquals(15.14, criticalValue(1, ALPHA), 0.005);
    }

    private static Check check(Verifier verifier, Position position, long seed, double[] exactLaw) {
        return check(verifier, position, seed, exactLaw, DRAFT_PROBS);
    }

    /** Draws blocks until N tokens have been observed at {@code position}; block b uses positions 3b .. 3b + 2. */
    private static Check check(Verifier verifier, Position position, long seed, double[] exactLaw,
                               double[][] draftProbs) {
        long[] counts = new long[VOCAB];
        int[] draftTokens = new int[K];
        double[] acceptU = new double[K], sampleU = new double[K + 1];
        Residual scratch = new Residual(VOCAB);
        int observed = 0;
        for (long block = 0; observed < N; block++) {
            long base = 3 * block;
            for (int i = 0; i <= K; i++) {
                if (i < K) {
                    draftTokens[i] = Sampler.sample(draftProbs[i], Uniforms.at(seed, base + i, Uniforms.DRAFT));
                    acceptU[i] = Uniforms.at(seed, base + i, Uniforms.ACCEPT);
                }
                sampleU[i] = Uniforms.at(seed, base + i, Uniforms.SAMPLE);
            }
            Verdict verdict = verifier.verify(draftTokens, draftProbs, TARGET_PROBS, K, acceptU, sampleU, scratch);
            int token = switch (position) {
                case FIRST -> verdict.acceptedCount() > 0 ? draftTokens[0] : verdict.emittedToken();
                case RESIDUAL -> verdict.acceptedCount() == 0 ? verdict.emittedToken() : -1;
                case BONUS -> verdict.bonus() ? verdict.emittedToken() : -1;
            };
            if (token >= 0) {
                counts[token]++;
                observed++;
            }
        }
        return Check.of(position.toString(), counts, exactLaw);
    }

    /** The outcome of one check; {@code what} names the output position observed. */
    record Check(String what, long[] counts, double chiSquare, int dof, double critical, double totalVariation,
                 long zeroProbabilityHits) {
        static Check of(String what, long[] counts, double[] exactLaw) {
            long n = Arrays.stream(counts).sum();
            double chiSquare = 0, totalVariation = 0;
            int bins = 0;
            long zeroHits = 0;
            for (int token = 0; token < counts.length; token++) {
                totalVariation += Math.abs((double) counts[token] / n - exactLaw[token]) / 2;
                if (exactLaw[token] == 0) { // skipped bin: any count there is a failure on its own
                    zeroHits += counts[token];
                    continue;
                }
                double expected = n * exactLaw[token];
                chiSquare += (counts[token] - expected) * (counts[token] - expected) / expected;
                bins++;
            }
            return new Check(what, counts, chiSquare, bins - 1, criticalValue(bins - 1, ALPHA), totalVariation,
                    zeroHits);
        }

        boolean passes() {
            return chiSquare < critical && totalVariation < MAX_TV && zeroProbabilityHits == 0;
        }

        void assertPasses() {
            assertTrue(passes(), toString());
        }

        @Override
        public String toString() {
            return what + ": chi-square " + chiSquare + " (" + dof + " dof, critical " + critical + " at α = "
                    + ALPHA + "), TV " + totalVariation + ", zero-probability hits " + zeroProbabilityHits
                    + ", counts " + Arrays.toString(counts);
        }
    }

    /** The x with P(χ²_dof > x) = alpha, by bisection on the survival function. */
    static double criticalValue(int dof, double alpha) {
        double low = 0, high = 200;
        for (int iteration = 0; iteration < 200; iteration++) {
            double middle = (low + high) / 2;
            if (chiSquareSurvival(middle, dof) > alpha) low = middle;
            else high = middle;
        }
        return (low + high) / 2;
    }

    /** P(χ²_dof > x) = 1 − P(dof/2, x/2), with the lower regularised gamma by its power series (x below ~100). */
    static double chiSquareSurvival(double x, int dof) {
        double a = dof / 2.0, z = x / 2;
        double gammaOfAPlusOne = dof % 2 == 0 ? 1 : Math.sqrt(Math.PI) / 2; // Γ(1) or Γ(3/2)
        for (double s = dof % 2 == 0 ? 2 : 2.5; s <= a + 1; s++) gammaOfAPlusOne *= s - 1;
        double term = 1, sum = 1;
        for (int n = 1; n < 1000 && term > 1e-18 * sum; n++) {
            term *= z / (a + n);
            sum += term;
        }
        return 1 - Math.exp(a * Math.log(z) - z) * sum / gammaOfAPlusOne;
    }
}
