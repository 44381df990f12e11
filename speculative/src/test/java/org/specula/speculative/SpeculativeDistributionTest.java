package org.specula.speculative;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.specula.loader.ModelFolder;
import org.specula.model.ForwardPass;
import org.specula.model.Llama;
import org.specula.sampling.SamplingParams;
import org.specula.tensor.KernelsFactory;
import org.specula.tensor.Kernels;
import org.specula.testdata.Samples;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * At temperature 1 the first and second generated tokens of speculative and plain sampling on stories260K follow
 * the same law: two-sample chi-square over N = 20 000 seeded runs each, α = 1e-4, categories with fewer than 10
 * pooled observations merged into one.
 */
class SpeculativeDistributionTest {
    static final int N = 20_000;
    static final int[] PROMPT = {1}; // BOS: every run starts from the same empty story
    static Kernels kernels;
    static ModelFolder targetFolder;
    static ModelFolder draftFolder;

    @BeforeAll
    static void load() {
        kernels = KernelsFactory.create("auto", 1);
        targetFolder = ModelFolder.open(Samples.path("models/stories260K"));
        draftFolder = ModelFolder.open(Samples.path("models/stories260K-draft"));
    }

    @AfterAll
    static void close() {
        if (targetFolder != null) {
            targetFolder.close();
            draftFolder.close();
        }
        if (kernels != null) {
            kernels.close();
        }
    }

    @Test
    void firstTwoTokensMatchPlainSampling() {
        Llama target = Llama.load(targetFolder, kernels);
        Llama draft = Llama.load(draftFolder, kernels);
        SamplingParams params = new SamplingParams(1f, 0, 1f, 0f);
        int vocab = target.config().vocabSize();
        long[][] plainCounts = new long[2][vocab];
        long[][] specCounts = new long[2][vocab];
        ForwardPass plainPass = target.newForwardPass(16);
        ForwardPass targetPass = target.newForwardPass(16);
        ForwardPass draftPass = draft.newForwardPass(16);
        StopCondition two = new StopCondition(2, new int[0]);
        for (int i = 0; i < N; i++) {
            int[] p = new PlainDecoder(plainPass, params, 1_000_000L + i).generate(PROMPT, two, t -> { }).generated();
            // different seeds for the two samplers: the runs must be independent for a two-sample test
            long seed = 5_000_000L + i;
            draftPass.truncate(0);
            int[] s = new SpeculativeDecoder(targetPass, new DraftModelProposer(draftPass, params, seed), 2, params,
                    seed).generate(PROMPT, two, t -> { }).generated();
            for (int pos = 0; pos < 2; pos++) {
                plainCounts[pos][p[pos]]++;
                specCounts[pos][s[pos]]++;
            }
        }
        for (int pos = 0; pos < 2; pos++) {
            double[] result = twoSampleChiSquare(plainCounts[pos], specCounts[pos]);
            double critical = chiSquareCritical(result[1]);
            assertTrue(result[0] < critical, "token " + (pos + 1) + ": chi2 " + result[0] + " with " + result[1]
                    + " dof exceeds the alpha=1e-4 critical value " + critical);
        }
    }

    /** {chi2, dof} of two equal-size samples; sparse categories (< 10 together) pooled. */
    static double[] twoSampleChiSquare(long[] a, long[] b) {
        double chi2 = 0;
        int bins = 0;
        long poolA = 0;
        long poolB = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] + b[i] == 0) {
                continue;
            }
            if (a[i] + b[i] < 10) {
                poolA += a[i];
                poolB += b[i];
                continue;
            }
            chi2 += (double) (a[i] - b[i]) * (a[i] - b[i]) / (a[i] + b[i]);
            bins++;
        }
        if (poolA + poolB > 0) {
            chi2 += (double) (poolA - poolB) * (poolA - poolB) / (poolA + poolB);
            bins++;
        }
        return new double[]{chi2, bins - 1};
    }

    /** Upper 1e-4 quantile of chi-square with dof degrees (Wilson–Hilferty; z = 3.719). */
    static double chiSquareCritical(double dof) {
        double z = 3.719016;
        double h = 2.0 / (9 * dof);
        return dof * Math.pow(1 - h + z * Math.sqrt(h), 3);
    }
}
