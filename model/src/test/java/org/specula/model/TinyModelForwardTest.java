package org.specula.model;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.specula.loader.ModelFolder;
import org.specula.tensor.DType;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.tensor.Tensor;
import org.specula.testdata.TinyModels;
import org.specula.testdata.TinyModels.Spec;

import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random tiny models of every supported shape variant, written as real HF folders, against a naive
 * double-precision Llama written here independently (no KV cache: full causal attention recomputed).
 */
class TinyModelForwardTest {
    @TempDir
    Path tmp;

    static Stream<Arguments> variants() {
        Spec tiny = Spec.tiny();
        return Stream.of(
                Arguments.of("gqa-tied-f32", tiny),
                Arguments.of("mha", tiny.withHeads(4, 4)),
                Arguments.of("mqa", tiny.withHeads(4, 1)),
                Arguments.of("head-dim-6", tiny.withHeadDim(6)),
                Arguments.of("untied", tiny.withTied(false)),
                Arguments.of("f16", tiny.withDtype(DType.F16)),
                Arguments.of("bf16", tiny.withDtype(DType.BF16)),
                Arguments.of("sharded", tiny.withShards(3)),
                Arguments.of("llama3-rope", tiny.withRopeTheta(500000).withMaxPositions(64).withRopeScaling(
                        new TinyModels.Llama3RopeScaling(32, 1, 4, 16))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void logitsMatchNaiveReference(String name, Spec spec) {
        Path dir = TinyModels.write(tmp.resolve(name), spec);
        // more tokens than one block, so the single forward below also runs the chunked path
        int[] tokens = new SplittableRandom(7).ints(ForwardPass.MAX_BLOCK + 8, 0, spec.vocab()).toArray();
        int context = ForwardPass.MAX_BLOCK + 16;
        double[][] expected = naiveLogits(spec, TinyModels.weights(spec), tokens);
        for (String kernelsName : new String[]{"scalar", "auto"}) {
            try (Kernels kernels = KernelsFactory.create(kernelsName, 2); ModelFolder folder = ModelFolder.open(dir)) {
                for (Tensor t : folder.tensors().values()) {
                    assertTrue(t.data().isMapped(), "weights are mapped, not copied: " + t.name());
                }
                Llama llama = Llama.load(folder, kernels);
                int vocab = spec.vocab();
                // the reference checks the weights' arithmetic, so with an F32 cache; the model's default cache (the
                // weights' dtype) must be block invariant as well
                for (DType kv : java.util.EnumSet.of(DType.F32, llama.defaultKvDType())) {
                    float[] block = new float[tokens.length * vocab];
                    llama.newForwardPass(context, kv)
                            .forward(tokens, 0, tokens.length, ForwardPass.Logits.ALL, block);
                    for (int p = 0; kv == DType.F32 && p < tokens.length; p++) {
                        for (int v = 0; v < vocab; v++) {
                            double e = expected[p][v];
                            double a = block[p * vocab + v];
                            assertTrue(Math.abs(e - a) <= 2e-4 + 2e-4 * Math.abs(e), name + " " + kernels.name()
                                    + ": logit[" + p + "][" + v + "] = " + a + ", reference " + e);
                        }
                    }
                    // the same positions one at a time, and in uneven blocks, give bit-identical logits
                    ForwardPass pass = llama.newForwardPass(context, kv);
                    float[] one = new float[vocab];
                    for (int p = 0; p < tokens.length; p++) {
                        pass.forward(tokens, p, 1, ForwardPass.Logits.LAST, one);
                        float[] inBlock = java.util.Arrays.copyOfRange(block, p * vocab, (p + 1) * vocab);
                        assertArrayEquals(inBlock, one, name + " " + kernels.name() + " " + kv + " cache: position "
                                + p + " alone differs from inside the block");
                    }
                    pass.truncate(0);
                    float[] chunked = new float[block.length];
                    for (int p = 0, size = 1; p < tokens.length; p += size, size = size % 5 + 1) {
                        int n = Math.min(size, tokens.length - p);
                        float[] part = new float[n * vocab];
                        pass.forward(tokens, p, n, ForwardPass.Logits.ALL, part);
                        System.arraycopy(part, 0, chunked, p * vocab, part.length);
                    }
                    assertArrayEquals(block, chunked, name + " " + kernels.name() + " " + kv
                            + " cache: blocks of 1..5 differ");
                }
            }
        }
    }

    /** commonPrefix is the length of the longest prefix the cache holds, for every mismatch place and length. */
    @org.junit.jupiter.api.Test
    void commonPrefixIsTheLongestPrefixTheCacheHolds() {
        Spec spec = Spec.tiny();
        Path dir = TinyModels.write(tmp.resolve("prefix"), spec);
        try (Kernels kernels = KernelsFactory.create("scalar", 1); ModelFolder folder = ModelFolder.open(dir)) {
            ForwardPass pass = Llama.load(folder, kernels).newForwardPass(64);
            int[] fed = new SplittableRandom(11).ints(40, 0, spec.vocab()).toArray();
            pass.forward(fed, 0, fed.length, ForwardPass.Logits.NONE, null);
            for (int cached : new int[]{40, 23, 0}) {
                pass.truncate(cached);
                for (int n = 0; n <= 50; n++) {
                    for (int differ = -1; differ < n; differ += 7) {
                        int[] tokens = java.util.Arrays.copyOf(fed, 50);
                        if (differ >= 0) tokens[differ] = (tokens[differ] + 1) % spec.vocab();
                        int expected = 0;
                        while (expected < Math.min(n, cached) && tokens[expected] == fed[expected]) expected++;
                        org.junit.jupiter.api.Assertions.assertEquals(expected, pass.commonPrefix(tokens, n),
                                "cached " + cached + ", n " + n + ", differing at " + differ);
                    }
                }
            }
        }
    }

    /** logits[T][vocab] of a plain double-precision Llama forward over the whole sequence. */
    static double[][] naiveLogits(Spec s, Map<String, float[]> w, int[] tokens) {
        int dim = s.hidden();
        int hd = s.effectiveHeadDim();
        int heads = s.heads();
        int kvHeads = s.kvHeads();
        int seq = tokens.length;
        double[][] x = new double[seq][dim];
        float[] embed = w.get("model.embed_tokens.weight");
        for (int t = 0; t < seq; t++) {
            for (int i = 0; i < dim; i++) {
                x[t][i] = embed[tokens[t] * dim + i];
            }
        }
        double[] inv = inverseFrequencies(s);
        for (int l = 0; l < s.layers(); l++) {
            String p = "model.layers." + l + ".";
            double[][] q = new double[seq][];
            double[][] k = new double[seq][];
            double[][] v = new double[seq][];
            for (int t = 0; t < seq; t++) {
                double[] xb = rmsnorm(x[t], w.get(p + "input_layernorm.weight"), s.rmsNormEps());
                q[t] = rope(mul(w.get(p + "self_attn.q_proj.weight"), xb, heads * hd), heads, hd, t, inv);
                k[t] = rope(mul(w.get(p + "self_attn.k_proj.weight"), xb, kvHeads * hd), kvHeads, hd, t, inv);
                v[t] = mul(w.get(p + "self_attn.v_proj.weight"), xb, kvHeads * hd);
            }
            for (int t = 0; t < seq; t++) {
                double[] att = new double[heads * hd];
                for (int h = 0; h < heads; h++) {
                    int kvh = h / (heads / kvHeads);
                    double[] scores = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u <= t; u++) {
                        double dot = 0;
                        for (int i = 0; i < hd; i++) {
                            dot += q[t][h * hd + i] * k[u][kvh * hd + i];
                        }
                        scores[u] = dot / Math.sqrt(hd);
                        max = Math.max(max, scores[u]);
                    }
                    double sum = 0;
                    for (int u = 0; u <= t; u++) {
                        scores[u] = Math.exp(scores[u] - max);
                        sum += scores[u];
                    }
                    for (int u = 0; u <= t; u++) {
                        for (int i = 0; i < hd; i++) {
                            att[h * hd + i] += scores[u] / sum * v[u][kvh * hd + i];
                        }
                    }
                }
                add(x[t], mul(w.get(p + "self_attn.o_proj.weight"), att, dim));
                double[] xb = rmsnorm(x[t], w.get(p + "post_attention_layernorm.weight"), s.rmsNormEps());
                double[] gate = mul(w.get(p + "mlp.gate_proj.weight"), xb, s.intermediate());
                double[] up = mul(w.get(p + "mlp.up_proj.weight"), xb, s.intermediate());
                for (int i = 0; i < gate.length; i++) {
                    gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                }
                add(x[t], mul(w.get(p + "mlp.down_proj.weight"), gate, dim));
            }
        }
        float[] head = w.containsKey("lm_head.weight") ? w.get("lm_head.weight") : embed;
        double[][] logits = new double[seq][];
        for (int t = 0; t < seq; t++) {
            logits[t] = mul(head, rmsnorm(x[t], w.get("model.norm.weight"), s.rmsNormEps()), s.vocab());
        }
        return logits;
    }

    static double[] inverseFrequencies(Spec s) {
        int hd = s.effectiveHeadDim();
        double[] inv = new double[hd / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = Math.pow(s.ropeTheta(), -2.0 * i / hd);
            TinyModels.Llama3RopeScaling r = s.ropeScaling();
            if (r != null) { // transformers' _compute_llama3_parameters
                double wavelen = 2 * Math.PI / inv[i];
                double lowWavelen = r.originalMaxPositions() / r.lowFreqFactor();
                double highWavelen = r.originalMaxPositions() / r.highFreqFactor();
                double scaled = wavelen > lowWavelen ? inv[i] / r.factor() : inv[i];
                if (wavelen >= highWavelen && wavelen <= lowWavelen) {
                    double smooth = (r.originalMaxPositions() / wavelen - r.lowFreqFactor())
                            / (r.highFreqFactor() - r.lowFreqFactor());
                    scaled = (1 - smooth) * inv[i] / r.factor() + smooth * inv[i];
                }
                inv[i] = scaled;
            }
        }
        return inv;
    }

    static double[] rmsnorm(double[] x, float[] weight, double eps) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double scale = 1 / Math.sqrt(ss / x.length + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * weight[i];
        }
        return out;
    }

    static double[] mul(float[] w, double[] x, int rows) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < x.length; c++) {
                out[r] += w[r * x.length + c] * x[c];
            }
        }
        return out;
    }

    /** Rotate-half RoPE: pairs (i, i + hd/2) of each head. */
    static double[] rope(double[] v, int heads, int hd, int pos, double[] inv) {
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd / 2; i++) {
                double c = Math.cos(pos * inv[i]);
                double sn = Math.sin(pos * inv[i]);
                double a = v[h * hd + i];
                double b = v[h * hd + i + hd / 2];
                v[h * hd + i] = a * c - b * sn;
                v[h * hd + i + hd / 2] = b * c + a * sn;
            }
        }
        return v;
    }

    static void add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }
}
