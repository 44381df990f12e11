package org.specula.model;

import org.junit.jupiter.api.Test;
import org.specula.loader.Json;
import org.specula.loader.ModelFolder;
import org.specula.tensor.DType;
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
            // the references ran with full-precision keys and values: an F32 cache whatever the weights' dtype
            ForwardPass pass = Llama.load(folder, kernels).newForwardPass(512, DType.F32);
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
            llama.newForwardPass(512, DType.F32).forward(ids, 0, ids.length, ForwardPass.Logits.ALL, actual);
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

    /**
     * A 16-bit KV cache, with the SIMD kernels (the production path), keeps stories260K's logits and probabilities
     * over a whole sequence close to the F32 cache's, and does change them (the cache really holds 16-bit values).
     * Each stored value is rounded by up to 2^-9 (BF16) or 2^-12 (F16) of itself, which already moves the first
     * position's logits by about 1e-3 (F16); over 200 positions that grows to the bounds below, so a BF16 cache
     * cannot meet 2e-3 on logits (bench/README.md, "KV cache").
     */
    @Test
    void sixteenBitCacheStaysCloseToTheF32Cache() throws IOException {
        Path meta = Samples.path("reference/stories260K/logits_seqA.json");
        int[] ids = ints(Json.parseObject(Files.readString(meta), meta.toString()).get("token_ids"));
        try (ModelFolder folder = ModelFolder.open(Samples.path("models/stories260K"));
             Kernels kernels = KernelsFactory.create("auto", 2)) {
            Llama llama = Llama.load(folder, kernels);
            int vocab = llama.config().vocabSize();
            float[] f32 = new float[ids.length * vocab];
            llama.newForwardPass(512, DType.F32).forward(ids, 0, ids.length, ForwardPass.Logits.ALL, f32);
            for (DType kv : new DType[]{DType.F16, DType.BF16}) {
                float[] actual = new float[ids.length * vocab];
                ForwardPass pass = llama.newForwardPass(512, kv);
                assertEquals(kv, pass.cache().dtype());
                pass.forward(ids, 0, ids.length, ForwardPass.Logits.ALL, actual);
                double worst = 0;
                double worstProbability = 0;
                for (int r = 0; r < ids.length; r++) {
                    double[] p = softmax(f32, r * vocab, vocab);
                    double[] q = softmax(actual, r * vocab, vocab);
                    for (int v = 0; v < vocab; v++) {
                        worst = Math.max(worst, Math.abs(f32[r * vocab + v] - actual[r * vocab + v]));
                        worstProbability = Math.max(worstProbability, Math.abs(p[v] - q[v]));
                    }
                }
                // measured: BF16 0.152 (logits) and 0.012 (probabilities), F16 0.024 and 0.0018; bounds at twice those
                assertTrue(worst <= (kv == DType.BF16 ? 0.3 : 0.05), kv + " cache: max |logit diff| " + worst
                        + " from the F32 cache's");
                assertTrue(worstProbability <= (kv == DType.BF16 ? 0.025 : 0.004), kv + " cache: max |probability "
                        + "diff| " + worstProbability + " from the F32 cache's");
                assertTrue(worst > 0, kv + " cache gives the F32 cache's logits exactly: is it 16-bit?");
            }
        }
    }

    private static double[] softmax(float[] logits, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp(logits[off + i] - max);
            sum += p[i];
        }
        for (int i = 0; i < n; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
