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

import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The adaptive draft length and --draft-p-min on stories260K: greedy output equals plain greedy token for token with
 * every proposer, on an ordinary prompt and on one that repeats a passage, whether k follows the real clock or a
 * random one that swings it over 0..max; a p-min drafter stops early and an n-gram one drafts what its match has.
 */
class AdaptiveDecodingTest {
    static final int MAX = 8;
    static Kernels kernels;
    static ModelFolder targetFolder;
    static ModelFolder draftFolder;
    static Llama target;
    static Llama draft;
    static int[][] prompts; // an ordinary prompt, and one that repeats a passage

    @BeforeAll
    static void load() {
        kernels = KernelsFactory.create("auto", 1);
        targetFolder = ModelFolder.open(Samples.path("models/stories260K"));
        draftFolder = ModelFolder.open(Samples.path("models/stories260K-draft"));
        target = Llama.load(targetFolder, kernels);
        draft = Llama.load(draftFolder, kernels);
        int[] prompt = SpeculativeDecoderTest.PROMPT;
        int[] story = plain(prompt, 20);
        int[] repeated = new int[prompt.length + story.length + prompt.length - 1];
        System.arraycopy(prompt, 0, repeated, 0, prompt.length);
        System.arraycopy(story, 0, repeated, prompt.length, story.length);
        System.arraycopy(prompt, 1, repeated, prompt.length + story.length, prompt.length - 1);
        prompts = new int[][]{prompt, repeated};
    }

    @AfterAll
    static void close() {
        for (ModelFolder f : new ModelFolder[]{targetFolder, draftFolder}) {
            if (f != null) {
                f.close();
            }
        }
        if (kernels != null) {
            kernels.close();
        }
    }

    static int[] plain(int[] prompt, int n) {
        return new PlainDecoder(target.newForwardPass(512), SamplingParams.GREEDY, 0)
                .generate(prompt, new StopCondition(n, new int[0]), t -> { }).generated();
    }

    /** A drafter over the target's pass (early exit needs it), with pMin where it takes one. */
    enum Drafter {
        DRAFT_MODEL, NGRAM, EARLY_EXIT;

        Proposer over(ForwardPass targetPass, double pMin) {
            return switch (this) {
                case DRAFT_MODEL -> new DraftModelProposer(draft.newForwardPass(512), SamplingParams.GREEDY, 0, pMin);
                case NGRAM -> new NgramProposer(target.config().vocabSize(), 1, 3);
                case EARLY_EXIT -> new EarlyExitProposer(targetPass, 4, SamplingParams.GREEDY, 0, pMin);
            };
        }
    }

    /** Greedy output with the drafter and the draft length given; the k the loop asked for and drafted, into asked. */
    static int[] speculative(int[] prompt, Drafter drafter, double pMin, DraftLength length, int n,
                             TreeSet<String> asked) {
        ForwardPass targetPass = target.newForwardPass(512);
        SpeculativeDecoder decoder = new SpeculativeDecoder(targetPass, drafter.over(targetPass, pMin), length,
                SamplingParams.GREEDY, 0);
        int[] k = {0};
        decoder.setStepObserver(new SpeculativeDecoder.StepObserver() {
            @Override
            public void drafting(int draftTokens) {
                k[0] = draftTokens;
            }

            @Override
            public void proposed(Draft d) {
                assertTrue(d.count() <= k[0] && k[0] <= MAX, "drafted " + d.count() + " of " + k[0]);
                asked.add(k[0] + "/" + d.count());
            }

            @Override
            public void committed(int[] tokens, int length) {
            }
        });
        return decoder.generate(prompt, new StopCondition(n, new int[0]), t -> { }).generated();
    }

    /** A clock that advances log-uniformly 1 ns to 1 ms per reading: the policy's costs, and so k, swing widely. */
    static DraftLength randomlyTimed(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] now = {0};
        return new DraftLength.Adaptive(MAX, () -> now[0] += (long) Math.exp(random.nextDouble() * Math.log(1e6)));
    }

    private static void assertGreedyEqualsPlain(Function<Integer, DraftLength> lengths, double pMin, String what) {
        for (int[] prompt : prompts) {
            int[] expected = plain(prompt, 120);
            for (Drafter drafter : Drafter.values()) {
                TreeSet<String> asked = new TreeSet<>();
                for (int run = 0; run < 3; run++) {
                    assertArrayEquals(expected, speculative(prompt, drafter, pMin, lengths.apply(run), 120, asked),
                            what + ", " + drafter + ", run " + run + ", prompt of " + prompt.length);
                }
            }
        }
    }

    @Test
    void greedyOutputEqualsPlainGreedyWithTheAdaptiveLength() {
        assertGreedyEqualsPlain(run -> DraftLength.adaptive(MAX), 0, "real clock");
    }

    @Test
    void greedyOutputEqualsPlainGreedyWhateverKTheClockLeadsTo() {
        assertGreedyEqualsPlain(AdaptiveDecodingTest::randomlyTimed, 0, "random clock");
        TreeSet<String> asked = new TreeSet<>();
        speculative(prompts[1], Drafter.DRAFT_MODEL, 0, randomlyTimed(3), 200, asked);
        TreeSet<Integer> ks = new TreeSet<>();
        asked.forEach(s -> ks.add(Integer.parseInt(s.substring(0, s.indexOf('/')))));
        assertTrue(ks.size() >= 3, "the random clock led to k in " + ks);
    }

    @Test
    void aPMinDrafterStopsEarlyAndStaysExact() {
        assertGreedyEqualsPlain(run -> DraftLength.fixed(6), 0.5, "p-min 0.5, k 6");
        assertGreedyEqualsPlain(run -> DraftLength.adaptive(MAX), 0.3, "p-min 0.3, auto");
        for (Drafter drafter : new Drafter[]{Drafter.DRAFT_MODEL, Drafter.EARLY_EXIT}) {
            TreeSet<String> asked = new TreeSet<>();
            speculative(prompts[0], drafter, 0.5, DraftLength.fixed(6), 120, asked);
            assertTrue(asked.stream().anyMatch(s -> s.startsWith("6/") && !s.equals("6/6")),
                    drafter + " never stopped early: " + asked);
            TreeSet<String> none = new TreeSet<>();
            speculative(prompts[0], drafter, 1, DraftLength.fixed(6), 40, none); // nothing is certain enough
            assertTrue(none.stream().allMatch(s -> s.endsWith("/0")), drafter + " drafted at p-min 1: " + none);
        }
    }

    @Test
    void theNgramDrafterDraftsWhatItsMatchHasLeft() {
        TreeSet<String> asked = new TreeSet<>();
        speculative(prompts[1], Drafter.NGRAM, 0, DraftLength.fixed(MAX), 120, asked);
        assertTrue(asked.stream().anyMatch(s -> s.startsWith(MAX + "/") && !s.equals(MAX + "/" + MAX)
                && !s.equals(MAX + "/0")), "drafts asked/drafted: " + asked);
    }
}
