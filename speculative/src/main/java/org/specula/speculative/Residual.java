package org.specula.speculative;

import org.specula.sampling.Sampler;

/**
 * The residual norm(max(0, targetProbs − draftProbs)) that a rejected draft's position emits from, with the buffers
 * it is built in: one per decoder, so that drawing from it allocates nothing. A mass at or below
 * {@link #FLOOR} is round-off of targetProbs ≈ draftProbs, and the residual is then targetProbs itself.
 */
public final class Residual {
    /** A residual mass at or below this is round-off of p ≈ q; the residual then falls back to p. */
    static final double FLOOR = 1e-12;

    private final double[] row;  // [vocab] the residual last built
    private final int[] support; // [vocab] its positive entries, ascending: the only ones the mass and draw visit

    public Residual(int vocab) {
        this.row = new double[vocab];
        this.support = new int[vocab];
    }

    int vocab() {
        return row.length;
    }

    /** The residual last built by {@link #sample} (scratch: overwritten by the next call). */
    double[] row() {
        return row;
    }

    /**
     * Builds the residual of the two rows [vocab] and returns the token {@link Sampler#sample}{@code (row, u)} draws
     * from it. The pass that builds the row notes its positive entries, so the mass and the draw visit only those (a
     * filtered row is mostly zeros, and a sum over every entry is one chain of dependent additions).
     */
    int sample(double[] targetProbs, double[] draftProbs, double u) {
        if (targetProbs.length != row.length || draftProbs.length != row.length) {
            throw new IllegalArgumentException("the residual needs rows of its vocab size " + row.length + ", got "
                    + targetProbs.length + " and " + draftProbs.length);
        }
        int count = 0;
        double mass = 0; // the sum over every entry in index order: the zeros add nothing
        for (int j = 0; j < row.length; j++) {
            double r = Math.max(0, targetProbs[j] - draftProbs[j]);
            row[j] = r;
            if (r > 0) {
                support[count++] = j;
                mass += r;
            }
        }
        if (mass <= FLOOR) {
            System.arraycopy(targetProbs, 0, row, 0, row.length);
            return Sampler.sample(row, u);
        }
        for (int n = 0; n < count; n++) row[support[n]] /= mass;
        return Sampler.sample(row, support, count, u);
    }
}
