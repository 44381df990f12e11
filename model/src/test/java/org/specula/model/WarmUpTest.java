package org.specula.model;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.specula.loader.ModelFolder;
import org.specula.tensor.DType;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.testdata.TinyModels;
import org.specula.testdata.TinyModels.Spec;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link ForwardPass#warmUp} changes no value: a pass that warmed up computes the same bits as one that did not (the
 * warm-up runs the kernels on scratch arrays and on slices of the weights, and the kernels give the same bits in
 * every JIT tier), and leaves its own cache empty.
 */
class WarmUpTest {
    @TempDir
    Path tmp;

    static Stream<Arguments> variants() {
        Spec tiny = Spec.tiny().withHidden(64).withIntermediate(1100).withHeads(4, 2); // rows long and short
        return Stream.of(
                Arguments.of("f32", tiny),
                Arguments.of("bf16", tiny.withDtype(DType.BF16)),
                Arguments.of("f16", tiny.withDtype(DType.F16)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void warmedPassComputesTheSameBits(String name, Spec spec) {
        Path dir = TinyModels.write(tmp.resolve(name), spec);
        int prompt = 40; // above the widening threshold of BF16 blocks, below one chunk
        int[] tokens = new SplittableRandom(11).ints(prompt + 3, 0, spec.vocab()).toArray();
        try (Kernels kernels = KernelsFactory.create("auto", 2); ModelFolder folder = ModelFolder.open(dir)) {
            Llama llama = Llama.load(folder, kernels);
            float[] cold = run(llama.newForwardPass(64), tokens, prompt, spec.vocab());
            ForwardPass warm = llama.newForwardPass(64);
            warm.warmUp(prompt, 1, 5);
            assertEquals(0, warm.length(), "warm-up leaves the cache empty");
            warm.warmUp(prompt, 1); // block sizes already warmed: nothing to do
            assertArrayEquals(cold, run(warm, tokens, prompt, spec.vocab()));
        }
    }

    /** Logits of every prompt position, then of three single-token steps and one 5-token block after it. */
    private static float[] run(ForwardPass pass, int[] tokens, int prompt, int vocab) {
        float[] all = new float[(prompt + 3 + 5) * vocab];
        float[] block = new float[prompt * vocab];
        pass.forward(tokens, 0, prompt, ForwardPass.Logits.ALL, block);
        System.arraycopy(block, 0, all, 0, block.length);
        float[] last = new float[vocab];
        for (int i = 0; i < 3; i++) {
            pass.forward(tokens, prompt + i, 1, ForwardPass.Logits.LAST, last);
            System.arraycopy(last, 0, all, (prompt + i) * vocab, vocab);
        }
        pass.truncate(prompt - 2); // a verification-sized block over positions the cache held
        float[] five = new float[5 * vocab];
        pass.forward(tokens, prompt - 2, 5, ForwardPass.Logits.ALL, five);
        System.arraycopy(five, 0, all, (prompt + 3) * vocab, five.length);
        return all;
    }
}
