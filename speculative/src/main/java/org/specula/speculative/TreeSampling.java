package org.specula.speculative;

import java.util.Arrays;
import java.util.function.IntUnaryOperator;
import org.specula.sampling.Uniforms;
import org.specula.speculative.SpeculativeSampling.TargetRows;

/**
 * The acceptance rule for a {@link DraftTree} of deterministic candidates (one-hot drafts), pure maths on rows. p is
 * the target's processed law (Leviathan's letter, as in {@link SpeculativeSampling}); row 0 is p at the root (the last
 * committed token), row 1 + i is p after the path to node i.
 *
 * <p><b>The rule.</b> Start at the root with depth d = 0. At the current node, draw y = sample(p, u[d]), the
 * inverse-CDF draw of p in token order ({@link org.specula.sampling.Sampler#sample}). If a child of the node carries
 * y, that child is <b>accepted</b>: it becomes the current node, with its own row and u[d + 1]. Otherwise y is
 * emitted and the step ends: a <b>residual</b> token when the node had children (then y is none of them), the
 * <b>bonus</b> token when it had none. The committed tokens are the accepted path's tokens, then y.
 *
 * <p><b>Why the law is the target's.</b> At every node the next committed token is y, drawn from that node's p with a
 * uniform no earlier decision has read. Whether the walk goes on only decides which row gives the token after y: the
 * row of y's node, which is by definition p given the path so far. So each committed token has law p given the tokens
 * before it, and by induction the committed sequence has the target's autoregressive law, whatever the tree. In the
 * handed-over terms: child x is accepted with probability p(x); once the tried children are out, the token comes from
 * p without them, renormalised. That is the sequential rule (accept x iff u &lt; p(x), else u ← (u − p(x)) / (1 −
 * p(x)) and remove x) with the candidates moved to the front of the CDF; drawing in token order gives each token the
 * probability that rule gives it, keeps the sibling order out of the outcome, and needs neither a division nor a
 * remainder of mass, so p(x) = 1, p(x) = 0 and round-off are {@code Sampler.sample}'s cases (a zero-probability token
 * is never y). A candidate outside the vocabulary is never drawn, so never accepted.
 *
 * <p><b>Plain decoding, token for token.</b> The decoder takes u[d] = {@code Uniforms.at(seed, L + d, SAMPLE)}, L the
 * committed length: the uniform {@code PlainDecoder} draws position L + d with. Then y is the very token plain decoding
 * draws there, so tree output is token-identical to plain decoding at any temperature, and a chain gives the verdict
 * of {@link SpeculativeSampling#verify} with one-hot draft rows. Each position's uniform is read by at most one
 * decision in the whole run (a step commits every position it read), so the u's are independent, and reproducible
 * from the seed.
 */
public final class TreeSampling {
    private TreeSampling() {}

    /**
     * The outcome of one step, reusable (sized for paths of up to {@code capacity} nodes): the accepted nodes
     * {@code path()[0 .. length())} from the root's child down, then the emitted token, which is the bonus token when
     * the last accepted node (the root when none) has no children.
     */
    public static final class TreeVerdict {
        private final int[] path; // [capacity] node indices, root's child first
        private int length, emittedToken;
        private boolean bonus;

        public TreeVerdict(int capacity) {
            this.path = new int[capacity];
        }

        /** The accepted nodes, root's child first; entries from {@link #length()} on are stale. */
        public int[] path() {
            return path;
        }

        public int length() {
            return length;
        }

        public int emittedToken() {
            return emittedToken;
        }

        public boolean bonus() {
            return bonus;
        }

        /** The committed tokens: the path's tokens, then the emitted one (allocates; for tests and callers at rest). */
        public int[] committedTokens(DraftTree tree) {
            int[] out = new int[length + 1];
            for (int i = 0; i < length; i++) out[i] = tree.tokens()[path[i]];
            out[length] = emittedToken;
            return out;
        }

        private TreeVerdict set(int length, int emittedToken, boolean bonus) {
            this.length = length;
            this.emittedToken = emittedToken;
            this.bonus = bonus;
            return this;
        }

        @Override
        public String toString() {
            return "TreeVerdict[path=" + Arrays.toString(Arrays.copyOf(path, length)) + ", emittedToken="
                    + emittedToken + ", bonus=" + bonus + "]";
        }
    }

    /** {@link #verify(DraftTree, TargetRows, double[], TreeVerdict)} into a new verdict. */
    public static TreeVerdict verify(DraftTree tree, TargetRows rows, double[] u) {
        return verify(tree, rows, u, new TreeVerdict(tree.count()));
    }

    /**
     * Walks the tree by the rule in the class comment. rows gives row 0 (the root) and row 1 + i (node i); only the
     * rows of the root and the accepted nodes are asked for, each once, through {@link TargetRows#draw}. u[d] in
     * [0, 1) is the uniform of depth d, for d = 0 .. tree.maxDepth(). Allocates nothing.
     */
    public static TreeVerdict verify(DraftTree tree, TargetRows rows, double[] u, TreeVerdict out) {
        int maxDepth = checkShapes(tree, out);
        if (u.length <= maxDepth) {
            throw new IllegalArgumentException("a tree of depth " + maxDepth + " needs " + (maxDepth + 1)
                    + " uniforms, got " + u.length);
        }
        int node = DraftTree.ROOT, length = 0;
        while (true) {
            int token = rows.draw(node + 1, u[length]);
            int child = tree.child(node, token);
            if (child < 0) return out.set(length, token, tree.firstChild(node) < 0);
            out.path[length++] = child;
            node = child;
        }
    }

    /** {@link #verifyGreedy(DraftTree, IntUnaryOperator, TreeVerdict)} into a new verdict. */
    public static TreeVerdict verifyGreedy(DraftTree tree, IntUnaryOperator targetToken) {
        return verifyGreedy(tree, targetToken, new TreeVerdict(tree.count()));
    }

    /**
     * {@link #verify} for a greedy target, whose law at row r is one-hot at {@code targetToken.applyAsInt(r)}: walk
     * into the child that carries the target's token while there is one, and emit the target's token where the walk
     * stops. A one-hot row draws its token for every u, so this is verify's verdict, without building rows.
     */
    public static TreeVerdict verifyGreedy(DraftTree tree, IntUnaryOperator targetToken, TreeVerdict out) {
        checkShapes(tree, out);
        int node = DraftTree.ROOT, length = 0;
        while (true) {
            int token = targetToken.applyAsInt(node + 1);
            int child = tree.child(node, token);
            if (child < 0) return out.set(length, token, tree.firstChild(node) < 0);
            out.path[length++] = child;
            node = child;
        }
    }

    /** The tree's depth, once the verdict is known to hold a path that deep. */
    private static int checkShapes(DraftTree tree, TreeVerdict out) {
        int maxDepth = tree.maxDepth();
        if (out.path.length < maxDepth) {
            throw new IllegalArgumentException("a tree of depth " + maxDepth + " needs a verdict for paths of "
                    + maxDepth + " nodes, got one for " + out.path.length);
        }
        return maxDepth;
    }

    /** The uniform of depth d when L tokens are committed: the one plain decoding draws position L + d with. */
    public static double uniform(long seed, int committedLength, int depth) {
        return Uniforms.at(seed, committedLength + (long) depth, Uniforms.SAMPLE);
    }
}
