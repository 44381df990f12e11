package org.specula.sampling;

/**
 * The mass of a row, summed in one fixed order so that it has the same bits on every machine and along every route:
 * four partial sums, x[i] going to partial i % 4 except the tail after the last whole group of four, which goes to
 * partial 0, combined as (p0 + p1) + (p2 + p3). Four adds are in flight instead of one chain of dependent adds.
 *
 * <p>Invariant: for a row of non-negative entries, {@link #over} the ids that may be nonzero gives the bits of
 * {@link #of} the whole row, since adding +0 changes no partial sum. That is how a top-k row, which sums its k
 * entries, gets the dense row's mass.
 */
final class FixedOrderSum {
    private FixedOrderSum() {}

    /** Σ x[i] over the whole row. */
    static double of(double[] x) {
        int body = x.length & ~3;
        double p0 = 0, p1 = 0, p2 = 0, p3 = 0;
        for (int i = 0; i < body; i += 4) {
            p0 += x[i];
            p1 += x[i + 1];
            p2 += x[i + 2];
            p3 += x[i + 3];
        }
        for (int i = body; i < x.length; i++) p0 += x[i];
        return (p0 + p1) + (p2 + p3);
    }

    /** Σ x[i] over ids, ascending: the bits of {@link #of} when x is zero (and non-negative) everywhere else. */
    static double over(double[] x, int[] ids) {
        int body = x.length & ~3;
        double[] partial = new double[4];
        for (int i : ids) partial[i < body ? i & 3 : 0] += x[i];
        return (partial[0] + partial[1]) + (partial[2] + partial[3]);
    }
}
