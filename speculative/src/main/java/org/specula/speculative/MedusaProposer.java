package org.specula.speculative;

import org.specula.model.MedusaHeads;
import org.specula.sampling.Sampler;
import org.specula.sampling.SamplingParams;
import org.specula.sampling.Uniforms;

/**
 * Drafts with Medusa heads: when committed[0..length) are committed, the target's hidden state at length − 2 (the one
 * that gave committed[length − 1]) is the last one known, and head i applied to it drafts the token at length + i.
 * The heads read only that state, so drafts are independent draws, each from its head's processed distribution
 * (argmax at temperature 0) with the uniform keyed by (seed, absolute position, DRAFT); the distribution is its q
 * row, a law of the committed prefix, which is all the acceptance rule needs. At most {@link MedusaHeads#count()}
 * drafts per step. The features come from the {@link ChainScorer#keepingFeatures} scorer the decoder runs. With
 * pMin &gt; 0 drafting stops before the first token whose head's softmax gives it less than pMin, as
 * {@link DraftModelProposer} does.
 *
 * <p>With tree widths W_1, W_2, … (Medusa's static trees, {@code --tree}) the draft is a {@link DraftTree} instead:
 * depth d's candidates are the W_d tokens head d − 1 ranks highest (raw logits, best first), and every node of depth
 * d − 1 gets all of them as children, so {4, 2, 1} has 4 + 8 + 8 nodes. The heads see only the one hidden state, so
 * a node's children do not depend on its ancestors' tokens. Candidates are deterministic: the tree rule
 * ({@link TreeSampling}) keeps the output plain decoding's at any temperature. The tree is cut to k deep, to the
 * nodes the context has room for and to one target block (pMin does not apply).
 */
public final class MedusaProposer implements Proposer {
    private final ChainScorer scorer;
    private final MedusaHeads heads;
    private final SamplingParams params;
    private final long seed;
    private final double pMin;
    private final int vocab;
    private final int dim;
    private final float[] logits;       // [vocab]
    private final int[] draftTokens;
    private final double[][] draftProbs;
    private final int[] widths;         // static tree widths per depth; null: chains or dynamic trees
    private final int treeNodes;        // a dynamic tree's nodes; 0: chains or static trees
    private int[] poolTokens = new int[0]; // a dynamic tree's candidates, their parents, depths and scores
    private int[] poolParents = new int[0];
    private int[] poolDepths = new int[0];
    private float[] poolScores = new float[0]; // cumulative log-probability under the heads
    private boolean[] chosen = new boolean[0];
    private int[] poolOf = new int[0];
    private final int[] expandTop = new int[DynamicTrees.EXPAND];
    private final float[] expandBest = new float[DynamicTrees.EXPAND];
    private final int[] expandNodes = new int[DynamicTrees.EXPAND];
    private final int[] childTokens = new int[DynamicTrees.EXPAND];
    private final float[] childScores = new float[DynamicTrees.EXPAND];
    private int[] treeTokens = new int[0];
    private int[] treeParents = new int[0];
    private final int[][] candidates;   // [depth][width] a tree's candidates per depth, best first
    private final float[][] scores;     // [depth][width] their logits
    private long forwardNanos;

    public MedusaProposer(ChainScorer scorer, MedusaHeads heads, SamplingParams params, long seed) {
        this(scorer, heads, params, seed, 0);
    }

    /** Stops drafting before a token whose softmax probability is below pMin (0 ≤ pMin ≤ 1; 0: never). */
    public MedusaProposer(ChainScorer scorer, MedusaHeads heads, SamplingParams params, long seed, double pMin) {
        this(scorer, heads, params, seed, pMin, null);
    }

    /** Drafts trees of this shape (static ones at most one depth per head), or chains when tree is null. */
    public MedusaProposer(ChainScorer scorer, MedusaHeads heads, SamplingParams params, long seed, double pMin,
                          TreeShape tree) {
        int[] widths = tree == null ? null : tree.widths();
        this.widths = StaticTrees.check(widths, heads.count()); // one depth per head
        this.treeNodes = tree == null ? 0 : tree.nodes();
        this.candidates = widths == null ? new int[0][] : new int[widths.length][];
        this.scores = new float[candidates.length][];
        for (int d = 0; d < candidates.length; d++) {
            candidates[d] = new int[widths[d]];
            scores[d] = new float[widths[d]];
        }
        DraftModelProposer.checkPMin(pMin);
        this.pMin = pMin;
        this.scorer = scorer;
        this.heads = heads;
        this.params = params;
        this.seed = seed;
        this.vocab = scorer.target().model().config().vocabSize();
        this.dim = scorer.target().model().config().hiddenSize();
        this.logits = new float[vocab];
        this.draftTokens = new int[heads.count()];
        this.draftProbs = new double[heads.count()][vocab];
        scorer.features(); // refuses a scorer that keeps none
    }

    @Override
    public Draft propose(int[] committed, int length, int k) {
        int position = FeatureChecks.lastFeature(scorer, length);
        if (widths != null) {
            return proposeTree(length, k, position);
        }
        if (treeNodes > 0) {
            return proposeDynamicTree(length, k, position);
        }
        k = Math.min(k, heads.count());
        long start = System.nanoTime();
        for (int i = 0; i < k; i++) {
            heads.logits(i, scorer.features(), position * dim, logits);
            int token = Sampler.sampleDistribution(draftProbs[i], logits, 0, vocab, params,
                    Uniforms.at(seed, length + i, Uniforms.DRAFT));
            if (pMin > 0 && DraftModelProposer.softmaxProbability(logits, vocab, token) < pMin) {
                k = i;
                break;
            }
            draftTokens[i] = token;
        }
        forwardNanos += System.nanoTime() - start;
        return new Draft(draftTokens, draftProbs, k);
    }

    /** The static tree, cut to k deep and to what the target's context and one block hold. */
    private Draft proposeTree(int length, int k, int position) {
        int room = Math.min(scorer.target().context() - length, scorer.target().maxTreeRows() - 1);
        int[] cut = StaticTrees.cut(widths, k, room);
        int depth = cut[0];
        int nodes = cut[1];
        if (depth == 0) {
            return Draft.EMPTY;
        }
        if (treeTokens.length < nodes) {
            treeTokens = new int[nodes];
            treeParents = new int[nodes];
        }
        long start = System.nanoTime();
        for (int d = 0; d < depth; d++) {
            heads.logits(d, scorer.features(), position * dim, logits);
            StaticTrees.topTokens(logits, 0, vocab, candidates[d], scores[d]);
        }
        forwardNanos += System.nanoTime() - start;
        // breadth first: the nodes of depth d − 1 are [levelStart, levelEnd), each gets depth d's candidates in order
        int n = 0;
        for (int c : candidates[0]) {
            treeTokens[n] = c;
            treeParents[n++] = DraftTree.ROOT;
        }
        for (int d = 1, levelStart = 0; d < depth; d++) {
            int levelEnd = n;
            for (int parent = levelStart; parent < levelEnd; parent++) {
                for (int c : candidates[d]) {
                    treeTokens[n] = c;
                    treeParents[n++] = parent;
                }
            }
            levelStart = levelEnd;
        }
        return Draft.of(new DraftTree(treeTokens, treeParents, n));
    }

    /**
     * A dynamic tree ({@link DynamicTrees}): head d − 1 gives every expanded node of depth d − 1 the same EXPAND
     * children, scored by the node's score plus their log-probability; the tree is the pool's best treeNodes, cut to
     * k deep (one depth per head) and to what the target's context and block hold.
     */
    private Draft proposeDynamicTree(int length, int k, int position) {
        int n = Math.min(treeNodes, Math.min(scorer.target().context() - length, scorer.target().maxTreeRows() - 1));
        int depth = Math.min(k, heads.count());
        if (n <= 0 || depth <= 0) {
            return Draft.EMPTY;
        }
        int pool = DynamicTrees.poolSize(depth);
        if (poolTokens.length < pool) {
            poolTokens = new int[pool];
            poolParents = new int[pool];
            poolDepths = new int[pool];
            poolScores = new float[pool];
            chosen = new boolean[pool];
            poolOf = new int[pool];
            treeTokens = new int[pool];
            treeParents = new int[pool];
        }
        long start = System.nanoTime();
        heads.logits(0, scorer.features(), position * dim, logits);
        DynamicTrees.expand(logits, 0, vocab, 0f, poolTokens, poolScores, 0, expandTop, expandBest);
        int count = DynamicTrees.EXPAND;
        java.util.Arrays.fill(poolParents, 0, count, DraftTree.ROOT);
        java.util.Arrays.fill(poolDepths, 0, count, 1);
        for (int d = 2, levelStart = 0; d <= depth; d++) {
            int levelEnd = count;
            heads.logits(d - 1, scorer.features(), position * dim, logits);
            DynamicTrees.expand(logits, 0, vocab, 0f, childTokens, childScores, 0, expandTop, expandBest);
            int expanded = DynamicTrees.bestOfLevel(poolScores, levelStart, levelEnd, expandNodes);
            for (int e = 0; e < expanded; e++) {
                int node = expandNodes[e];
                for (int c = 0; c < DynamicTrees.EXPAND; c++) {
                    poolTokens[count] = childTokens[c];
                    poolScores[count] = poolScores[node] + childScores[c];
                    poolParents[count] = node;
                    poolDepths[count++] = d;
                }
            }
            levelStart = levelEnd;
        }
        int m = DynamicTrees.choose(poolTokens, poolParents, poolDepths, poolScores, count, n, chosen, poolOf,
                treeTokens, treeParents);
        forwardNanos += System.nanoTime() - start;
        return Draft.of(new DraftTree(treeTokens, treeParents, m));
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
