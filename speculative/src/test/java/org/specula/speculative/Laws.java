package org.specula.speculative;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exact laws of token sequences for the enumeration layer of the proofs (chains and trees alike): a law maps each
 * sequence to its probability; {@code row} gives the target's row after a prefix.
 */
final class Laws {
    private Laws() {
    }

    /** A step's outcomes extended to length m by the target's own continuation where the step stopped early. */
    static Map<List<Integer>, Double> completed(Function<List<Integer>, double[]> row, int vocab,
                                                Map<List<Integer>, Double> stepLaw, int m) {
        Map<List<Integer>, Double> law = new HashMap<>();
        stepLaw.forEach((committed, weight) -> {
            if (committed.size() >= m) {
                law.merge(List.copyOf(committed.subList(0, m)), weight, Double::sum);
            } else {
                continueWithTarget(row, vocab, new ArrayList<>(committed), weight, m, law);
            }
        });
        return law;
    }

    /** The target's autoregressive law of the first m tokens: Π p(y_j | y_<j). */
    static Map<List<Integer>, Double> target(Function<List<Integer>, double[]> row, int vocab, int m) {
        Map<List<Integer>, Double> law = new HashMap<>();
        continueWithTarget(row, vocab, new ArrayList<>(), 1.0, m, law);
        return law;
    }

    private static void continueWithTarget(Function<List<Integer>, double[]> row, int vocab, List<Integer> prefix,
                                           double weight, int m, Map<List<Integer>, Double> law) {
        if (prefix.size() == m) {
            law.merge(List.copyOf(prefix), weight, Double::sum);
            return;
        }
        double[] p = row.apply(prefix);
        for (int y = 0; y < vocab; y++) {
            if (p[y] == 0) continue;
            prefix.add(y);
            continueWithTarget(row, vocab, prefix, weight * p[y], m, law);
            prefix.removeLast();
        }
    }

    /** Every sequence's probability equal within tolerance, and the actual law's mass 1. */
    static void assertEqual(Map<List<Integer>, Double> expected, Map<List<Integer>, Double> actual, double tolerance,
                            String what) {
        Set<List<Integer>> sequences = new HashSet<>(expected.keySet());
        sequences.addAll(actual.keySet());
        double total = 0;
        for (List<Integer> sequence : sequences) {
            double got = actual.getOrDefault(sequence, 0.0);
            assertEquals(expected.getOrDefault(sequence, 0.0), got, tolerance, what + ": P" + sequence);
            total += got;
        }
        assertTrue(Math.abs(total - 1) <= tolerance, what + ": total mass " + total);
    }
}
