package org.specula.testdata;

import org.specula.tensor.DType;

/**
 * Random models with the shapes of real checkpoints (from their config.json), in BF16, for benchmarks: the bytes
 * per token and the matmul sizes are those of the real model, the weights are noise. Write them with
 * {@link TinyModels#write}, which streams, so a 2.5 GB model needs a few MB of heap.
 */
public final class RealShapes {
    private RealShapes() {
    }

    /** HuggingFaceTB/SmolLM2-135M: 30 layers of hidden 576, 9 heads of 64 over 3 kv heads, vocab 49152, tied. */
    public static TinyModels.Spec smolLm2_135M() {
        return new TinyModels.Spec(576, 1536, 30, 9, 3, 0, 49152, 8192, true, DType.BF16, 1, 42, 100000.0, 1e-5f,
                null);
    }

    /** HuggingFaceTB/SmolLM2-360M: 32 layers of hidden 960, 15 heads of 64 over 5 kv heads, vocab 49152, tied. */
    public static TinyModels.Spec smolLm2_360M() {
        return new TinyModels.Spec(960, 2560, 32, 15, 5, 0, 49152, 8192, true, DType.BF16, 1, 42, 100000.0, 1e-5f,
                null);
    }

    /** meta-llama/Llama-3.2-1B: 16 layers of hidden 2048, 32 heads of 64 over 8 kv heads, vocab 128256, tied. */
    public static TinyModels.Spec llama32_1B() {
        return new TinyModels.Spec(2048, 8192, 16, 32, 8, 64, 128256, 131072, true, DType.BF16, 1, 42, 500000.0,
                1e-5f, new TinyModels.Llama3RopeScaling(32.0, 1.0, 4.0, 8192));
    }
}
