package org.specula.speculative;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.specula.loader.ModelFolder;
import org.specula.model.ForwardPass;
import org.specula.model.Llama;
import org.specula.sampling.SamplingParams;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.testdata.Samples;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trees of the draft model's top candidates on stories260K and its draft: the output is plain decoding's token for
 * token (greedy and sampled, static and dynamic trees), both caches equal a fresh prefill after every step (the draft's
 * holding the accepted path its last tree block computed), and a tree accepts more per pass than the chain.
 */
class DraftModelTreeTest {
    static Kernels kernels;
    static ModelFolder targetFolder;
    static ModelFolder draftFolder;
    static Llama target;
    static Llama draft;

    @BeforeAll
    static void load() {
        kernels = KernelsFactory.create("auto", 1);
        targetFolder = ModelFolder.open(Samples.path("models/stories260K"));
        draftFolder = ModelFolder.open(Samples.path("models/stories260K-draft"));
        target = Llama.load(targetFolder, kernels);
        draft = Llama.load(draftFolder, kernels);
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

    static SpeculativeDecoder decoder(ForwardPass targetPass, ForwardPass draftPass, TreeShape shape, int k,
                                      SamplingParams params, long seed) {
        return new SpeculativeDecoder(targetPass, new DraftModelProposer(draftPass, params, seed, 0, shape,
                targetPass.maxTreeRows() - 1), k, params, seed);
    }

    static int[] plain(int[] prompt, SamplingParams params, long seed, int n) {
        return new PlainDecoder(target.newForwardPass(512), params, seed)
                .generate(prompt, new StopCondition(n, new int[0]), t -> { }).generated();
    }

    @Test
    void treesGivePlainDecodingsTokensAndKeepBothCachesFresh() {
        TreeShape[] shapes = {TreeShape.of(4, 2, 1), TreeShape.of(2, 2, 2, 2, 2), TreeShape.dynamic(16),
                TreeShape.dynamic(3)};
        SamplingParams[] settings = {SamplingParams.GREEDY, new SamplingParams(1f, 0, 1f, 0f),
                new SamplingParams(0.8f, 0, 0.9f, 0f)};
        int[][] prompts = HeadsReferenceTest.sentencePrompts();
        for (TreeShape shape : shapes) {
            for (SamplingParams params : settings) {
                for (int[] prompt : new int[][]{SpeculativeDecoderTest.PROMPT, prompts[2], prompts[7]}) {
                    for (int k : new int[]{1, 5}) {
                        ForwardPass targetPass = target.newForwardPass(512);
                        ForwardPass draftPass = draft.newForwardPass(512);
                        SpeculativeDecoder decoder = decoder(targetPass, draftPass, shape, k, params, 9);
                        int[] last = {prompt.length};
                        int[] kept = {0}; // steps after which the draft kept tree rows past the last committed length
                        decoder.setStepObserver((tokens, length) -> {
                            assertEquals(length - 1, targetPass.length());
                            SpeculativeDecoderTest.assertCacheIsPrefill(target, targetPass.cache(), tokens,
                                    length - 1);
                            SpeculativeDecoderTest.assertCacheIsPrefill(draft, draftPass.cache(), tokens,
                                    draftPass.length());
                            if (draftPass.length() > last[0]) {
                                kept[0]++;
                            }
                            last[0] = length;
                        });
                        assertArrayEquals(plain(prompt, params, 9, 50), decoder.generate(prompt,
                                new StopCondition(50, new int[0]), t -> { }).generated(), shape + " " + params
                                + " k " + k);
                        if (k > 1 && params.isGreedy()) {
                            assertTrue(kept[0] > 0, shape + ": the draft keeps the accepted path of its tree block");
                        }
                    }
                }
            }
        }
    }

    @Test
    @Tag(HeadDraftersTest.STATISTICAL)
    void aTreeAcceptsMoreThanTheChain() {
        int[][] prompts = AcceptanceFiguresTest.prompts(target.newForwardPass(512));
        TreeShape[] shapes = {null, TreeShape.of(4, 2, 1), TreeShape.dynamic(16), TreeShape.dynamic(32)};
        double[] accepted = new double[shapes.length];
        long[] passes = new long[shapes.length];
        for (int s = 0; s < shapes.length; s++) {
            for (int[] prompt : prompts) {
                SpecStats stats = decoder(target.newForwardPass(512), draft.newForwardPass(512), shapes[s], 4,
                        SamplingParams.GREEDY, 0).generate(prompt, new StopCondition(128, new int[0]), t -> { })
                        .stats();
                accepted[s] += stats.accepted();
                passes[s] += stats.steps();
            }
        }
        StringBuilder table = new StringBuilder("draft model, greedy, k = 4, 128 tokens, 20 prompts, accepted per pass:");
        for (int s = 0; s < shapes.length; s++) {
            table.append(String.format(Locale.ROOT, " %s %.3f", shapes[s] == null ? "chain" : shapes[s],
                    accepted[s] / passes[s]));
        }
        System.out.println(table);
        for (int s = 1; s < shapes.length; s++) {
            assertTrue(accepted[s] / passes[s] > accepted[0] / passes[0], table.toString());
        }
    }
}
