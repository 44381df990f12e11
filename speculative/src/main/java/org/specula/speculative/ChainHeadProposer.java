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
    private final TreeShape shape;      // null: chains
    private final TreeGrower grower;
    private final TreeGrower.Expander expander = this::expand;
    private int treeLast;               // the last true position while a tree grows
    private float[] treeFeatures = new float[0]; // [rows][dim] each pool node's input feature
    private float[] treeY = new float[0];        // [rows][dim] each pool node's output
    private float[] treeLogits = new float[0];   // [rows][vocab]

    ChainHeadProposer(ChainScorer scorer, ChainHead head, ChainHead.Kind kind, SamplingParams params, long seed,
                      double pMin, TreeShape tree) {
        this.shape = tree;
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
        this.grower = new TreeGrower(vocab);
        if (tree != null) {
            int rows = pass.maxTreeRows();
            treeFeatures = new float[rows * dim];
            treeY = new float[rows * dim];
            treeLogits = new float[rows * vocab];
        }
        scorer.features(); // refuses a scorer that keeps none
    }

    @Override
    public Draft propose(int[] committed, int length, int k) {
        int last = FeatureChecks.lastFeature(scorer, length);
        k = Math.min(k, pass.context() - last); // positions last .. last + k − 1
        if (k <= 0) {
            return new Draft(draftTokens, draftProbs, 0);
        }
        if (shape != null) {
            return proposeTree(committed, length, k, last);
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

    /** A tree of the shape, cut to k deep and to what the target's context and block and the head's block hold. */
    private Draft proposeTree(int[] committed, int length, int k, int last) {
        int room = Math.min(Math.min(scorer.target().context() - length, scorer.target().maxTreeRows() - 1),
                pass.context() - last - 1);
        long start = System.nanoTime();
        feedTruePositions(committed, last);
        treeLast = last;
        DraftTree tree = grower.grow(shape, k, room, pass.maxTreeRows(), logits, expander);
        pass.truncate(last + 1);
        forwardNanos += System.nanoTime() - start;
        return tree == null ? Draft.EMPTY : Draft.of(tree);
    }

    /**
     * The head over the pool grown so far, as one tree block after the true positions: a node's feature is its
     * parent's output from the last run (its parent is in it), or the last true position's for depth 1.
     */
    private float[] expand(int[] tokens, int[] parents, int count) {
        for (int i = 0; i < count; i++) {
            int parent = parents[i];
            System.arraycopy(parent < 0 ? y : treeY, parent < 0 ? 0 : parent * dim, treeFeatures, i * dim, dim);
        }
        pass.truncate(treeLast + 1);
        pass.feedTree(tokens, treeFeatures, parents, count, treeY, treeLogits);
        return treeLogits;
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
