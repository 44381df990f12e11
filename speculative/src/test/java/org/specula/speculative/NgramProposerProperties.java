package org.specula.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The indexed {@link NgramProposer} against {@link #rule}, the rule rescanning the context as it is stated: random
 * token sequences over vocabularies of 1 to 5 tokens (so matches are frequent, overlapping ones too), committed in
 * random chunks, some copying an earlier passage (long matches), interleaved with new arrays that share only a prefix
 * of the last and with the same array at a shorter length; after each change a draft of random k is compared.
 */
class NgramProposerProperties {
    private static final long SEED = 0x9A3L;

    /**
     * The rule as stated, by rescanning: for n from max down to min, the most recent start j &lt; length − n where
     * c's last n tokens occur; propose c[j + n .. min(j + n + k, length)); no match for any n: nothing.
     */
    static int[] rule(int[] c, int length, int k, int min, int max) {
        for (int n = max; n >= min; n--) {
            for (int j = length - n - 1; j >= 0; j--) {
                if (Arrays.equals(c, j, j + n, c, length - n, length)) {
                    return Arrays.copyOfRange(c, j + n, Math.min(j + n + k, length));
                }
            }
        }
        return new int[0];
    }

    @Test
    void theIndexDraftsWhatTheRescanOfTheRuleDrafts() {
        qt().withFixedSeed(SEED).withExamples(3000)
                .forAll(integers().between(1, 5), integers().between(1, 4), integers().between(0, 3), longs().all())
                .checkAssert((vocab, min, extra, seed) -> {
                    int max = min + extra;
                    SplittableRandom random = new SplittableRandom(seed);
                    NgramProposer proposer = new NgramProposer(vocab, min, max);
                    int[] committed = new int[400];
                    int length = 0;
                    StringBuilder history = new StringBuilder();
                    for (int change = 0; change < 40; change++) {
                        int what = random.nextInt(10);
                        if (what == 0 && length > 0) { // another generate: a new array sharing a prefix only
                            committed = Arrays.copyOf(committed, committed.length);
                            length = random.nextInt(length + 1);
                            history.append(" new array at ").append(length);
                        } else if (what == 1 && length > 0) { // the same array, fewer tokens
                            length = random.nextInt(length + 1);
                            history.append(" shorter ").append(length);
                        } else { // a step commits a chunk, at times a copy of an earlier passage
                            int chunk = Math.min(1 + random.nextInt(6), committed.length - length);
                            boolean copy = length > chunk && random.nextInt(3) == 0;
                            int from = copy ? random.nextInt(length - chunk) : 0;
                            for (int i = 0; i < chunk; i++) {
                                committed[length + i] = copy ? committed[from + i] : random.nextInt(vocab);
                            }
                            length += chunk;
                            history.append(" +").append(chunk);
                        }
                        if (random.nextBoolean()) { // the loop calls onCommit after every step
                            proposer.onCommit(committed, length, 0);
                        }
                        int k = 1 + random.nextInt(6);
                        int[] expected = rule(committed, length, k, min, max);
                        int[] drafted = NgramProposerTest.drafted(proposer, committed, length, k);
                        assertArrayEquals(expected, drafted, "n " + min + ".." + max + ", k " + k + ", after"
                                + history + ": " + Arrays.toString(Arrays.copyOf(committed, length)));
                    }
                });
    }
}
