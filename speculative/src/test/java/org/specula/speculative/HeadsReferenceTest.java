package org.specula.speculative;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.specula.loader.Json;
import org.specula.loader.ModelFolder;
import org.specula.loader.tokenizer.Tokenizer;
import org.specula.model.Llama;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.testdata.Samples;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks the independent {@link HeadsReference} oracle: its target against run.c's logits and greedy ids
 * (../shared/reference/stories260K), its memoised drafting against full recomputation, and its speculative loop
 * against the README's reference acceptance table for Medusa, EAGLE and MTP (greedy, 128 new tokens, all k; about
 * 17 s in all, the memoised loop making the greedy runs and committed draft positions once per prompt).
 */
@Tag(HeadDraftersTest.STATISTICAL) // the oracle alone: no kernel runs in it but to make prompts
class HeadsReferenceTest {
    /** ../shared/models/README.md, greedy, mean drafts accepted per target pass for k = 1.. */
    static final double[] README_MEDUSA = {0.38, 0.48, 0.50, 0.51};
    static final double[] README_EAGLE = {0.56, 0.87, 0.98, 1.06, 1.08, 1.10};
    static final double[] README_MTP = {0.66, 0.94, 1.03, 1.06, 1.06, 1.06};

    static HeadsReference oracle;

    @BeforeAll
    static void load() {
        oracle = HeadsReference.load(Samples.path("models"));
    }

    @Test
    void targetLogitsMatchRunC() throws IOException {
        Path meta = Samples.path("reference/stories260K/logits_seqA.json");
        int[] ids = ints(Json.parseObject(Files.readString(meta), meta.toString()).get("token_ids"));
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(Samples.path("reference/stories260K/logits_seqA.f32")))
                .order(ByteOrder.LITTLE_ENDIAN);
        double[][] logits = oracle.targetLogits(ids, ids.length);
        double worst = 0;
        for (int p = 0; p < ids.length; p++) {
            for (int v = 0; v < HeadsReference.VOCAB; v++) {
                worst = Math.max(worst, Math.abs(logits[p][v] - bytes.getFloat()));
            }
        }
        assertEquals(0, bytes.remaining(), "reference shape [" + ids.length + "][512]");
        assertTrue(worst <= 1e-4, "max |logit - run.c| = " + worst);
    }

    @Test
    void greedyMatchesRunC() throws IOException {
        Path ref = Samples.path("reference/stories260K/greedy.json");
        Map<?, ?> entry = (Map<?, ?>) ((List<?>) Json.parse(Files.readString(ref), ref.toString())).get(0);
        int[] prompt = ints(entry.get("prompt_ids"));
        int[] expected = ints(entry.get("runc_ids"));
        int[] generated = oracle.greedyGenerate(prompt, expected.length - prompt.length);
        assertArrayEquals(Arrays.copyOfRange(expected, prompt.length, expected.length), generated);
    }

    /** The memoised EAGLE/MTP drafting of the speculative loop gives the drafts of full recomputation. */
    @Test
    void memoisedDraftsMatchFullRecomputation() throws IOException {
        Path ref = Samples.path("reference/stories260K/greedy.json");
        Map<?, ?> entry = (Map<?, ?>) ((List<?>) Json.parse(Files.readString(ref), ref.toString())).get(0);
        int[] tokens = Arrays.copyOf(ints(entry.get("runc_ids")), 60);
        int[] lengths = {6, 7, 9, 12, 13, 30, 59, 8, 20};  // 8 after 59: the memo must start again
        int k = 5;
        for (String drafter : new String[]{"eagle", "mtp"}) {
            int[][] memoised = oracle.memoisedDrafts(drafter, tokens, lengths, k);
            for (int i = 0; i < lengths.length; i++) {
                int[] full = new int[k];
                if (drafter.equals("eagle")) {
                    oracle.eagleDrafts(tokens, lengths[i], k, full);
                } else {
                    oracle.mtpDrafts(tokens, lengths[i], k, full);
                }
                assertArrayEquals(full, memoised[i], drafter + " at length " + lengths[i]);
            }
        }
    }

    /** 20 short TinyStories-like sentences, each encoded with BOS and cut to 8 tokens. */
    static final String[] SENTENCES = {"Once upon a time, there was a little girl named Lily.",
            "One day, a big dog ran to the park.", "Tom and Sue liked to play with their ball.",
            "The sun was shining and the birds were singing.", "Mom said, \"Let's go to the store.\"",
            "There was a small cat who lived in a house.", "Ben wanted to find a treasure in the garden.",
            "The little bird could not fly high.", "Sara had a red hat that she loved very much.",
            "Once there was a boy who liked to draw.", "The kids went to the beach to build a castle.",
            "A big bear lived in the woods near a river.", "Lucy saw a pretty flower in the yard.",
            "Tim was sad because his toy was broken.", "The old man gave the girl a shiny coin.",
            "Anna and her friend baked a cake together.", "It was a rainy day, so Max stayed inside.",
            "The frog jumped into the pond with a splash.", "Daddy took Sam to see the big trains.",
            "Molly found a little box under her bed."};

    static int[][] sentencePrompts() {
        Tokenizer tokenizer = Tokenizer.load(Samples.path("models/stories260K/tokenizer.json"));
        int[][] prompts = new int[SENTENCES.length][];
        for (int i = 0; i < prompts.length; i++) {
            int[] ids = tokenizer.encode(SENTENCES[i], true);
            assertTrue(ids.length >= 8, SENTENCES[i] + " is shorter than 8 tokens");
            prompts[i] = Arrays.copyOf(ids, 8);
        }
        return prompts;
    }

    /**
     * The README's table from the oracle: 20 prompts of 8 tokens (the sentences above), 128 new tokens, greedy,
     * Medusa k = 1..4, EAGLE and MTP k = 1..6. The README's prompts are other ones, so each figure must lie within
     * [0.9 x reference, reference + 0.15]. These prompts give 0.92-0.96 x the README for every drafter and k (the
     * same shape, MTP flat from k = 4 included); prompts sampled from the target (next test) give 1.01-1.27 x.
     */
    @Test
    void acceptanceMatchesReadmeTable() {
        String table = acceptanceTable(sentencePrompts(), true);
        System.out.print("HeadsReference, sentence prompts:\n" + table);
    }

    /**
     * The same on the 20 prompts of {@link AcceptanceFiguresTest} (BOS + 7 tokens sampled from the target at
     * temperature 1, seeds 100..119; the runtime only makes the prompts), for a runtime test on those prompts to
     * compare with. They run above the README (the draft model's figures are ~6 % above it on them too, bench/LOG.md),
     * by up to 0.24 at large k, so only the lower bound is asserted.
     */
    @Test
    void acceptanceOnSampledPromptsIsAtLeastTheReadmeTable() {
        int[][] prompts;
        try (Kernels kernels = KernelsFactory.create("auto", 1);
             ModelFolder folder = ModelFolder.open(Samples.path("models/stories260K"))) {
            prompts = AcceptanceFiguresTest.prompts(Llama.load(folder, kernels).newForwardPass(256));
        }
        String table = acceptanceTable(prompts, false);
        System.out.print("HeadsReference, AcceptanceFiguresTest prompts:\n" + table);
    }

    /** The oracle's mean accepted per pass for every drafter and k, asserted against the README, as a table. */
    private static String acceptanceTable(int[][] prompts, boolean upperBound) {
        StringBuilder table = new StringBuilder("drafter  k  oracle  (README)\n");
        StringBuilder failures = new StringBuilder();
        Object[][] rows = {{"medusa", README_MEDUSA}, {"eagle", README_EAGLE}, {"mtp", README_MTP}};
        for (Object[] row : rows) {
            String drafter = (String) row[0];
            double[] reference = (double[]) row[1];
            for (int k = 1; k <= reference.length; k++) {
                double mean = oracle.meanAccepted(drafter, prompts, 128, k);
                double expected = reference[k - 1];
                table.append(String.format(Locale.ROOT, "%-7s %d  %.3f  (%.2f)%n", drafter, k, mean, expected));
                if (mean < 0.9 * expected || upperBound && mean > expected + 0.15) {
                    failures.append(drafter).append(" k=").append(k).append(' ');
                }
            }
        }
        assertTrue(failures.isEmpty(), "outside the bounds around the README: " + failures + "\n" + table);
        return table.toString();
    }

    private static int[] ints(Object jsonList) {
        List<?> list = (List<?>) jsonList;
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) list.get(i)).intValue();
        }
        return out;
    }
}
