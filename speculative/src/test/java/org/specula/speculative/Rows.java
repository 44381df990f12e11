package org.specula.speculative;

import java.util.SplittableRandom;

/** Test helper: pairs of (target, draft) rows over a small vocabulary, including the hard cases. */
final class Rows {
    private Rows() {}

    /** How a (targetRow, draftRow) pair is built; the later kinds are the hard cases of SPECULATIVE.md. */
    enum Kind {
        INDEPENDENT, SPARSE, EQUAL, NEAR_EQUAL, DISJOINT, ONE_HOT_DRAFT, TARGET_CERTAIN, BOTH_ONE_HOT
    }

    record Pair(double[] targetRow, double[] draftRow) {}

    /** vocab >= 2. */
    static Pair pair(Kind kind, SplittableRandom random, int vocab) {
        return switch (kind) {
            case INDEPENDENT -> new Pair(dense(random, vocab), dense(random, vocab));
            case SPARSE -> new Pair(sparse(random, vocab), sparse(random, vocab));
            case EQUAL -> {
                double[] row = sparse(random, vocab);
                yield new Pair(row, row.clone());
            }
            case NEAR_EQUAL -> { // residual mass 1e-13: exercises the fallback to the target row
                double[] draftRow = dense(random, vocab), targetRow = draftRow.clone();
                int from = random.nextInt(vocab), to = (from + 1 + random.nextInt(vocab - 1)) % vocab;
                targetRow[from] -= 1e-13;
                targetRow[to] += 1e-13;
                yield new Pair(targetRow, draftRow);
            }
            case DISJOINT -> {
                boolean[] inTarget = new boolean[vocab];
                int inT = random.nextInt(vocab), inD = (inT + 1) % vocab; // both supports non-empty
                for (int j = 0; j < vocab; j++) inTarget[j] = j == inT || (j != inD && random.nextBoolean());
                double[] targetRow = new double[vocab], draftRow = new double[vocab];
                for (int j = 0; j < vocab; j++) (inTarget[j] ? targetRow : draftRow)[j] = 0.1 + random.nextDouble();
                yield new Pair(normalise(targetRow), normalise(draftRow));
            }
            case ONE_HOT_DRAFT -> new Pair(sparse(random, vocab), oneHot(vocab, random.nextInt(vocab)));
            case TARGET_CERTAIN -> new Pair(oneHot(vocab, random.nextInt(vocab)), sparse(random, vocab));
            case BOTH_ONE_HOT -> new Pair(oneHot(vocab, random.nextInt(vocab)), oneHot(vocab, random.nextInt(vocab)));
        };
    }

    static double[] dense(SplittableRandom random, int vocab) {
        double[] row = new double[vocab];
        for (int j = 0; j < vocab; j++) row[j] = random.nextDouble();
        return normalise(row);
    }

    /** Small integer weights 0..3: zeros and ties are common. */
    static double[] sparse(SplittableRandom random, int vocab) {
        double[] row = new double[vocab];
        for (int j = 0; j < vocab; j++) row[j] = random.nextInt(4);
        row[random.nextInt(vocab)] += 1;
        return normalise(row);
    }

    static double[] oneHot(int vocab, int token) {
        double[] row = new double[vocab];
        row[token] = 1;
        return row;
    }

    /**
     * The residual as SPECULATIVE.md states it, the oracle {@link Residual} is held to: out = norm(max(0, targetRow −
     * draftRow)) in double, or a copy of targetRow if that mass is at most 1e-12.
     */
    static void residual(double[] out, double[] targetRow, double[] draftRow) {
        double mass = 0;
        for (int j = 0; j < out.length; j++) mass += out[j] = Math.max(0, targetRow[j] - draftRow[j]);
        if (mass <= 1e-12) {
            System.arraycopy(targetRow, 0, out, 0, out.length);
            return;
        }
        for (int j = 0; j < out.length; j++) out[j] /= mass;
    }

    static double[] normalise(double[] row) {
        double mass = 0;
        for (double value : row) mass += value;
        for (int j = 0; j < row.length; j++) row[j] /= mass;
        return row;
    }
}
