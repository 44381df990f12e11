package org.specula.speculative;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.loader.ModelFolder;
import org.specula.model.ForwardPass;
import org.specula.model.Llama;
import org.specula.sampling.SamplingParams;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.testdata.Samples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Layer 3 of the proof (SPECULATIVE.md) for early-exit self-drafting on stories260K (5 layers, so L = 1..4): greedy
 * output equals plain greedy token for token; the target's cache equals a fresh prefill after every step; the early
 * exit's logits and drafts equal an independent computation, the same folder loaded with config.json cut to L
 * layers (so a drafter that recomputed or misread the shared cache would differ); at temperature 1 the first tokens
 * follow plain sampling's law.
 */
class EarlyExitDecodingTest {
    static final int[] PROMPT = SpeculativeDecoderTest.PROMPT; // BOS "Once upon a time"
    static final SamplingParams TEMPERATURE_1 = new SamplingParams(1f, 0, 1f, 0f);
    @TempDir
    static Path temp;
    static Kernels kernels;
    static ModelFolder folder;
    static Llama target;
    static int numLayers;
    static ModelFolder[] cutFolders; // [L] the target's folder with num_hidden_layers = L, L = 1..numLayers-1
    static Llama[] cut;              // [L] those models

    @BeforeAll
    static void load() throws IOException {
        kernels = KernelsFactory.create("auto", 1);
        Path dir = Samples.path("models/stories260K");
        folder = ModelFolder.open(dir);
        target = Llama.load(folder, kernels);
        numLayers = target.config().numLayers();
        cutFolders = new ModelFolder[numLayers];
        cut = new Llama[numLayers];
        String config = Files.readString(dir.resolve("config.json"));
        for (int l = 1; l < numLayers; l++) {
            Path copy = Files.createDirectories(temp.resolve("layers" + l));
            try (Stream<Path> files = Files.list(dir)) {
                files.forEach(f -> copy(f, copy.resolve(f.getFileName())));
            }
            Files.delete(copy.resolve("config.json"));
            String cutConfig = config.replace("\"num_hidden_layers\": " + numLayers, "\"num_hidden_layers\": " + l);
            assertTrue(!cutConfig.equals(config), "config.json names num_hidden_layers");
            Files.writeString(copy.resolve("config.json"), cutConfig);
            cutFolders[l] = ModelFolder.open(copy);
            cut[l] = Llama.load(cutFolders[l], kernels);
            assertEquals(l, cut[l].config().numLayers());
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void close() {
        for (ModelFolder f : cutFolders == null ? new ModelFolder[0] : cutFolders) {
            if (f != null) {
                f.close();
            }
        }
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

    static Generation earlyExit(int[] prompt, int layers, int k, SamplingParams params, long seed, int n) {
        ForwardPass targetPass = target.newForwardPass(512);
        return new SpeculativeDecoder(targetPass, new EarlyExitProposer(targetPass, layers, params, seed), k, params,
                seed).generate(prompt, new StopCondition(n, new int[0]), t -> { });
    }

    @Test
    void greedyOutputEqualsPlainGreedy() {
        int[] expected = plain(PROMPT, SamplingParams.GREEDY, 0, 120).generated();
        for (int layers = 1; layers < numLayers; layers++) {
            for (int k = 1; k <= 6; k++) {
                assertArrayEquals(expected, earlyExit(PROMPT, layers, k, SamplingParams.GREEDY, 0, 120).generated(),
                        "L " + layers + ", k " + k);
            }
        }
        int[][] prompts = AcceptanceFiguresTest.prompts(target.newForwardPass(512));
        for (int layers = 1; layers < numLayers; layers++) {
            for (int[] prompt : Arrays.copyOf(prompts, 5)) {
                assertArrayEquals(plain(prompt, SamplingParams.GREEDY, 0, 100).generated(),
                        earlyExit(prompt, layers, 4, SamplingParams.GREEDY, 0, 100).generated(),
                        "L " + layers + ", " + Arrays.toString(prompt));
            }
        }
    }

    /** forwardLayers over several positions gives the cut model's logits, reading the full pass's lower layers. */
    @Test
    void earlyExitLogitsEqualTheModelCutToLLayers() {
        int vocab = target.config().vocabSize();
        int[] tokens = Arrays.copyOf(PROMPT, PROMPT.length + 3);
        tokens[PROMPT.length] = 300;
        tokens[PROMPT.length + 1] = 301;
        tokens[PROMPT.length + 2] = 302;
        float[] actual = new float[vocab];
        float[] expected = new float[vocab];
        for (int layers = 1; layers < numLayers; layers++) {
            ForwardPass full = target.newForwardPass(64);
            full.forward(tokens, 0, PROMPT.length - 1, ForwardPass.Logits.NONE, null);
            for (int n = PROMPT.length; n <= tokens.length; n++) {
                full.forwardLayers(tokens, n - 1, 1, layers, actual);
                cut[layers].newForwardPass(64).forward(tokens, 0, n, ForwardPass.Logits.LAST, expected);
                assertArrayEquals(expected, actual, 1e-5f, "L " + layers + ", " + n + " tokens");
            }
            assertEquals(tokens.length, full.length());
            // partial positions are never a shared prefix and never precede a full forward
            assertEquals(PROMPT.length - 1, full.commonPrefix(tokens, tokens.length));
            assertThrows(IllegalStateException.class, () -> full.forward(tokens, 0, 1, ForwardPass.Logits.NONE, null));
            full.truncate(PROMPT.length - 1);
            full.forward(tokens, PROMPT.length - 1, 2, ForwardPass.Logits.NONE, null);
            assertEquals(PROMPT.length + 1, full.commonPrefix(tokens, tokens.length));
            SpeculativeDecoderTest.assertCacheIsPrefill(target, full.cache(), tokens, full.length());
        }
    }

    /**
     * After every step the target's cache holds the committed tokens but the last, as a fresh prefill does; every
     * greedy draft is the cut model's greedy continuation of the committed tokens (a fresh pass, nothing shared).
     */
    @Test
    void cachesAndDraftsAfterEveryStep() {
        for (int layers = 1; layers < numLayers; layers++) {
            for (SamplingParams params : new SamplingParams[]{SamplingParams.GREEDY, TEMPERATURE_1}) {
                ForwardPass targetPass = target.newForwardPass(512);
                EarlyExitProposer proposer = new EarlyExitProposer(targetPass, layers, params, 5);
                Llama cutModel = cut[layers];
                int l = layers;
                Proposer checked = (committed, length, k) -> {
                    Draft draft = proposer.propose(committed, length, k);
                    assertEquals(length - 1, targetPass.length(), "the drafter truncates its partial positions");
                    if (params.isGreedy()) {
                        assertArrayEquals(greedyContinuation(cutModel, committed, length, draft.count()),
                                Arrays.copyOf(draft.draftTokens(), draft.count()), "L " + l + ", " + length);
                    }
                    return draft;
                };
                SpeculativeDecoder decoder = new SpeculativeDecoder(targetPass, checked, 4, params, 5);
                int[] steps = {0};
                decoder.setStepObserver((tokens, length) -> {
                    steps[0]++;
                    assertEquals(length - 1, targetPass.length(), "target cache length");
                    SpeculativeDecoderTest.assertCacheIsPrefill(target, targetPass.cache(), tokens, length - 1);
                });
                Generation g = decoder.generate(PROMPT, new StopCondition(50, new int[0]), t -> { });
                assertEquals(50, g.generated().length);
                assertTrue(steps[0] > 0);
            }
        }
    }

    private static int[] greedyContinuation(Llama model, int[] committed, int length, int k) {
        return new PlainDecoder(model.newForwardPass(512), SamplingParams.GREEDY, 0)
                .generate(Arrays.copyOf(committed, length), new StopCondition(k, new int[0]), t -> { }).generated();
    }

    @Test
    void layersOutsideOneToNumLayersMinusOneAreRefused() {
        ForwardPass targetPass = target.newForwardPass(64);
        for (int layers : new int[]{0, -1, numLayers, numLayers + 1}) {
            assertThrows(IllegalArgumentException.class,
                    () -> new EarlyExitProposer(targetPass, layers, SamplingParams.GREEDY, 0));
        }
    }

    /**
     * Temperature 1: the first three tokens follow plain sampling's law (two-sample chi-square over N = 20 000 runs
     * each, α = 1e-4), with L = 3 and k = 3 so that drafts are both accepted and rejected.
     */
    @Test
    void atTemperatureOneTheFirstTokensFollowPlainSampling() {
        int vocab = target.config().vocabSize();
        int n = 20_000;
        int tokens = 3;
        long[][] plainCounts = new long[tokens][vocab];
        long[][] earlyCounts = new long[tokens][vocab];
        ForwardPass plainPass = target.newForwardPass(64);
        ForwardPass targetPass = target.newForwardPass(64);
        StopCondition stop = new StopCondition(tokens, new int[0]);
        long accepted = 0;
        long drafted = 0;
        for (int i = 0; i < n; i++) {
            int[] p = new PlainDecoder(plainPass, TEMPERATURE_1, 1_000_000L + i).generate(PROMPT, stop, t -> { })
                    .generated();
            Generation g = new SpeculativeDecoder(targetPass, new EarlyExitProposer(targetPass, 3, TEMPERATURE_1,
                    5_000_000L + i), 3, TEMPERATURE_1, 5_000_000L + i).generate(PROMPT, stop, t -> { });
            accepted += g.stats().accepted();
            drafted += g.stats().drafted();
            for (int pos = 0; pos < tokens; pos++) {
                plainCounts[pos][p[pos]]++;
                earlyCounts[pos][g.generated()[pos]]++;
            }
        }
        assertTrue(accepted > drafted / 10 && accepted < drafted, accepted + " of " + drafted + " drafts accepted");
        for (int pos = 0; pos < tokens; pos++) {
            double[] result = SpeculativeDistributionTest.twoSampleChiSquare(plainCounts[pos], earlyCounts[pos]);
            double critical = SpeculativeDistributionTest.chiSquareCritical(result[1]);
            assertTrue(result[0] < critical, "token " + (pos + 1) + ": chi2 " + result[0] + " with " + result[1]
                    + " dof exceeds the alpha=1e-4 critical value " + critical);
        }
    }
}
