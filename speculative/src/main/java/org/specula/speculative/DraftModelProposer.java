package org.specula.speculative;

import org.specula.model.ForwardPass;
import org.specula.sampling.Sampler;
import org.specula.sampling.SamplingParams;
import org.specula.sampling.Uniforms;

/**
 * The classic drafter: a smaller model with the same vocabulary drafts k tokens autoregressively, each drawn from
 * its processed distribution (the same sampling code and parameters as the target), with the uniform keyed by
 * (seed, absolute position, DRAFT). Its KV cache is rolled back to the longest prefix of what it was fed that is
 * still committed; when all k drafts were accepted it lacks the last draft and catches up on the next call
 * (the classic off-by-one), feeding that and the bonus token in one block.
 *
 * <p>With a threshold pMin &gt; 0 (llama.cpp's --draft-p-min) drafting stops before the first token whose
 * probability in the drafter's softmax (its raw logits at temperature 1, whatever the sampling parameters, so the
 * threshold also works greedily, where q is one-hot) is below pMin. Stopping early is exact: the decision reads the
 * drafter's state only, and a shorter draft is verified like any other.
 *
 * <p>With a {@link TreeShape} the draft is a tree of the draft model's top candidates ({@link TreeGrower}): depth by
 * depth, the nodes grown so far run as one tree block after the committed tokens ({@link ForwardPass#forwardTree}).
 * The last block stays in the cache until onCommit, which keeps the rows whose path spells the committed tokens
 * ({@link ForwardPass#keepPath}: each is a plain forward over its path) and drops the rest, so the next step feeds
 * only what the block did not hold. Candidates are deterministic, so the tree rule keeps plain decoding's output
 * (pMin does not apply).
 */
public final class DraftModelProposer implements Proposer {
    private final ForwardPass draft;
    private final SamplingParams params;
    private final long seed;
    private final int vocab;
    private final double pMin;          // stop before a draft less likely than this; 0: never
    private final float[] logits;       // [vocab]
    private int[] draftTokens = new int[0];
    private double[][] draftProbs = new double[0][];
    private long forwardNanos;
    private final TreeShape shape;      // null: chains
    private final int maxTreeNodes;     // what one target block holds besides the root
    private final TreeGrower grower;
    private float[] treeLogits = new float[0]; // [rows][vocab] a tree block's
    private final TreeGrower.Expander expander = this::expand;
    private int treeBase;               // the committed length while a tree grows
    private int[] blockTokens;          // the last tree block's rows: tokens, parents (the grower's pool), count
    private int[] blockParents;
    private int blockRows;
    private int[] pathRows = new int[0];

    public DraftModelProposer(ForwardPass draft, SamplingParams params, long seed) {
        this(draft, params, seed, 0);
    }

    /** Stops drafting before a token whose softmax probability is below pMin (0 ≤ pMin ≤ 1; 0: never). */
    public DraftModelProposer(ForwardPass draft, SamplingParams params, long seed, double pMin) {
        this(draft, params, seed, pMin, null, 0);
    }

    /**
     * Drafts trees of this shape (see the class comment) of at most maxTreeNodes nodes (what one target block holds
     * besides the root: its ForwardPass.maxTreeRows() − 1), or chains when tree is null.
     */
    public DraftModelProposer(ForwardPass draft, SamplingParams params, long seed, double pMin, TreeShape tree,
                              int maxTreeNodes) {
        checkPMin(pMin);
        this.shape = tree;
        this.maxTreeNodes = maxTreeNodes;
        this.pMin = pMin;
        this.draft = draft;
        this.params = params;
        this.seed = seed;
        this.vocab = draft.model().config().vocabSize();
        this.logits = new float[vocab];
        this.grower = new TreeGrower(vocab);
        if (tree != null) {
            treeLogits = new float[draft.maxTreeRows() * vocab];
        }
    }

    @Override
    public Draft propose(int[] committed, int length, int k) {
        k = Math.min(k, draft.context() - length);
        if (k <= 0) {
            return new Draft(draftTokens, draftProbs, 0);
        }
        if (draftTokens.length < k) {
            draftTokens = new int[k];
            draftProbs = new double[k][vocab];
        }
        int keep = committedPrefix(committed, length);
        if (keep == length) { // never re-feed nothing: recompute the last committed position for its logits
            keep = length - 1;
        }
        draft.truncate(keep);
        feed(committed, keep, length - keep);
        if (shape != null) {
            return proposeTree(length, k);
        }
        for (int i = 0; i < k; i++) {
            double[] probs = draftProbs[i];
            int token = Sampler.sampleDistribution(probs, logits, 0, vocab, params,
                    Uniforms.at(seed, length + i, Uniforms.DRAFT));
            if (pMin > 0 && softmaxProbability(logits, vocab, token) < pMin) {
                return new Draft(draftTokens, draftProbs, i);
            }
            draftTokens[i] = token;
            if (i + 1 < k) {
                feed(draftTokens, i, 1);
            }
        }
        return new Draft(draftTokens, draftProbs, k);
    }

    /**
     * A tree of the shape after the committed tokens (the cache holds them, logits the last one's), cut to k deep
     * and to what the draft's context and block hold; the tree's room in the target is the decoder's to check.
     */
    private Draft proposeTree(int length, int k) {
        treeBase = length;
        long start = System.nanoTime();
        blockRows = 0;
        DraftTree tree = grower.grow(shape, k, Math.min(maxTreeNodes, draft.context() - length), draft.maxTreeRows(),
                logits, expander);
        if (blockRows == 0) {
            draft.truncate(length);
        }
        forwardNanos += System.nanoTime() - start;
        return tree == null ? Draft.EMPTY : Draft.of(tree);
    }

    /** The draft model over the pool grown so far, as one tree block after the committed tokens. */
    private float[] expand(int[] tokens, int[] parents, int count) {
        draft.truncate(treeBase);
        draft.forwardTree(tokens, 0, count, parents, treeLogits, null, 0);
        blockTokens = tokens;
        blockParents = parents;
        blockRows = count;
        return treeLogits;
    }

    /** The last tree block's rows whose path spells committed[treeBase ..) become cache positions; the rest go. */
    private void keepCommittedPath(int[] committed, int length) {
        if (pathRows.length < blockRows) {
            pathRows = new int[blockRows];
        }
        int m = 0;
        for (int parent = -1; treeBase + m < length; m++) {
            int row = -1;
            for (int r = parent + 1; r < blockRows && row < 0; r++) {
                if (blockParents[r] == parent && blockTokens[r] == committed[treeBase + m]) {
                    row = r;
                }
            }
            if (row < 0) {
                break;
            }
            pathRows[m] = row;
            parent = row;
        }
        draft.keepPath(pathRows, m);
        blockRows = 0;
    }

    /** Refuses a threshold outside [0, 1]. */
    static void checkPMin(double pMin) {
        if (!(pMin >= 0 && pMin <= 1)) {
            throw new IllegalArgumentException("pMin must be in [0, 1] (got " + pMin + ")");
        }
    }

    /** softmax(logits[0..vocab))[token] at temperature 1: the drafter's own confidence in token. */
    static double softmaxProbability(float[] logits, int vocab, int token) {
        float max = Float.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[v]);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            sum += Math.exp(logits[v] - max);
        }
        return Math.exp(logits[token] - max) / sum;
    }

    @Override
    public void onCommit(int[] committed, int length, int accepted) {
        if (blockRows > 0) {
            keepCommittedPath(committed, length);
        }
        draft.truncate(committedPrefix(committed, length));
    }

    /** Length of the longest prefix of the draft cache's tokens that equals committed[0..length). */
    private int committedPrefix(int[] committed, int length) {
        return draft.commonPrefix(committed, length);
    }

    private void feed(int[] tokens, int from, int count) {
        long start = System.nanoTime();
        draft.forward(tokens, from, count, ForwardPass.Logits.LAST, logits);
        forwardNanos += System.nanoTime() - start;
    }

    @Override
    public long forwardNanos() {
        return forwardNanos;
    }
}
