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
 * Candidates are deterministic, so the tree rule keeps plain decoding's output (pMin does not apply).
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
    private final int[] widths;         // tree widths per depth; null: chains
    private final int[][] candidates;   // [depth][width] one node's children, best first
    private final float[][] scores;     // [depth][width] their logits
    private int[] treeTokens = new int[0];
    private int[] treeParents = new int[0];
    private float[] treeFeatures = new float[0]; // [nodes][dim] each node's input feature
    private float[] treeY = new float[0];        // [nodes][dim] each node's output
    private float[] treeLogits = new float[0];   // [nodes][vocab]

    ChainHeadProposer(ChainScorer scorer, ChainHead head, ChainHead.Kind kind, SamplingParams params, long seed,
                      double pMin, int[] widths) {
        this.widths = StaticTrees.check(widths, Integer.MAX_VALUE);
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
