package org.specula.speculative;

import org.specula.model.ForwardPass;

/**
 * Scores a chain of k drafts as one block of k + 1 rows (the last committed token, then the drafts) in a single
 * target forward, and rolls back by truncating the target's cache: positions past the accepted drafts are dropped.
 * A tree draft is one block too ({@link ForwardPass#forwardTree}: the last committed token, then the nodes, each
 * attending to its ancestors); its rollback keeps the accepted path ({@link ForwardPass#keepPath}), found from the
 * committed tokens, since siblings never share a token.
 * Built with {@link #keepingFeatures}, it also keeps the target's last hidden state after the final norm of every
 * position it fed (the features Medusa, EAGLE and MTP drafters read), computed by the same forwards: [context][hidden]
 * floats, allocated once. This scorer must then be the only one feeding its target, so a stored feature is always
 * that of the token the cache holds at its position.
 */
public final class ChainScorer implements Scorer {
    private final ForwardPass target;
    private final int vocab;
    private final int dim;
    private final float[] features; // [context][dim] or null: no features kept
    private int featured;           // positions [0, featured) hold their features (while the cache holds them)
    private float[] logits = new float[0]; // [k+1][vocab]
    private int[] block = new int[0];      // [k+1] last committed token + drafts
    private int[] parentRows = new int[0]; // [k+1] a tree's parents as block rows (row 0 the last committed token)
    private int[] pathRows = new int[0];   // [depth+1] the accepted path's block rows
    private DraftTree tree;                // the tree last scored, until its rollback; null after a chain

    public ChainScorer(ForwardPass target) {
        this(target, false);
    }

    private ChainScorer(ForwardPass target, boolean keepFeatures) {
        this.target = target;
        this.vocab = target.model().config().vocabSize();
        this.dim = target.model().config().hiddenSize();
        this.features = keepFeatures ? new float[target.context() * dim] : null;
    }

    /** A chain scorer that keeps the target's features of every position it feeds (prefill included). */
    public static ChainScorer keepingFeatures(ForwardPass target) {
        return new ChainScorer(target, true);
    }

    @Override
    public ForwardPass target() {
        return target;
    }

    @Override
    public float[] score(int[] committed, int length, Draft draft) {
        int k = draft.count();
        if (block.length < k + 1) {
            block = new int[k + 1];
            logits = new float[(k + 1) * vocab];
        }
        block[0] = committed[length - 1];
        System.arraycopy(draft.draftTokens(), 0, block, 1, k);
        tree = draft.tree();
        if (tree == null) {
            forward(block, 0, k + 1, ForwardPass.Logits.ALL, logits);
            return logits;
        }
        if (parentRows.length < k + 1) {
            parentRows = new int[k + 1];
            pathRows = new int[k + 1];
        }
        parentRows[0] = -1;
        for (int i = 0; i < k; i++) {
            parentRows[i + 1] = tree.parents()[i] + 1; // a root child's −1 becomes row 0
        }
        int pos = target.length();
        if (features == null) {
            target.forwardTree(block, 0, k + 1, parentRows, logits, null, 0);
        } else {
            featured = Math.min(featured, pos);
            target.forwardTree(block, 0, k + 1, parentRows, logits, features, pos * dim);
            if (featured == pos) {
                featured = pos + k + 1;
            }
        }
        return logits;
    }

    @Override
    public void rollBack(int[] committed, int length, int accepted) {
        if (tree != null) {
            keepAcceptedPath(committed, length, accepted);
            tree = null;
        }
        target.truncate(length - 1);
    }

    /**
     * The tree's accepted path, the nodes whose tokens are committed[length − 1 − accepted .. length − 1), becomes the
     * cache's positions after the last committed token's (and so do their features); every other node goes.
     */
    private void keepAcceptedPath(int[] committed, int length, int accepted) {
        int first = length - 1 - accepted; // the first accepted token's position
        int root = first - 1;              // the tree's row 0
        int node = -1;
        pathRows[0] = 0;
        for (int j = 0; j < accepted; j++) {
            int token = committed[first + j];
            int child = -1;
            for (int i = node + 1; i < tree.count() && child < 0; i++) {
                if (tree.parents()[i] == node && tree.tokens()[i] == token) {
                    child = i;
                }
            }
            if (child < 0) {
                throw new IllegalStateException("committed token " + token + " at " + (first + j) + " is no child of "
                        + "the scored tree's node " + node);
            }
            node = child;
            pathRows[j + 1] = child + 1;
        }
        target.keepPath(pathRows, accepted + 1);
        if (features != null) {
            for (int j = 1; j <= accepted; j++) {
                System.arraycopy(features, (root + pathRows[j]) * dim, features, (root + j) * dim, dim);
            }
        }
    }

    @Override
    public void prefill(int[] tokens, int from, int count) {
        forward(tokens, from, count, ForwardPass.Logits.NONE, null);
    }

    /** A prefill keeps only cached positions whose features are stored. */
    @Override
    public int reusable() {
        return features == null ? target.length() : featureCount();
    }

    /**
     * The target's features [featureCount()][hidden]: position p's hidden state after the final norm is at
     * p · hidden. Valid for positions below {@link #featureCount()}; refused when this scorer keeps none.
     */
    public float[] features() {
        if (features == null) {
            throw new IllegalStateException("this scorer keeps no features; build it with keepingFeatures");
        }
        return features;
    }

    /** Positions 0 .. featureCount() − 1 hold the features of the tokens the target's cache holds there. */
    public int featureCount() {
        return Math.min(featured, target.length());
    }

    private void forward(int[] tokens, int from, int count, ForwardPass.Logits mode, float[] out) {
        int pos = target.length();
        if (features == null) {
            target.forward(tokens, from, count, mode, out);
            return;
        }
        featured = Math.min(featured, pos); // a position someone else fed has no feature here
        target.forward(tokens, from, count, mode, out, features, pos * dim);
        if (featured == pos) {
            featured = pos + count;
        }
    }
}
