package org.specula.speculative;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.specula.loader.ModelFolder;
import org.specula.model.ForwardPass;
import org.specula.model.Llama;
import org.specula.sampling.SamplingParams;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.testdata.Samples;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Layer 3 of the proof (SPECULATIVE.md) for the n-gram drafter on stories260K: greedy output equals plain greedy
 * token for token, on ordinary prompts and on one that repeats a passage (where the drafts are accepted); the target's
 * cache equals a fresh prefill and each draft the rule's rescan after every step; at temperature 1 the first tokens
 * follow plain sampling's law (and, one-hot drafts keeping the uniforms' keys, are plain sampling's tokens).
 */
class NgramDecodingTest {
    static final int[] PROMPT = SpeculativeDecoderTest.PROMPT; // BOS "Once upon a time"
    static final SamplingParams TEMPERATURE_1 = new SamplingParams(1f, 0, 1f, 0f);
    static Kernels kernels;
    static ModelFolder folder;
    static Llama target;
    static int vocab;
    /** BOS "Once upon a time", its first 20 greedy tokens, then "Once upon a time" again: the passage repeats. */
    static int[] repeated;

    @BeforeAll
    static void load() {
        kernels = KernelsFactory.create("auto", 1);
        folder = ModelFolder.open(Samples.path("models/stories260K"));
        target = Llama.load(folder, kernels);
        vocab = target.config().vocabSize();
        int[] story = plain(PROMPT, SamplingParams.GREEDY, 0, 20).generated();
        repeated = new int[PROMPT.length + story.length + PROMPT.length - 1];
        System.arraycopy(PROMPT, 0, repeated, 0, PROMPT.length);
        System.arraycopy(story, 0, repeated, PROMPT.length, story.length);
        System.arraycopy(PROMPT, 1, repeated, PROMPT.length + story.length, PROMPT.length - 1);
    }

    @AfterAll
    static void close() {
        if (folder != null) {
            folder.close();
        }
        if (kernels != null) {
            kernels.close();
        }
    }

    static Generation plain(int[] prompt, SamplingParams params, long seed, int n) {
        return new PlainDecoder(target.newForwardPass(512), params, seed)
                .generate(prompt, new StopCondition(n, new int[0]), t -> { });
    }

    static Generation ngram(int[] prompt, int min, int max, int k, SamplingParams params, long seed, int n) {
        return new SpeculativeDecoder(target.newForwardPass(512), checked(new NgramProposer(vocab, min, max), min,
                max), k, params, seed).generate(prompt, new StopCondition(n, new int[0]), t -> { });
    }

    /** The proposer with each draft held to the rule's rescan of the tokens committed when it was asked. */
    static Proposer checked(NgramProposer proposer, int min, int max) {
        return new Proposer() {
            @Override
            public Draft propose(int[] committed, int length, int k) {
                Draft draft = proposer.propose(committed, length, k);
                assertArrayEquals(NgramProposerProperties.rule(committed, length, k, min, max),
                        Arrays.copyOf(draft.draftTokens(), draft.count()), "the draft after " + length + " tokens");
                return draft;
            }

            @Override
            public void onCommit(int[] committed, int length, int accepted) {
                proposer.onCommit(committed, length, accepted);
            }
        };
    }

    @Test
    void greedyOutputEqualsPlainGreedyOnOrdinaryPrompts() {
        int[] expected = plain(PROMPT, SamplingParams.GREEDY, 0, 120).generated();
        for (int[] n : new int[][]{{1, 3}, {2, 4}, {1, 1}, {3, 3}}) {
            for (int k = 1; k <= 8; k++) {
                Generation g = ngram(PROMPT, n[0], n[1], k, SamplingParams.GREEDY, 0, 120);
                assertArrayEquals(expected, g.generated(), "n " + n[0] + ".." + n[1] + ", k " + k);
            }
        }
        for (int[] prompt : AcceptanceFiguresTest.prompts(target.newForwardPass(512))) {
            assertArrayEquals(plain(prompt, SamplingParams.GREEDY, 0, 128).generated(),
                    ngram(prompt, 1, 3, 4, SamplingParams.GREEDY, 0, 128).generated(), Arrays.toString(prompt));
        }
    }

    /** A passage the model copies: the drafts are accepted and fewer target passes than tokens are run. */
    @Test
    void greedyOutputEqualsPlainGreedyWhereThePromptRepeatsAPassage() {
        int[] expected = plain(repeated, SamplingParams.GREEDY, 0, 60).generated();
        for (int k = 1; k <= 8; k++) {
            Generation g = ngram(repeated, 1, 3, k, SamplingParams.GREEDY, 0, 60);
            assertArrayEquals(expected, g.generated(), "k " + k);
            SpecStats s = g.stats();
            assertTrue(s.accepted() >= 10, "k " + k + ": " + s.accepted() + " drafts accepted of " + s.drafted());
            assertTrue(s.steps() <= 60 - s.accepted(), "k " + k + ": " + s.steps() + " target passes for 60 tokens");
        }
    }

    /**
     * After every step the target's cache holds the committed tokens but the last, as a fresh prefill does, and every
     * draft is the rule's (checked()); a step that found no match drafted nothing and counts as 0 accepted.
     */
    @Test
    void cachesAndDraftsAfterEveryStep() {
        for (SamplingParams params : new SamplingParams[]{SamplingParams.GREEDY, TEMPERATURE_1}) {
            for (int[] prompt : new int[][]{{1}, PROMPT, repeated}) {
                ForwardPass targetPass = target.newForwardPass(512);
                SpeculativeDecoder decoder = new SpeculativeDecoder(targetPass, checked(new NgramProposer(vocab, 1,
                        3), 1, 3), 4, params, 5);
                List<Integer> draftedPerStep = new ArrayList<>();
                decoder.setStepObserver(new SpeculativeDecoder.StepObserver() {
                    @Override
                    public void proposed(Draft draft) {
                        draftedPerStep.add(draft.count());
                    }

                    @Override
                    public void committed(int[] tokens, int length) {
                        assertEquals(length - 1, targetPass.length(), "target cache length");
                        SpeculativeDecoderTest.assertCacheIsPrefill(target, targetPass.cache(), tokens, length - 1);
                    }
                });
                SpecStats s = decoder.generate(prompt, new StopCondition(50, new int[0]), t -> { }).stats();
                assertEquals(draftedPerStep.size(), s.acceptedPerStep().size());
                for (int step = 0; step < draftedPerStep.size(); step++) {
                    assertTrue(s.acceptedPerStep().get(step) <= draftedPerStep.get(step), "step " + step);
                }
                if (prompt.length == 1) {
                    assertEquals(0, draftedPerStep.getFirst(), "BOS alone: nothing to look up");
                    assertEquals(0, s.acceptedPerStep().getFirst());
                }
            }
        }
    }

    /**
     * One proposer and one target pass across generate calls, as chat keeps them: a prompt extending the last
     * output, then one sharing only its first tokens. Each output is plain greedy's from scratch.
     */
    @Test
    void aProposerReusedAcrossGenerateCallsDraftsForTheTokensCommittedNow() {
        ForwardPass targetPass = target.newForwardPass(512);
        Proposer proposer = checked(new NgramProposer(vocab, 1, 3), 1, 3);
        StopCondition stop = new StopCondition(40, new int[0]);
        int[] first = new SpeculativeDecoder(targetPass, proposer, 4, SamplingParams.GREEDY, 0)
                .generate(repeated, stop, t -> { }).generated();
        assertArrayEquals(plain(repeated, SamplingParams.GREEDY, 0, 40).generated(), first);
        int[] turn = Arrays.copyOf(repeated, repeated.length + first.length + PROMPT.length - 1);
        System.arraycopy(first, 0, turn, repeated.length, first.length);
        System.arraycopy(PROMPT, 1, turn, repeated.length + first.length, PROMPT.length - 1);
        int[] other = Arrays.copyOf(PROMPT, PROMPT.length + 2);
        other[PROMPT.length] = 300;
        other[PROMPT.length + 1] = 301;
        for (int[] prompt : new int[][]{turn, other, repeated}) {
            Generation g = new SpeculativeDecoder(targetPass, proposer, 4, SamplingParams.GREEDY, 0)
                    .generate(prompt, stop, t -> { });
            assertArrayEquals(plain(prompt, SamplingParams.GREEDY, 0, 40).generated(), g.generated(),
                    "after " + prompt.length + " prompt tokens");
        }
    }

    /**
     * Temperature 1: one-hot drafts and uniforms keyed by position make the output plain sampling's tokens for the
     * same seed; and, independently seeded, the first three tokens after the repeated passage follow plain
     * sampling's law (two-sample chi-square over N = 20 000 runs each, α = 1e-4), with drafts accepted in many runs.
     */
    @Test
    void atTemperatureOneTheFirstTokensFollowPlainSampling() {
        for (long seed = 0; seed < 20; seed++) {
            assertArrayEquals(plain(repeated, TEMPERATURE_1, seed, 40).generated(),
                    ngram(repeated, 1, 3, 4, TEMPERATURE_1, seed, 40).generated(), "seed " + seed);
        }
        int n = 20_000;
        int tokens = 3;
        long[][] plainCounts = new long[tokens][vocab];
        long[][] ngramCounts = new long[tokens][vocab];
        ForwardPass plainPass = target.newForwardPass(64);
        ForwardPass targetPass = target.newForwardPass(64);
        StopCondition stop = new StopCondition(tokens, new int[0]);
        int runsAccepting = 0;
        for (int i = 0; i < n; i++) {
            int[] p = new PlainDecoder(plainPass, TEMPERATURE_1, 1_000_000L + i).generate(repeated, stop, t -> { })
                    .generated();
            Generation g = new SpeculativeDecoder(targetPass, new NgramProposer(vocab, 1, 3), 3, TEMPERATURE_1,
                    5_000_000L + i).generate(repeated, stop, t -> { });
            runsAccepting += g.stats().accepted() > 0 ? 1 : 0;
            for (int pos = 0; pos < tokens; pos++) {
                plainCounts[pos][p[pos]]++;
                ngramCounts[pos][g.generated()[pos]]++;
            }
        }
        assertTrue(runsAccepting > n / 10, runsAccepting + " of " + n + " runs accepted a draft");
        for (int pos = 0; pos < tokens; pos++) {
            double[] result = SpeculativeDistributionTest.twoSampleChiSquare(plainCounts[pos], ngramCounts[pos]);
            double critical = SpeculativeDistributionTest.chiSquareCritical(result[1]);
            assertTrue(result[0] < critical, "token " + (pos + 1) + ": chi2 " + result[0] + " with " + result[1]
                    + " dof exceeds the alpha=1e-4 critical value " + critical);
        }
    }
}
