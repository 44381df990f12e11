package org.specula.speculative;

import org.junit.jupiter.api.Test;
import org.specula.loader.ModelFolder;
import org.specula.model.ForwardPass;
import org.specula.model.Llama;
import org.specula.sampling.SamplingParams;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.tensor.KvLayer;
import org.specula.tensor.Tensor;
import org.specula.testdata.Samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Early exit never recomputes the target's layers below L for committed positions: a draft of k tokens runs exactly
 * k single-row passes through L layers and the head (counted at the kernels: 4 matrix products per layer, one for
 * the head, every one of one row), however long the committed sequence is.
 */
class EarlyExitWorkTest {
    /** Kernels that count matrix products and the rows they cover, and otherwise delegate. */
    static final class Counting implements Kernels {
        final Kernels inner;
        long products;
        long rows;

        Counting(Kernels inner) {
            this.inner = inner;
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public int threads() {
            return inner.threads();
        }

        @Override
        public void matmul(float[] out, Tensor w, float[] x, int rows) {
            products++;
            this.rows += rows;
            inner.matmul(out, w, x, rows);
        }

        @Override
        public void matmul(float[][] out, Tensor[] w, float[] x, int rows) {
            products++; // one grouped call: q, k, v, or gate and up
            this.rows += rows;
            inner.matmul(out, w, x, rows);
        }

        @Override
        public void rmsnorm(float[] out, float[] x, float[] weight, int rows, int n, float eps) {
            inner.rmsnorm(out, x, weight, rows, n, eps);
        }

        @Override
        public void ropeInPlace(float[] vec, int rows, int nHeads, int headDim, int startPos, float[] cos,
                                float[] sin) {
            inner.ropeInPlace(vec, rows, nHeads, headDim, startPos, cos, sin);
        }

        @Override
        public void ropeInPlace(float[] vec, int rows, int nHeads, int headDim, int[] positions, float[] cos,
                                float[] sin) {
            inner.ropeInPlace(vec, rows, nHeads, headDim, positions, cos, sin);
        }

        @Override
        public void softmaxInPlace(float[] x, int off, int n) {
            inner.softmaxInPlace(x, off, n);
        }

        @Override
        public void swigluInPlace(float[] gate, float[] up, int n) {
            inner.swigluInPlace(gate, up, n);
        }

        @Override
        public void addInPlace(float[] x, float[] y, int n) {
            inner.addInPlace(x, y, n);
        }

        @Override
        public void attention(float[] out, float[] q, KvLayer kv, int rows, int startPos, int nHeads) {
            inner.attention(out, q, kv, rows, startPos, nHeads);
        }

        @Override
        public void treeAttention(float[] out, float[] q, KvLayer kv, int rows, int startPos, int nHeads,
                                  int[] parents) {
            inner.treeAttention(out, q, kv, rows, startPos, nHeads, parents);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void aDraftStepRunsOnlyItsOwnRowsThroughTheFirstLayers() {
        try (Counting kernels = new Counting(KernelsFactory.create("auto", 1));
             ModelFolder folder = ModelFolder.open(Samples.path("models/stories260K"))) {
            Llama target = Llama.load(folder, kernels);
            int numLayers = target.config().numLayers();
            int[] committed = new PlainDecoder(target.newForwardPass(512), SamplingParams.GREEDY, 0)
                    .generate(SpeculativeDecoderTest.PROMPT, new StopCondition(60, new int[0]), t -> { }).generated();
            for (int layers = 1; layers < numLayers; layers++) {
                for (int length : new int[]{2, 20, 60}) {
                    ForwardPass pass = target.newForwardPass(512);
                    pass.forward(committed, 0, length - 1, ForwardPass.Logits.NONE, null); // the scorer's invariant
                    EarlyExitProposer proposer = new EarlyExitProposer(pass, layers, SamplingParams.GREEDY, 0);
                    for (int k : new int[]{1, 4}) {
                        kernels.products = 0;
                        kernels.rows = 0;
                        Draft draft = proposer.propose(committed, length, k);
                        long expected = (long) draft.count() * (4L * layers + 1);
                        assertEquals(expected, kernels.products, "L " + layers + ", " + length + " committed, k " + k);
                        assertEquals(expected, kernels.rows, "every product is one row: nothing is recomputed");
                        assertEquals(length - 1, pass.length());
                    }
                }
            }
        }
    }
}
