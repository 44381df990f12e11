package org.specula.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.loader.ModelFolder;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.testdata.TinyModels;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A token tree fed as one block ({@link ForwardPass#forwardTree}) gives every node the logits and hidden state of a
 * plain forward over the prefix and that node's root-to-node path (bit-exact on the scalar backend, 1e-5 on SIMD), and
 * {@link ForwardPass#keepPath} leaves the cache a forward over the prefix and the kept path would leave.
 */
class TreeForwardTest {
    @TempDir
    Path tmp;

    /** Random trees: row 0 the root (parent −1), every other row's parent a random earlier row. */
    static int[] randomParents(SplittableRandom r, int rows) {
        int[] parents = new int[rows];
        parents[0] = -1;
        for (int t = 1; t < rows; t++) {
            parents[t] = r.nextInt(t);
        }
        return parents;
    }

    static int[] path(int[] parents, int t) {
        int n = 0;
        for (int a = t; a >= 0; a = parents[a]) {
            n++;
        }
        int[] path = new int[n];
        for (int a = t; a >= 0; a = parents[a]) {
            path[--n] = a;
        }
        return path;
    }

    @Test
    void everyNodeGetsThePlainForwardOfItsPath() {
        TinyModels.Spec spec = TinyModels.Spec.tiny();
        Path dir = TinyModels.write(tmp.resolve("tiny"), spec);
        int vocab = spec.vocab();
        int dim = spec.hidden();
        for (String kernelsName : new String[]{"scalar", "auto"}) {
            boolean exact = kernelsName.equals("scalar");
            try (Kernels kernels = KernelsFactory.create(kernelsName, 2); ModelFolder folder = ModelFolder.open(dir)) {
                Llama llama = Llama.load(folder, kernels);
                SplittableRandom r = new SplittableRandom(3);
                for (int trial = 0; trial < 12; trial++) {
                    int prefix = trial == 0 ? 0 : 1 + r.nextInt(40);
                    int rows = 1 + r.nextInt(16);
                    int[] tokens = r.ints(prefix + rows, 0, vocab).toArray();
                    int[] parents = randomParents(r, rows);
                    ForwardPass pass = llama.newForwardPass(128);
                    if (prefix > 0) {
                        pass.forward(tokens, 0, prefix, ForwardPass.Logits.NONE, null);
                    }
                    float[] logits = new float[rows * vocab];
                    float[] hidden = new float[rows * dim];
                    pass.forwardTree(tokens, prefix, rows, parents, logits, hidden, 0);
                    assertEquals(prefix + 1, pass.commonPrefix(tokens, prefix + rows), "nodes are no sequence");
                    for (int t = 0; t < rows; t++) {
                        int[] path = path(parents, t);
                        int[] sequence = Arrays.copyOf(tokens, prefix + path.length);
                        for (int i = 0; i < path.length; i++) {
                            sequence[prefix + i] = tokens[prefix + path[i]];
                        }
                        ForwardPass plain = llama.newForwardPass(128);
                        float[] all = new float[sequence.length * vocab];
                        float[] allHidden = new float[sequence.length * dim];
                        plain.forward(sequence, 0, sequence.length, ForwardPass.Logits.ALL, all, allHidden, 0);
                        float[] expected = Arrays.copyOfRange(all, (sequence.length - 1) * vocab, sequence.length * vocab);
                        float[] actual = Arrays.copyOfRange(logits, t * vocab, (t + 1) * vocab);
                        float[] expectedHidden = Arrays.copyOfRange(allHidden, (sequence.length - 1) * dim,
                                sequence.length * dim);
                        float[] actualHidden = Arrays.copyOfRange(hidden, t * dim, (t + 1) * dim);
                        String what = kernelsName + " trial " + trial + " node " + t + " path " + Arrays.toString(path);
                        if (exact) {
                            assertArrayEquals(expected, actual, what);
                            assertArrayEquals(expectedHidden, actualHidden, what);
                        } else {
                            assertArrayEquals(expected, actual, 1e-5f, what);
                            assertArrayEquals(expectedHidden, actualHidden, 1e-5f, what);
                        }
                    }
                    // keep the deepest node's path: the cache is then the plain forward's over prefix + path
                    int deepest = rows - 1;
                    int[] kept = path(parents, deepest);
                    pass.keepPath(kept, kept.length);
                    int[] sequence = Arrays.copyOf(tokens, prefix + kept.length);
                    for (int i = 0; i < kept.length; i++) {
                        sequence[prefix + i] = tokens[prefix + kept[i]];
                    }
                    assertEquals(sequence.length, pass.length());
                    assertEquals(sequence.length, pass.commonPrefix(sequence, sequence.length));
                    ForwardPass plain = llama.newForwardPass(128);
                    plain.forward(sequence, 0, sequence.length, ForwardPass.Logits.NONE, null);
                    for (int l = 0; l < spec.layers(); l++) {
                        for (int p = 0; p < sequence.length; p++) {
                            if (exact) {
                                assertArrayEquals(plain.cache().key(l, p), pass.cache().key(l, p), "key " + l + " " + p);
                                assertArrayEquals(plain.cache().value(l, p), pass.cache().value(l, p), "value");
                            } else {
                                assertArrayEquals(plain.cache().key(l, p), pass.cache().key(l, p), 1e-5f, "key");
                                assertArrayEquals(plain.cache().value(l, p), pass.cache().value(l, p), 1e-5f, "value");
                            }
                        }
                    }
                    // and the pass goes on as a sequence
                    pass.forward(tokens, 0, 1, ForwardPass.Logits.NONE, null);
                    assertTrue(pass.length() == sequence.length + 1);
                }
            }
        }
    }

    @Test
    void aTreeMustBeKeptOrDroppedBeforeTheSequenceGoesOn() {
        TinyModels.Spec spec = TinyModels.Spec.tiny();
        Path dir = TinyModels.write(tmp.resolve("tiny2"), spec);
        try (Kernels kernels = KernelsFactory.create("scalar", 1); ModelFolder folder = ModelFolder.open(dir)) {
            Llama llama = Llama.load(folder, kernels);
            ForwardPass pass = llama.newForwardPass(64);
            int[] tokens = {1, 2, 3, 4, 5};
            float[] logits = new float[5 * spec.vocab()];
            pass.forward(tokens, 0, 2, ForwardPass.Logits.NONE, null);
            pass.forwardTree(tokens, 2, 3, new int[]{-1, 0, 0}, logits, null, 0);
            assertThrows(IllegalStateException.class, () -> pass.forward(tokens, 0, 1, ForwardPass.Logits.NONE, null));
            assertThrows(IllegalArgumentException.class, () -> pass.keepPath(new int[]{0, 2, 1}, 3));
            pass.truncate(3);
            assertThrows(IllegalStateException.class, () -> pass.keepPath(new int[]{0}, 1));
            pass.forward(tokens, 3, 1, ForwardPass.Logits.NONE, null);
            assertThrows(IllegalArgumentException.class,
                    () -> pass.forwardTree(tokens, 0, 2, new int[]{0, -1}, logits, null, 0));
            assertThrows(IllegalArgumentException.class,
                    () -> pass.forwardTree(tokens, 0, pass.maxTreeRows() + 1, new int[pass.maxTreeRows() + 1],
                            new float[0], null, 0));
        }
    }
}
