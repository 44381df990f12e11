package org.specula.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Plain loops with double accumulation: the oracle. Single-threaded and slow on purpose, so that it stays obviously
 * right. Every reduction runs left to right over one row, independent of how many rows are computed together.
 */
public final class ScalarKernels implements Kernels {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int threads() {
        return 1;
    }

    @Override
    public void matmul(float[] out, Tensor w, float[] x, int rows) {
        int outDim = w.dim(0);
        int inDim = w.dim(1);
        MemorySegment data = w.data();
        for (int d = 0; d < outDim; d++) {
            long rowBase = (long) d * inDim;
            for (int t = 0; t < rows; t++) {
                int xOff = t * inDim;
                double sum = 0;
                switch (w.dtype()) {
                    case F32 -> {
                        for (int j = 0; j < inDim; j++) {
                            sum += (double) data.getAtIndex(Tensor.F32_LE, rowBase + j) * x[xOff + j];
                        }
                    }
                    case BF16 -> {
                        for (int j = 0; j < inDim; j++) {
                            float wj = DType.bf16ToFloat(data.getAtIndex(Tensor.I16_LE, rowBase + j));
                            sum += (double) wj * x[xOff + j];
                        }
                    }
                    case F16 -> {
                        for (int j = 0; j < inDim; j++) {
                            float wj = Float.float16ToFloat(data.getAtIndex(Tensor.I16_LE, rowBase + j));
                            sum += (double) wj * x[xOff + j];
                        }
                    }
                    default -> throw new SpeculaException("matmul: tensor " + w.name() + " has dtype " + w.dtype()
                            + "; weights must be F32, F16 or BF16");
                }
                out[t * outDim + d] = (float) sum;
            }
        }
    }

    @Override
    public void rmsnorm(float[] out, float[] x, float[] weight, int rows, int n, float eps) {
        for (int t = 0; t < rows; t++) {
            int off = t * n;
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ss += (double) x[off + i] * x[off + i];
            }
            double scale = 1.0 / Math.sqrt(ss / n + eps);
            for (int i = 0; i < n; i++) {
                out[off + i] = (float) (weight[i] * (x[off + i] * scale));
            }
        }
    }

    @Override
    public void ropeInPlace(float[] vec, int rows, int nHeads, int headDim, int startPos, float[] cos, float[] sin) {
        for (int t = 0; t < rows; t++) {
            rope(vec, t, nHeads, headDim, (startPos + t) * (headDim / 2), cos, sin);
        }
    }

    @Override
    public void ropeInPlace(float[] vec, int rows, int nHeads, int headDim, int[] positions, float[] cos,
                            float[] sin) {
        for (int t = 0; t < rows; t++) { // row t alone at its position: the startPos version's loop, the same bits
            rope(vec, t, nHeads, headDim, positions[t] * (headDim / 2), cos, sin);
        }
    }

    /** Row t of vec rotated by the table row at element index table (position · headDim/2). */
    private static void rope(float[] vec, int t, int nHeads, int headDim, int table, float[] cos, float[] sin) {
        int half = headDim / 2;
        for (int h = 0; h < nHeads; h++) {
            int base = (t * nHeads + h) * headDim;
            for (int i = 0; i < half; i++) {
                double c = cos[table + i];
                double s = sin[table + i];
                double a = vec[base + i];
                double b = vec[base + i + half];
                vec[base + i] = (float) (a * c - b * s);
                vec[base + i + half] = (float) (b * c + a * s);
            }
        }
    }

    @Override
    public void softmaxInPlace(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp((double) x[off + i] - max);
            x[off + i] = (float) e;
            sum += e;
        }
        for (int i = 0; i < n; i++) {
            x[off + i] = (float) (x[off + i] / sum);
        }
    }

    @Override
    public void swigluInPlace(float[] gate, float[] up, int n) {
        swiglu(gate, up, 0, n);
    }

    /** gate[i] = silu(gate[i]) · up[i] for i in [from, to), in double: the oracle the SIMD float version is held to. */
    private static void swiglu(float[] gate, float[] up, int from, int to) {
        for (int i = from; i < to; i++) {
            double g = gate[i];
            gate[i] = (float) (g / (1.0 + Math.exp(-g)) * up[i]);
        }
    }

    @Override
    public void addInPlace(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            x[i] += y[i];
        }
    }

    @Override
    public void attention(float[] out, float[] q, KvLayer kv, int rows, int startPos, int nHeads) {
        int headDim = kv.headDim();
        int group = nHeads / kv.nKvHeads();
        double scale = 1.0 / Math.sqrt(headDim);
        double[] att = new double[startPos + rows]; // the oracle may allocate: it is never on a hot path
        for (int t = 0; t < rows; t++) {
            int len = startPos + t + 1; // causal: positions 0 .. startPos+t
            for (int h = 0; h < nHeads; h++) {
                attendRow(out, q, (t * nHeads + h) * headDim, kv, h / group, null, len, att, scale);
            }
        }
    }

    /** {@link #attention}'s row over the positions of row t's list: the prefix, then its ancestors' slots. */
    @Override
    public void treeAttention(float[] out, float[] q, KvLayer kv, int rows, int startPos, int nHeads,
                              int[] parents) {
        if (parents.length < rows) {
            throw new IllegalArgumentException("tree attention over " + rows + " rows with " + parents.length
                    + " parents");
        }
        int headDim = kv.headDim();
        int group = nHeads / kv.nKvHeads();
        double scale = 1.0 / Math.sqrt(headDim);
        double[] att = new double[startPos + rows];
        int[] path = new int[rows];
        int[] seen = new int[startPos + rows]; // row t's positions, in the order a contiguous cache holds them
        for (int s = 0; s < startPos; s++) {
            seen[s] = s;
        }
        for (int t = 0; t < rows; t++) {
            int len = startPos + Kernels.ancestorPath(parents, t, path);
            for (int s = startPos; s < len; s++) {
                seen[s] = startPos + path[s - startPos];
            }
            for (int h = 0; h < nHeads; h++) {
                attendRow(out, q, (t * nHeads + h) * headDim, kv, h / group, seen, len, att, scale);
            }
        }
    }

    /**
     * One query head's attention in double over len cache positions, positions[s] (or s itself when positions is
     * null) in that order: the one order both attention and treeAttention sum in, so a tree row equals its path's.
     */
    private static void attendRow(float[] out, float[] q, int qOff, KvLayer kv, int kvHead, int[] positions, int len,
                                  double[] att, double scale) {
        int headDim = kv.headDim();
        double max = Double.NEGATIVE_INFINITY;
        for (int s = 0; s < len; s++) {
            int p = positions == null ? s : positions[s];
            double dot = 0;
            for (int i = 0; i < headDim; i++) {
                dot += (double) q[qOff + i] * kv.key(kvHead, p, i);
            }
            att[s] = dot * scale;
            max = Math.max(max, att[s]);
        }
        double sum = 0;
        for (int s = 0; s < len; s++) {
            att[s] = Math.exp(att[s] - max);
            sum += att[s];
        }
        for (int i = 0; i < headDim; i++) {
            double acc = 0;
            for (int s = 0; s < len; s++) {
                acc += att[s] * kv.value(kvHead, positions == null ? s : positions[s], i);
            }
            out[qOff + i] = (float) (acc / sum);
        }
    }
}
