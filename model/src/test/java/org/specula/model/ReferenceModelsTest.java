package org.specula.model;

import org.junit.jupiter.api.Test;
import org.specula.loader.Json;
import org.specula.loader.ModelFolder;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.tensor.ScalarKernels;
import org.specula.testdata.Samples;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The golden tests: real stories260K models against llama2.c run.c and Hugging Face transformers. */
class ReferenceModelsTest {

    static int[] ints(Object jsonList) {
        List<?> list = (List<?>) jsonList;
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Long) list.get(i)).intValue();
        }
        return out;
    }

    static float[] floats(Path f32) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(f32)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(out);
        return out;
    }

    /** Greedy continuation: argmax (lowest index on ties) after each position, like run.c at temperature 0. */
    static int[] greedy(ForwardPass pass, int[] prompt, int steps) {
        int vocab = pass.model().config().vocabSize();
        float[] logits = new float[vocab];
        List<Integer> ids = new ArrayList<>();
        for (int id : prompt) {
            ids.add(id);
        }
        pass.forward(prompt, 0, prompt.length, ForwardPass.Logits.LAST, logits);
        while (ids.size() < steps + 1) {
            int best = 0;
            for (int i = 1; i < vocab; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            ids.add(best);
            if (best == 1 || ids.size() == steps + 1) { // run.c stops on BOS
                break;
            }
            pass.forward(new int[]{best}, 0, 1, ForwardPass.Logits.LAST, logits);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private void assertGreedy(String model, int[] prompt, int[] expected, Kernels kernels) {
        try (ModelFolder folder = ModelFolder.open(Samples.path(model))) {
            ForwardPass pass = Llama.load(folder, kernels).newForwardPass(512);
            int[] actual = greedy(pass, prompt, expected.length - 1);
            assertArrayEquals(expected, actual, model + " greedy ids with " + kernels.name() + " kernels");
        }
    }

    private void assertGreedy(String model, Kernels kernels) throws IOException {
        Path ref = Samples.path("reference/stories260K/greedy.json");
        Map<?, ?> entry = (Map<?, ?>) ((List<?>) Json.parse(Files.readString(ref), ref.toString())).get(0);
        assertGreedy(model, ints(entry.get("prompt_ids")), ints(entry.get("runc_ids")), kernels);
    }

    @Test
    void greedyF32MatchesRunC() throws IOException {
        assertGreedy("models/stories260K", new ScalarKernels());
    }

    @Test
    void greedyUntiedMatchesRunC() throws IOException {
        assertGreedy("models/stories260K-untied", new ScalarKernels());
    }

    @Test
    void greedyWithDefaultKernelsMatchesRunC() throws IOException {
        try (Kernels kernels = KernelsFactory.create("auto", 2)) {
            assertGreedy("models/stories260K", kernels);
        }
    }

    @Test
    void greedyBf16MatchesReference() throws IOException {
        Path ref = Samples.path("reference/stories260K/bf16/reference.json");
        Map<?, ?> entry = (Map<?, ?>) Json.parseObject(Files.readString(ref), ref.toString())
                .get("greedy_once_upon_a_time_200");
        int[] expected = ints(entry.get("ids"));
        int[] prompt = java.util.Arrays.copyOf(expected, 5);
        assertGreedy("models/stories260K-bf16", prompt, expected, new ScalarKernels());
    }

    private void assertLogits(String model, String dir, double tolerance) throws IOException {
        Path meta = Samples.path("reference/stories260K/logits_seqA.json");
        int[] ids = ints(Json.parseObject(Files.readString(meta), meta.toString()).get("token_ids"));
        float[] expected = floats(Samples.path(dir + "/logits_seqA.f32"));
        try (ModelFolder folder = ModelFolder.open(Samples.path(model))) {
            Llama llama = Llama.load(folder, new ScalarKernels());
            int vocab = llama.config().vocabSize();
            assertEquals(expected.length, ids.length * vocab, "reference shape");
            float[] actual = new float[ids.length * vocab];
            llama.newForwardPass(512).forward(ids, 0, ids.length, ForwardPass.Logits.ALL, actual);
            double worst = 0;
            int worstAt = -1;
            for (int i = 0; i < expected.length; i++) {
                double diff = Math.abs(expected[i] - actual[i]);
                if (diff > worst) {
                    worst = diff;
                    worstAt = i;
                }
            }
            assertTrue(worst <= tolerance, model + ": max |logit diff| " + worst + " at row " + worstAt / vocab
                    + " token " + worstAt % vocab + " exceeds " + tolerance);
        }
    }

    @Test
    void f32LogitsMatchRunC() throws IOException {
        assertLogits("models/stories260K", "reference/stories260K", 1e-4);
    }

    @Test
    void bf16LogitsMatchFloat64Reference() throws IOException {
        assertLogits("models/stories260K-bf16", "reference/stories260K/bf16", 2e-3);
    }
}
