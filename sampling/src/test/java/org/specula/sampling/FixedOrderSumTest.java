package org.specula.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The fixed-order sum's invariant: the top-k route's sum over its ids is the dense route's sum over the row. */
class FixedOrderSumTest {
    @Test
    void aSumOverTheNonzeroIdsHasTheBitsOfTheWholeRowsSum() {
        Random random = new Random(52);
        for (int vocab = 1; vocab < 70; vocab++) {
            for (int trial = 0; trial < 20; trial++) {
                double[] row = new double[vocab];
                int[] ids = IntStream.range(0, vocab).filter(i -> random.nextInt(3) == 0).toArray();
                for (int i : ids) row[i] = random.nextDouble() * Math.pow(10, random.nextInt(20) - 10);
                assertEquals(Double.doubleToRawLongBits(FixedOrderSum.of(row)),
                        Double.doubleToRawLongBits(FixedOrderSum.over(row, ids)), "vocab " + vocab);
            }
        }
    }
}
