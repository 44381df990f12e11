package org.specula.speculative;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.specula.loader.ModelFolder;
import org.specula.model.ForwardPass;
import org.specula.model.KvCache;
import org.specula.model.Llama;
import org.specula.sampling.SamplingParams;
import org.specula.tensor.DType;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.tensor.ScalarKernels;
import org.specula.testdata.Samples;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End to end on stories260K with its trained draft model (layer 3 of the proof in SPECULATIVE.md). */
class SpeculativeDecoderTest {
    static final int[] PROMPT = {1, 403, 407, 261, 378}; // BOS "Once upon a time"
    static final SamplingParams TEMPERATURE_1 = new SamplingParams(1f, 0, 1f, 0f);

    static ModelFolder targetFolder;
    static ModelFolder draftFolder;
    static Llama target;
    static Llama draft;

    @BeforeAll
    static void load() {
        Kernels kernels = new ScalarKernels();
        targetFolder = ModelFolder.open(Samples.path("models/stories260K"));
        draftFolder = ModelFolder.open(Samples.path("models/stories260K-draft"));
        target = Llama.load(targetFolder, kernels);
        draft = Llama.load(draftFolder, kernels);
    }

    @AfterAll
    static void close() {
        if (targetFolder != null) {
            targetFolder.close();
        }
        if (draftFolder != null) {
            draftFolder.close();
        }
    }

    static Generation plain(SamplingParams params, long seed, int n) {
        return new PlainDecoder(target.newForwardPass(512), params, seed)
                .generate(PROMPT, new StopCondition(n, new int[0]), t -> { });
    }

    static int[] plainFrom(int[] prompt) {
        return new PlainDecoder(target.newForwardPass(512), SamplingParams.GREEDY, 0)
                .generate(prompt, new StopCondition(40, new int[0]), t -> { }).generated();
    }

    static Generation speculative(Llama drafter, int k, SamplingParams params, long seed, int n,
                                  SpeculativeDecoder.StepObserver observer) {
        ForwardPass targetPass = target.newForwardPass(512);
        ForwardPass draftPass = drafter.newForwardPass(512);
        SpeculativeDecoder decoder = new SpeculativeDecoder(targetPass, new DraftModelProposer(draftPass, params,
                seed), k, params, seed);
        if (observer != null) {
            decoder.setStepObserver(observer);
        }
        return decoder.generate(PROMPT, new StopCondition(n, new int[0]), t -> { });
    }

    @Test
    void greedySpeculativeEqualsPlainGreedyForEveryK() {
        int[] expected = plain(SamplingParams.GREEDY, 0, 120).generated();
        for (int k = 1; k <= 8; k++) {
            Generation g = speculative(draft, k, SamplingParams.GREEDY, 0, 120, null);
            assertArrayEquals(expected, g.generated(), "greedy speculative output differs from plain at k=" + k);
            assertTrue(g.stats().acceptanceRate() > 0.1, "the trained draft accepts something at k=" + k);
        }
    }

    /**
     * With 16-bit KV caches (converted once when a position is written, rolled back by moving the length) and the
     * SIMD kernels, greedy speculative decoding still gives plain greedy's tokens, and the caches still equal a fresh
     * prefill after every step.
     */
    @Test
    void greedySpeculativeEqualsPlainGreedyWithSixteenBitCaches() {
        for (DType kv : new DType[]{DType.BF16, DType.F16}) {
            try (Kernels simd = KernelsFactory.create("auto", 2)) {
                Llama t = Llama.load(targetFolder, simd);
                Llama d = Llama.load(draftFolder, simd);
                int[] expected = new PlainDecoder(t.newForwardPass(512, kv), SamplingParams.GREEDY, 0)
                        .generate(PROMPT, new StopCondition(120, new int[0]), x -> { }).generated();
                for (int k = 1; k <= 6; k++) {
                    ForwardPass targetPass = t.newForwardPass(512, kv);
                    ForwardPass draftPass = d.newForwardPass(512, kv);
                    SpeculativeDecoder decoder = new SpeculativeDecoder(targetPass,
                            new DraftModelProposer(draftPass, SamplingParams.GREEDY, 0), k, SamplingParams.GREEDY, 0);
                    if (k == 4) {
                        decoder.setStepObserver((tokens, length) -> {
                            assertCacheIsPrefill(t, targetPass.cache(), tokens, targetPass.length());
                            assertCacheIsPrefill(d, draftPass.cache(), tokens, draftPass.length());
                        });
                    }
                    Generation g = decoder.generate(PROMPT, new StopCondition(120, new int[0]), x -> { });
                    assertArrayEquals(expected, g.generated(), kv + " cache: greedy speculative output differs "
                            + "from plain at k=" + k);
                    assertTrue(g.stats().acceptanceRate() > 0.1, kv + " cache: the draft accepts something, k=" + k);
                }
            }
        }
    }

    @Test
    void targetAsItsOwnDraftAcceptsEverything() {
        for (SamplingParams params : new SamplingParams[]{SamplingParams.GREEDY, TEMPERATURE_1}) {
            Generation g = speculative(target, 4, params, 7, 60, null);
            assertEquals(1.0, g.stats().acceptanceRate(), "acceptance with the target as draft, " + params);
            assertEquals(60, g.generated().length);
        }
        // greedy: self-drafting changes nothing (sampled drafts use their own uniform stream, so only the law,
        // not the tokens, is shared at temperature 1)
        assertArrayEquals(plain(SamplingParams.GREEDY, 7, 60).generated(),
                speculative(target, 4, SamplingParams.GREEDY, 7, 60, null).generated());
    }

    @Test
    void cachesEqualAFreshPrefillAfterEveryStep() {
        for (SamplingParams params : new SamplingParams[]{SamplingParams.GREEDY, TEMPERATURE_1}) {
            ForwardPass targetPass = target.newForwardPass(512);
            ForwardPass draftPass = draft.newForwardPass(512);
            SpeculativeDecoder decoder = new SpeculativeDecoder(targetPass,
                    new DraftModelProposer(draftPass, params, 3), 4, params, 3);
            int[] steps = {0};
            decoder.setStepObserver((tokens, length) -> {
                steps[0]++;
                // the target has seen every committed token but the last, which the next step feeds
                assertEquals(length - 1, targetPass.length(), "target cache length after step " + steps[0]);
                assertCacheIsPrefill(target, targetPass.cache(), tokens, targetPass.length());
                assertTrue(draftPass.length() <= length, "draft cache covers only committed tokens");
                assertTrue(draftPass.length() >= length - 2, "draft cache lags at most the bonus off-by-one");
                assertCacheIsPrefill(draft, draftPass.cache(), tokens, draftPass.length());
            });
            decoder.generate(PROMPT, new StopCondition(80, new int[0]), t -> { });
            assertTrue(steps[0] > 10);
        }
    }

    static void assertCacheIsPrefill(Llama model, KvCache cache, int[] tokens, int length) {
        ForwardPass fresh = model.newForwardPass(512, cache.dtype());
        fresh.forward(tokens, 0, length, ForwardPass.Logits.NONE, null);
        for (int layer = 0; layer < model.config().numLayers(); layer++) {
            for (int p = 0; p < length; p++) {
                assertArrayEquals(fresh.cache().key(layer, p), cache.key(layer, p), "key layer " + layer + " pos " + p);
                assertArrayEquals(fresh.cache().value(layer, p), cache.value(layer, p),
                        "value layer " + layer + " pos " + p);
            }
        }
    }

    @Test
    void aCachedPromptPrefixIsReusedAndChangesNothing() {
        ForwardPass targetPass = target.newForwardPass(512);
        ForwardPass draftPass = draft.newForwardPass(512);
        StopCondition stop = new StopCondition(40, new int[0]);
        Generation first = new SpeculativeDecoder(targetPass, new DraftModelProposer(draftPass, SamplingParams.GREEDY,
                0), 4, SamplingParams.GREEDY, 0).generate(PROMPT, stop, t -> { });
        assertEquals(PROMPT.length - 1, first.prefilledTokens());
        // the same prompt again: nothing to prefill, same output, caches still equal a fresh prefill after each step
        SpeculativeDecoder again = new SpeculativeDecoder(targetPass, new DraftModelProposer(draftPass,
                SamplingParams.GREEDY, 0), 4, SamplingParams.GREEDY, 0);
        again.setStepObserver((tokens, length) -> {
            assertCacheIsPrefill(target, targetPass.cache(), tokens, targetPass.length());
            assertCacheIsPrefill(draft, draftPass.cache(), tokens, draftPass.length());
        });
        Generation second = again.generate(PROMPT, stop, t -> { });
        assertEquals(0, second.prefilledTokens());
        assertArrayEquals(first.generated(), second.generated());
        // a prompt that shares only the first prompt: the cached continuation is dropped, the new tokens fed
        int[] other = java.util.Arrays.copyOf(PROMPT, PROMPT.length + 3);
        other[PROMPT.length] = 300;
        other[PROMPT.length + 1] = 301;
        other[PROMPT.length + 2] = 302;
        Generation third = new PlainDecoder(targetPass, SamplingParams.GREEDY, 0).generate(other, stop, t -> { });
        assertEquals(2, third.prefilledTokens(), "the 5 shared positions are kept; 2 of the 3 new tokens are fed");
        assertArrayEquals(plainFrom(other), third.generated());
    }

    @Test
    void seededRunsAreReproducible() {
        Generation a = speculative(draft, 3, TEMPERATURE_1, 42, 50, null);
        Generation b = speculative(draft, 3, TEMPERATURE_1, 42, 50, null);
        assertArrayEquals(a.generated(), b.generated());
        assertEquals(a.stats().acceptedPerStep(), b.stats().acceptedPerStep());
        Generation c = speculative(draft, 3, TEMPERATURE_1, 43, 50, null);
        assertTrue(!Arrays.equals(a.generated(), c.generated()), "another seed gives another text");
    }

    /**
     * A step commits up to k + 1 tokens, so near the end of the context it drafts fewer: filling the context (the
     * target as its own draft accepts everything) stops as plain decoding does, with the same tokens.
     */
    @Test
    void fillingTheContextStopsLikePlainDecoding() {
        for (int context = PROMPT.length + 1; context <= PROMPT.length + 12; context++) {
            int[] expected = new PlainDecoder(target.newForwardPass(context), SamplingParams.GREEDY, 0)
                    .generate(PROMPT, new StopCondition(100, new int[0]), t -> { }).generated();
            for (Llama drafter : new Llama[]{target, draft}) {
                Generation g = new SpeculativeDecoder(target.newForwardPass(context), new DraftModelProposer(
                        drafter.newForwardPass(context), SamplingParams.GREEDY, 0), 4, SamplingParams.GREEDY, 0)
                        .generate(PROMPT, new StopCondition(100, new int[0]), t -> { });
                assertArrayEquals(expected, g.generated(), "context " + context);
                assertEquals(context - PROMPT.length, g.generated().length, "context " + context);
                assertEquals("context", g.stopReason().label(), "context " + context);
            }
        }
    }

    /** The CLI prints these spellings and writes them as JSON stop_reason; a plain run's stats are empty, not null. */
    @Test
    void stopReasonsKeepTheirSpellingsAndPlainRunsHaveEmptyStats() {
        assertEquals(List.of("length", "eos", "context"),
                Arrays.stream(Generation.StopReason.values()).map(Generation.StopReason::label).toList());
        SpecStats plain = plain(SamplingParams.GREEDY, 0, 5).stats();
        assertFalse(plain.speculative());
        assertEquals(0, plain.steps());
        assertTrue(speculative(draft, 0, SamplingParams.GREEDY, 0, 5, null).stats().speculative(), "k = 0 too");
    }

    @Test
    void stopsAtEosAndMaxTokens() {
        Generation g = speculative(draft, 4, SamplingParams.GREEDY, 0, 37, null);
        assertEquals(37, g.generated().length);
        assertEquals("length", g.stopReason().label());
        int[] plainIds = plain(SamplingParams.GREEDY, 0, 60).generated();
        int stopToken = plainIds[20];
        int firstAt = 0;
        while (plainIds[firstAt] != stopToken) {
            firstAt++;
        }
        ForwardPass targetPass = target.newForwardPass(512);
        Generation stopped = new SpeculativeDecoder(targetPass, new DraftModelProposer(draft.newForwardPass(512),
                SamplingParams.GREEDY, 0), 4, SamplingParams.GREEDY, 0)
                .generate(PROMPT, new StopCondition(60, new int[]{stopToken}), t -> { });
        assertEquals("eos", stopped.stopReason().label());
        assertArrayEquals(Arrays.copyOf(plainIds, firstAt + 1), stopped.generated());
    }
}
