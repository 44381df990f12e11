package org.specula.tensor;

/**
 * The numeric operations of a forward pass. Activations are F32 arrays on the heap, packed row-major from index 0
 * unless an offset is given; weights are read-only {@link Tensor}s of any float dtype. Output arguments come first.
 *
 * <p>Contract shared by every backend: the value of one output element never depends on {@code rows} (how many
 * positions are computed together), so logits of a position are bit-identical whether computed alone or inside a
 * block. {@link ScalarKernels} is the oracle every other backend is tested against.
 */
public interface Kernels extends AutoCloseable {

    /** Short name for logs and benchmarks: "scalar", "simd", ... */
    String name();

    /** Number of threads the backend splits work over. */
    int threads();

    /** out[t][d] = Σ_j w[d][j] · x[t][j] for t &lt; rows; w is [outDim][inDim], x is [rows][inDim], out [rows][outDim]. */
    void matmul(float[] out, Tensor w, float[] x, int rows);

    /**
     * {@link #matmul}{@code (out[i], w[i], x, rows)} for every i: several matrices with the same inDim applied to the
     * same activations (a layer's query, key and value projections; gate and up), with the same bits as the separate
     * calls. A backend may run them as one job.
     */
    default void matmul(float[][] out, Tensor[] w, float[] x, int rows) {
        for (int i = 0; i < w.length; i++) {
            matmul(out[i], w[i], x, rows);
        }
    }

    /** out[t][i] = x[t][i] / sqrt(mean(x[t]²) + eps) · weight[i] for t &lt; rows; x, out are [rows][n]; may alias. */
    void rmsnorm(float[] out, float[] x, float[] weight, int rows, int n, float eps);

    /**
     * Rotate-half RoPE in place: vec is [rows][nHeads * headDim], row t sits at position startPos + t; each head's
     * pair (i, i + headDim/2) is rotated by the angle whose cos/sin are cos[pos][i], sin[pos][i] (tables
     * [context][headDim/2]).
     */
    void ropeInPlace(float[] vec, int rows, int nHeads, int headDim, int startPos, float[] cos, float[] sin);

    /**
     * {@link #ropeInPlace(float[], int, int, int, int, float[], float[])} with row t at position positions[t] (a tree
     * block: each node at the position of its depth); a row gets the same bits as the startPos version gives it at
     * the same position.
     */
    void ropeInPlace(float[] vec, int rows, int nHeads, int headDim, int[] positions, float[] cos, float[] sin);

    /** x[off .. off+n) = softmax(x[off .. off+n)). */
    void softmaxInPlace(float[] x, int off, int n);

    /** gate[i] = silu(gate[i]) · up[i] for i &lt; n. */
    void swigluInPlace(float[] gate, float[] up, int n);

    /** x[i] += y[i] for i &lt; n. */
    void addInPlace(float[] x, float[] y, int n);

    /**
     * Causal grouped-query attention for a block of rows queries at positions startPos .. startPos+rows-1 over one
     * layer's cache kv, which already holds positions 0 .. startPos+rows-1. q and out are [rows][nHeads * headDim];
     * query head h reads KV head h / (nHeads / kv.nKvHeads()); row t attends to positions 0 .. startPos+t with scores
     * q·k / sqrt(headDim), reading keys and values as kv stores them (its dtype). Like every kernel, row t's output
     * has the same bits whatever rows is: a backend that splits the positions (into chunks merged by their running
     * maxima and sums) must draw the chunk boundaries from the positions alone.
     */
    void attention(float[] out, float[] q, KvLayer kv, int rows, int startPos, int nHeads);

    /**
     * Tree attention: a block of rows tree nodes in cache slots startPos .. startPos+rows-1, in topological order
     * (parents[t] &lt; t, or −1 for a root; several roots allowed). Row t attends to positions 0 .. startPos-1 and to
     * the slots startPos + a of its ancestor path (a = t, parents[t], parents[parents[t]], ...), visited in
     * increasing order: its output has the bits {@link #attention} gives the same query at position startPos + d
     * (d = t's depth) over a cache holding the prefix and then that path contiguously, i.e. a plain causal forward
     * over the node's root-to-node path. Shapes, GQA and the row-count invariance are {@link #attention}'s; the
     * chain parents {-1, 0, 1, ...} give attention's bits. Chains should call {@link #attention}, which is faster.
     */
    void treeAttention(float[] out, float[] q, KvLayer kv, int rows, int startPos, int nHeads, int[] parents);

    /**
     * The path of tree node t, root first, into path[0 ..) (parents as in {@link #treeAttention}); returns its
     * length, depth + 1. Throws IllegalArgumentException for a parent that is not −1 or below its child.
     */
    static int ancestorPath(int[] parents, int t, int[] path) {
        int n = 0;
        for (int a = t; a >= 0; a = parents[a]) {
            if (parents[a] >= a || parents[a] < -1) {
                throw new IllegalArgumentException("tree node " + a + " has parent " + parents[a]
                        + "; parents must be -1 or below their child");
            }
            n++;
        }
        int i = n;
        for (int a = t; a >= 0; a = parents[a]) {
            path[--i] = a;
        }
        return n;
    }

    /** Releases threads; the default backend holds none. */
    @Override
    default void close() {
    }
}
