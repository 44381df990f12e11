package org.specula.speculative;

import org.specula.model.ChainHead;
import org.specula.sampling.Sampler;
import org.specula.sampling.SamplingParams;
import org.specula.sampling.Uniforms;

/**
 * Chain drafting with a one-layer head over the target's hidden states ({@link ChainHead}: EAGLE or MTP). The head's
 * position j reads the token committed[j + 1] and the target's feature f_j, so when committed[0..length) are
 * committed its positions 0 .. length − 2 can be fed true features, and the output at length − 2 drafts the token at
 * length. Each further draft feeds the next position with the last draft and the head's own output y in place of the
 * feature. Drafts are drawn from the head's processed distribution (argmax at temperature 0) with the uniform keyed
 * by (seed, absolute position, DRAFT), which is their q row. With pMin &gt; 0 drafting stops before the first token
 * whose softmax under the head gives it less than pMin, as {@link DraftModelProposer} does.
 *
 * <p>Between steps the head's cache holds true positions of committed tokens only: the chained ones are dropped
 * before propose returns, onCommit drops those whose token is no longer committed (a new prompt keeps what it
 * shares), and the next step feeds the positions the target has since committed (the accepted drafts get their true
 * features then).
 *
 * <p>With tree widths W_1, W_2, … ({@code --tree}, static trees) the draft is a {@link DraftTree}: depth 1's nodes are
 * the W_1 tokens the last true position's logits rank highest; each node of depth d gets the W_{d+1} best tokens of
 * the head run on it (its token, and its parent's output y as the feature, at the position of its depth), so every
 * branch is drafted on its own. Depth by depth, the nodes grown so far run as one tree block of the head
 * ({@link ChainHead.Pass#feedTree}: each attends to the true positions and its ancestors), recomputed whole, which for
 * a one-layer head over tens of nodes costs less than keeping them apart; the block goes before propose returns.
 * Candidates are deterministic, so the tree rule keeps plain decoding's output (pMin does not apply). Dynamic trees
 * ({@link TreeShape#dynamic}) grow a pool the same way, see {@link DynamicTrees}.
 */
abstract sealed class ChainHeadProposer implements Proposer permits EagleProposer, MtpProposer {
    private final ChainScorer scorer;
    private final ChainHead.Pass pass;
    private final SamplingParams params;
    private final long seed;
    private final double pMin;
    private final int vocab;
    private final int dim;
    private final float[] logits;       // [vocab] the head's, of its last fed position
    private final float[] y;            // [dim] the head's output at its last fed position
    private int[] draftTokens = new int[0];
    private double[][] draftProbs = new double[0][];
    private long forwardNanos;
    private final int[] widths;         // static tree widths per depth; null: chains or dynamic trees
    private final int treeNodes;        // a dynamic tree's nodes; 0: chains or static trees
    private final int[][] candidates;   // [depth][width] one node's children, best first
    private final float[][] scores;     // [depth][width] their logits
    private int[] treeTokens = new int[0];
    private int[] treeParents = new int[0];
    private float[] treeFeatures = new float[0]; // [nodes][dim] each node's input feature
    private float[] treeY = new float[0];        // [nodes][dim] each node's output
    private float[] treeLogits = new float[0];   // [nodes][vocab]
    private int[] poolTokens = new int[0];       // a dynamic tree's candidates, their parents, depths and scores
    private int[] poolParents = new int[0];
    private int[] poolDepths = new int[0];
    private float[] poolScores = new float[0];   // cumulative log-probability under the head
    private boolean[] chosen = new boolean[0];
    private int[] poolOf = new int[0];
    private final int[] expandTop = new int[DynamicTrees.EXPAND];
    private final float[] expandBest = new float[DynamicTrees.EXPAND];
    private final int[] expandNodes = new int[DynamicTrees.EXPAND];

    ChainHeadProposer(ChainScorer scorer, ChainHead head, ChainHead.Kind kind, SamplingParams params, long seed,
                      double pMin, TreeShape tree) {
        this.widths = tree == null ? null : tree.widths();
        this.treeNodes = tree == null ? 0 : tree.nodes();
        this.candidates = widths == null ? new int[0][] : new int[widths.length][];
        this.scores = new float[candidates.length][];
        for (int d = 0; d < candidates.length; d++) {
            candidates[d] = new int[widths[d]];
            scores[d] = new float[widths[d]];
        }
        DraftModelProposer.checkPMin(pMin);
        this.pMin = pMin;
        if (head.kind() != kind) {
            throw new IllegalArgumentException("a " + getClass().getSimpleName() + " needs a " + kind + " head, not "
                    + head.kind());
        }
        this.scorer = scorer;
        this.pass = head.newPass(scorer.target().context());
        this.params = params;
        this.seed = seed;
        this.vocab = scorer.target().model().config().vocabSize();
        this.dim = scorer.target().model().config().hiddenSize();
        this.logits = new float[vocab];
        this.y = new float[dim];
        scorer.features(); // refuses a scorer that keeps none
    }

    @Override
    public Draft propose(int[] committed, int length, int k) {
        int last = FeatureChecks.lastFeature(scorer, length);
        k = Math.min(k, pass.context() - last); // positions last .. last + k − 1
        if (k <= 0) {
            return new Draft(draftTokens, draftProbs, 0);
        }
        if (widths != null) {
            return proposeTree(committed, length, k, last);
        }
        if (treeNodes > 0) {
            return proposeDynamicTree(committed, length, k, last);
        }
        if (draftTokens.length < k) {
            draftTokens = new int[k];
            draftProbs = new double[k][vocab];
        }
        long start = System.nanoTime();
        feedTruePositions(committed, last);
        for (int i = 0; i < k; i++) {
            int token = Sampler.sampleDistribution(draftProbs[i], logits, 0, vocab, params,
                    Uniforms.at(seed, length + i, Uniforms.DRAFT));
            if (pMin > 0 && DraftModelProposer.softmaxProbability(logits, vocab, token) < pMin) {
                k = i;
                break;
            }
            draftTokens[i] = token;
            if (i + 1 < k) {
                pass.feed(draftTokens, i, y, 0, 1, y, logits);
            }
        }
        forwardNanos += System.nanoTime() - start;
        pass.truncate(last + 1); // the chained positions go: their features were the head's own
        return new Draft(draftTokens, draftProbs, k);
    }

    /**
     * Feeds the true positions up to last, leaving its y and logits: position j was fed committed[j + 1], and the last
     * is always fed again, for its output.
     */
    private void feedTruePositions(int[] committed, int last) {
        int keep = Math.min(pass.commonPrefix(committed, 1, last + 1), last);
        pass.truncate(keep);
        pass.feed(committed, keep + 1, scorer.features(), keep * dim, last + 1 - keep, y, logits);
    }

    /** The static tree, cut to k deep and to what the target's context and block and the head's block hold. */
    private Draft proposeTree(int[] committed, int length, int k, int last) {
        int room = Math.min(Math.min(scorer.target().context() - length, scorer.target().maxTreeRows() - 1),
                Math.min(pass.maxTreeRows(), pass.context() - last - 1));
        int[] cut = StaticTrees.cut(widths, k, room);
        int depth = cut[0];
        int nodes = cut[1];
        long start = System.nanoTime();
        feedTruePositions(committed, last);
        if (depth == 0) {
            forwardNanos += System.nanoTime() - start;
            return Draft.EMPTY;
        }
        if (treeTokens.length < nodes) {
            treeTokens = new int[nodes];
            treeParents = new int[nodes];
            treeFeatures = new float[nodes * dim];
            treeY = new float[nodes * dim];
            treeLogits = new float[nodes * vocab];
        }
        StaticTrees.topTokens(logits, 0, vocab, candidates[0], scores[0]);
        int n = 0;
        for (int c : candidates[0]) {
            treeTokens[n] = c;
            treeParents[n++] = DraftTree.ROOT;
        }
        for (int d = 1, levelStart = 0; d < depth; d++) {
            int levelEnd = n;
            for (int i = 0; i < levelEnd; i++) { // a node's feature: its parent's output, or the last true one's
                int parent = treeParents[i];
                System.arraycopy(parent < 0 ? y : treeY, parent < 0 ? 0 : parent * dim, treeFeatures, i * dim, dim);
            }
            pass.truncate(last + 1);
            pass.feedTree(treeTokens, treeFeatures, treeParents, levelEnd, treeY, treeLogits);
            for (int parent = levelStart; parent < levelEnd; parent++) {
                StaticTrees.topTokens(treeLogits, parent * vocab, vocab, candidates[d], scores[d]);
                for (int c : candidates[d]) {
                    treeTokens[n] = c;
                    treeParents[n++] = parent;
                }
            }
            levelStart = levelEnd;
        }
        pass.truncate(last + 1);
        forwardNanos += System.nanoTime() - start;
        return Draft.of(new DraftTree(treeTokens, treeParents, n));
    }

    /**
     * A dynamic tree ({@link DynamicTrees}): depth by depth, the pool grown so far runs as one tree block of the head
     * and its best nodes of the deepest level are expanded; the tree is the pool's best treeNodes, cut to k deep and
     * to what the target's context and block hold (the pool to what the head's block holds).
     */
    private Draft proposeDynamicTree(int[] committed, int length, int k, int last) {
        int n = Math.min(treeNodes, Math.min(scorer.target().context() - length, scorer.target().maxTreeRows() - 1));
        int depth = Math.min(k, Math.max(0, pass.context() - last - 1));
        while (depth > 1 && DynamicTrees.poolSize(depth - 1) > pass.maxTreeRows()) {
            depth--;
        }
        long start = System.nanoTime();
        feedTruePositions(committed, last);
        if (n <= 0 || depth <= 0) {
            forwardNanos += System.nanoTime() - start;
            return Draft.EMPTY;
        }
        int pool = DynamicTrees.poolSize(depth);
        growPool(pool);
        DynamicTrees.expand(logits, 0, vocab, 0f, poolTokens, poolScores, 0, expandTop, expandBest);
        int count = DynamicTrees.EXPAND;
        java.util.Arrays.fill(poolParents, 0, count, DraftTree.ROOT);
        java.util.Arrays.fill(poolDepths, 0, count, 1);
        for (int d = 2, levelStart = 0; d <= depth; d++) {
            int levelEnd = count;
            for (int i = 0; i < levelEnd; i++) { // a node's feature: its parent's output, or the last true one's
                int parent = poolParents[i];
                System.arraycopy(parent < 0 ? y : treeY, parent < 0 ? 0 : parent * dim, treeFeatures, i * dim, dim);
            }
            pass.truncate(last + 1);
            pass.feedTree(poolTokens, treeFeatures, poolParents, levelEnd, treeY, treeLogits);
            int expanded = DynamicTrees.bestOfLevel(poolScores, levelStart, levelEnd, expandNodes);
            for (int e = 0; e < expanded; e++) {
                int node = expandNodes[e];
                DynamicTrees.expand(treeLogits, node * vocab, vocab, poolScores[node], poolTokens, poolScores, count,
                        expandTop, expandBest);
                java.util.Arrays.fill(poolParents, count, count + DynamicTrees.EXPAND, node);
                java.util.Arrays.fill(poolDepths, count, count + DynamicTrees.EXPAND, d);
                count += DynamicTrees.EXPAND;
            }
            levelStart = levelEnd;
        }
        pass.truncate(last + 1);
        if (treeTokens.length < n) {
            treeTokens = new int[Math.max(n, pool)];
            treeParents = new int[Math.max(n, pool)];
        }
        int m = DynamicTrees.choose(poolTokens, poolParents, poolDepths, poolScores, count, n, chosen, poolOf,
                treeTokens, treeParents);
        forwardNanos += System.nanoTime() - start;
        return Draft.of(new DraftTree(treeTokens, treeParents, m));
    }

    /** Buffers for a dynamic tree's pool of the given size. */
    private void growPool(int pool) {
        if (poolTokens.length < pool) {
            poolTokens = new int[pool];
            poolParents = new int[pool];
            poolDepths = new int[pool];
            poolScores = new float[pool];
            chosen = new boolean[pool];
            poolOf = new int[pool];
            treeFeatures = new float[pool * dim];
            treeY = new float[pool * dim];
            treeLogits = new float[pool * vocab];
            treeTokens = new int[pool];
            treeParents = new int[pool];
        }
    }

    /** Keeps the positions whose tokens are still committed (another prompt may share only a prefix). */
    @Override
    public void onCommit(int[] committed, int length, int accepted) {
        pass.truncate(pass.commonPrefix(committed, 1, length - 1));
    }

    /** The head's pass (tests compare its cache with a fresh computation). */
    ChainHead.Pass pass() {
        return pass;
    }

    @Override
    public boolean needsFirstPass() {
        return true;
    }

    @Override
    public long forwardNanos() {
        return forwardNanos;
    }
}
