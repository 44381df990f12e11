package org.specula.speculative;

import org.junit.jupiter.api.Test;
import org.specula.loader.ModelFolder;
import org.specula.model.ForwardPass;
import org.specula.model.Llama;
import org.specula.sampling.SamplingParams;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.testdata.Samples;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pins the accepted length of stories260K + stories260K-draft against the independent PyTorch figures in
 * ../shared/models/README.md (greedy, chain drafting, 128 new tokens, BOS/EOS ordinary): an off-by-one in draft
 * positions or cache rollback keeps outputs exact but lowers these numbers. Temperature 1 too (seeded per prompt). Our 20 prompts (BOS + 7 tokens sampled
 * from the target) are not theirs, so the bound is loose: at least 85 % of each reference figure.
 */
class AcceptanceFiguresTest {
    static final double[] REFERENCE_GREEDY = {0.53, 0.88, 1.02, 1.17, 1.23, 1.26}; // k = 1..6
    static final double[] REFERENCE_TEMPERATURE_1 = {0.43, 0.59, 0.74, 0.74, 0.80, 0.76};

    /** The 20 ordinary prompts: BOS and 7 tokens sampled from the target at temperature 1, seeds 100..119. */
    static int[][] prompts(ForwardPass targetPass) {
        int[][] prompts = new int[20][];
        for (int i = 0; i < prompts.length; i++) {
            int[] sampled = new PlainDecoder(targetPass, new SamplingParams(1f, 0, 1f, 0f), 100 + i)
                    .generate(new int[]{1}, new StopCondition(7, new int[0]), t -> { }).generated();
            prompts[i] = new int[8];
            prompts[i][0] = 1;
            System.arraycopy(sampled, 0, prompts[i], 1, 7);
        }
        return prompts;
    }

    @Test
    void meanAcceptedPerPassMatchesReference() {
        try (Kernels kernels = KernelsFactory.create("auto", 1);
             ModelFolder targetFolder = ModelFolder.open(Samples.path("models/stories260K"));
             ModelFolder draftFolder = ModelFolder.open(Samples.path("models/stories260K-draft"))) {
            Llama target = Llama.load(targetFolder, kernels);
            Llama draft = Llama.load(draftFolder, kernels);
            ForwardPass targetPass = target.newForwardPass(256);
            ForwardPass draftPass = draft.newForwardPass(256);
            int[][] prompts = prompts(targetPass);
            StringBuilder table = new StringBuilder("temperature k  mean accepted per pass (reference)\n");
            SamplingParams temperature1 = new SamplingParams(1f, 0, 1f, 0f);
            for (SamplingParams params : new SamplingParams[]{SamplingParams.GREEDY, temperature1}) {
                double[] reference = params.isGreedy() ? REFERENCE_GREEDY : REFERENCE_TEMPERATURE_1;
                for (int k = 1; k <= 6; k++) {
                    long accepted = 0;
                    long passes = 0;
                    for (int i = 0; i < prompts.length; i++) {
                        draftPass.truncate(0);
                        SpecStats s = new SpeculativeDecoder(targetPass, new DraftModelProposer(draftPass, params,
                                i), k, params, i)
                                .generate(prompts[i], new StopCondition(128, new int[0]), t -> { }).stats();
                        accepted += s.accepted();
                        passes += s.steps();
                    }
                    double mean = (double) accepted / passes;
                    table.append(String.format(Locale.ROOT, "%.0f %d  %.3f (%.2f)%n", params.temperature(), k, mean,
                            reference[k - 1]));
                    assertTrue(mean >= 0.85 * reference[k - 1], "k=" + k + ": " + mean + " accepted per pass is "
                            + "far below the reference " + reference[k - 1] + "\n" + table);
                }
            }
            System.out.print(table);
        }
    }

    /**
     * The n-gram drafter on the same prompts (greedy, k = 4, n from 3 down to 1, 128 tokens): a figure printed, not
     * asserted, per target pass and per pass that drafted (a pass without a match drafts nothing). The prompts hold
     * little to look up, so the drafts come from the model repeating its own text.
     */
    @Test
    void ngramMeanAcceptedPerPass() {
        try (Kernels kernels = KernelsFactory.create("auto", 1);
             ModelFolder targetFolder = ModelFolder.open(Samples.path("models/stories260K"))) {
            Llama target = Llama.load(targetFolder, kernels);
            ForwardPass targetPass = target.newForwardPass(256);
            long accepted = 0;
            long drafted = 0;
            long passes = 0;
            long[] draftingPasses = {0};
            for (int[] prompt : prompts(targetPass)) {
                SpeculativeDecoder decoder = new SpeculativeDecoder(targetPass,
                        new NgramProposer(target.config().vocabSize(), 1, 3), 4, SamplingParams.GREEDY, 0);
                decoder.setStepObserver(new SpeculativeDecoder.StepObserver() {
                    @Override
                    public void proposed(Draft draft) {
                        draftingPasses[0] += draft.count() > 0 ? 1 : 0;
                    }

                    @Override
                    public void committed(int[] tokens, int length) {
                    }
                });
                SpecStats s = decoder.generate(prompt, new StopCondition(128, new int[0]), t -> { }).stats();
                accepted += s.accepted();
                drafted += s.drafted();
                passes += s.steps();
            }
            System.out.printf(Locale.ROOT, "n-gram lookup (n 3..1), greedy, k = 4: %.3f accepted per target pass, "
                            + "%.3f per pass that drafted (%d passes, %d drafting, %d drafts proposed, %d accepted)%n",
                    (double) accepted / passes, (double) accepted / draftingPasses[0], passes, draftingPasses[0],
                    drafted, accepted);
        }
    }

    /**
     * Early-exit self-drafting on the same prompts (greedy, k = 4, 128 tokens), for every exit layer L: a figure
     * printed, not asserted. An independent computation gave about 0.0 / 0.04 / 0.27 / 0.94 for L = 1..4.
     */
    @Test
    void earlyExitMeanAcceptedPerPass() {
        try (Kernels kernels = KernelsFactory.create("auto", 1);
             ModelFolder targetFolder = ModelFolder.open(Samples.path("models/stories260K"))) {
            Llama target = Llama.load(targetFolder, kernels);
            ForwardPass targetPass = target.newForwardPass(256);
            int[][] prompts = prompts(targetPass);
            for (int layers = 1; layers < target.config().numLayers(); layers++) {
                long accepted = 0;
                long drafted = 0;
                long passes = 0;
                for (int[] prompt : prompts) {
                    SpecStats s = new SpeculativeDecoder(targetPass, new EarlyExitProposer(targetPass, layers,
                            SamplingParams.GREEDY, 0), 4, SamplingParams.GREEDY, 0)
                            .generate(prompt, new StopCondition(128, new int[0]), t -> { }).stats();
                    accepted += s.accepted();
                    drafted += s.drafted();
                    passes += s.steps();
                }
                System.out.printf(Locale.ROOT, "early exit after %d of %d layers, greedy, k = 4: %.3f accepted per "
                                + "target pass (%d passes, %d drafts proposed, %d accepted)%n", layers,
                        target.config().numLayers(), (double) accepted / passes, passes, drafted, accepted);
            }
        }
    }
}
