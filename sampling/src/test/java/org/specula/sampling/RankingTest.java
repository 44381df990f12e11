package org.specula.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The one selection path against a full sort by (logit desc, id asc). */
class RankingTest {
    private static final float[] SPECIALS = {0f, -0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY,
            Float.MAX_VALUE, -Float.MAX_VALUE, 1e-40f};

    @Test
    void theCandidatesAreAPrefixOfTheRankingInIdOrderAndSortToIt() {
        Random random = new Random(51);
        for (int trial = 0; trial < 600; trial++) {
            int vocab = 1 + random.nextInt(trial % 10 == 0 ? 5000 : 300);
            int off = random.nextInt(3);
            float[] logits = new float[off + vocab];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = trial % 3 == 0 ? random.nextInt(4) * 0.5f : (float) (random.nextGaussian() * 4);
            }
            for (int s = 0; s < trial % 4; s++) {
                logits[off + random.nextInt(vocab)] = SPECIALS[random.nextInt(SPECIALS.length)];
            }
            int[] ranking = IntStream.range(0, vocab).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(i -> -(logits[off + i] + 0.0f)).thenComparing(i -> i))
                    .mapToInt(Integer::intValue).toArray();
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
            int count = 1 + random.nextInt(vocab);
            String what = "trial " + trial + ", vocab " + vocab + ", count " + count;

            long[] byId = Ranking.candidates(logits, off, vocab, count, max);
            assertTrue(byId.length >= count, what);
            int[] ids = new int[byId.length];
            for (int n = 0; n < byId.length; n++) ids[n] = Ranking.id(byId[n]);
            assertArrayEquals(IntStream.of(ranking).limit(byId.length).sorted().toArray(), ids, what);
            long[] best = Ranking.bestFirst(byId);
            for (int n = 0; n < best.length; n++) {
                assertEquals(ranking[n], Ranking.id(best[n]), what + ", rank " + n);
                assertEquals(Ranking.key(logits, off, ranking[n]), best[n], what);
            }
        }
    }
}
