package org.specula.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The prompt-lookup rule of {@link NgramProposer} as tables: each case the committed tokens and what is drafted. */
class NgramProposerTest {
    private static final int VOCAB = 16;

    /** What a fresh proposer drafts after committed, checked against the rescan of the rule and for one-hot rows. */
    static int[] drafted(int min, int max, int k, int... committed) {
        int[] drafts = drafted(new NgramProposer(VOCAB, min, max), committed, committed.length, k);
        assertArrayEquals(NgramProposerProperties.rule(committed, committed.length, k, min, max), drafts,
                "the rescan of the rule");
        return drafts;
    }

    /** The draft's tokens; every row one-hot at its token, however the rows were used before. */
    static int[] drafted(NgramProposer proposer, int[] committed, int length, int k) {
        Draft draft = proposer.propose(committed, length, k);
        for (int i = 0; i < draft.count(); i++) {
            double[] row = draft.draftProbs()[i];
            double[] oneHot = new double[row.length];
            oneHot[draft.draftTokens()[i]] = 1;
            assertArrayEquals(oneHot, row, "row " + i + " of q is one-hot at its draft token");
        }
        return Arrays.copyOf(draft.draftTokens(), draft.count());
    }

    @Test
    void matchAtTheStartOfTheContext() {
        assertArrayEquals(new int[]{6, 7, 9}, drafted(1, 3, 3, 5, 6, 7, 9, 5));
        assertArrayEquals(new int[]{6, 7, 9, 5}, drafted(1, 3, 4, 5, 6, 7, 9, 5));
    }

    @Test
    void matchRightBeforeTheSuffixDraftsWhatIsLeft() {
        // "3" last occurred at position 2: it was followed by the suffix's own token, and then c ends
        assertArrayEquals(new int[]{3}, drafted(1, 3, 4, 1, 2, 3, 3));
    }

    @Test
    void overlappingOccurrencesCountButTheSuffixItselfDoesNot() {
        // a a a a: the suffix a a a starts at 1; the occurrence at 0 overlaps it and is the most recent earlier one
        assertArrayEquals(new int[]{7}, drafted(1, 3, 4, 7, 7, 7, 7));
        // a a a a b a a a: occurrences of a a a start at 0, 1 and 5 (the suffix): 1 is the most recent earlier
        assertArrayEquals(new int[]{8, 7, 7, 7}, drafted(1, 3, 4, 7, 7, 7, 7, 8, 7, 7, 7));
        assertArrayEquals(new int[]{}, drafted(1, 3, 4, 7), "one token: no earlier occurrence of anything");
        assertArrayEquals(new int[]{7}, drafted(1, 3, 4, 7, 7));
    }

    @Test
    void theLongestMatchingNWinsOverMoreRecentShorterMatches() {
        // 1 2 3 at 0 (then 9); 2 3 more recently at 4 (then 8); 3 most recently at 8 (then 7)
        int[] c = {1, 2, 3, 9, 2, 3, 8, 4, 3, 7, 1, 2, 3};
        assertArrayEquals(new int[]{9, 2}, drafted(1, 3, 2, c));
        assertArrayEquals(new int[]{8, 4}, drafted(1, 2, 2, c));
        assertArrayEquals(new int[]{7, 1}, drafted(1, 1, 2, c));
        assertArrayEquals(new int[]{9, 2}, drafted(3, 5, 2, c), "no 4- or 5-gram match: 3 is the longest");
    }

    @Test
    void theMostRecentOccurrenceWins() {
        assertArrayEquals(new int[]{2, 4, 5}, drafted(1, 3, 3, 4, 5, 1, 4, 5, 2, 4, 5));
        assertArrayEquals(new int[]{2, 4}, drafted(2, 2, 2, 4, 5, 1, 4, 5, 2, 4, 5));
    }

    @Test
    void noMatchDraftsNothing() {
        assertArrayEquals(new int[]{}, drafted(1, 3, 4, 1, 2, 3, 4));
        Draft draft = new NgramProposer(VOCAB, 1, 3).propose(new int[]{1, 2, 3, 4}, 4, 4);
        assertEquals(0, draft.count());
    }

    @Test
    void kLongerThanTheContinuationDraftsWhatThereIs() {
        assertArrayEquals(new int[]{2, 1}, drafted(1, 3, 10, 1, 2, 1));
        assertArrayEquals(new int[]{2}, drafted(1, 3, 1, 1, 2, 1));
    }

    @Test
    void minAndMaxBoundTheMatchedLength() {
        int[] c = {1, 2, 3, 3};
        assertArrayEquals(new int[]{3}, drafted(1, 3, 4, c));
        assertArrayEquals(new int[]{}, drafted(2, 3, 4, c), "only a 1-gram matches, below min 2");
        // a 4-gram match (5 6 7 8 then 1) beside a more recent 3-gram one (6 7 8 then 2)
        int[] d = {5, 6, 7, 8, 1, 6, 7, 8, 2, 5, 6, 7, 8};
        assertArrayEquals(new int[]{1, 6}, drafted(1, 4, 2, d));
        assertArrayEquals(new int[]{2, 5}, drafted(1, 3, 2, d), "max 3 stops short of the 4-gram");
        assertThrows(IllegalArgumentException.class, () -> new NgramProposer(VOCAB, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new NgramProposer(VOCAB, 4, 3));
    }

    /**
     * Reused across generate calls, the proposer indexes what is committed whatever it saw before: a longer prompt
     * extending the last one, another array sharing a prefix only, the same array with fewer tokens.
     */
    @Test
    void committedTokensThatAreNoExtensionRollTheIndexBack() {
        NgramProposer proposer = new NgramProposer(VOCAB, 1, 3);
        int[] first = {1, 2, 3, 4, 1, 2, 3, 4, 9, 9};
        assertArrayEquals(new int[]{9}, drafted(proposer, first, 10, 4));
        assertArrayEquals(new int[]{2, 3, 4, 1}, drafted(proposer, first, 5, 4), "the same array, shorter");
        int[] second = {1, 2, 3, 4, 5, 6, 1, 2, 3};
        assertArrayEquals(new int[]{4, 5, 6, 1}, drafted(proposer, second, 9, 4), "shares 1 2 3 4 only");
        int[] third = {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5};
        assertArrayEquals(new int[]{6, 1, 2, 3}, drafted(proposer, third, 11, 4), "extends the second");
        int[] fourth = {8, 2, 3};
        assertArrayEquals(new int[]{}, drafted(proposer, fourth, 3, 4), "shares nothing");
    }

    /** Rows of an earlier, longer draft are left one-hot at the new tokens, not at both. */
    @Test
    void reusedRowsStayOneHot() {
        NgramProposer proposer = new NgramProposer(VOCAB, 1, 2);
        int[] c = {1, 2, 3, 4, 5, 1, 6, 7, 1, 2};
        assertArrayEquals(new int[]{3, 4, 5, 1}, drafted(proposer, c, 10, 4));
        assertArrayEquals(new int[]{6, 7, 1}, drafted(proposer, c, 9, 4));
        assertArrayEquals(new int[]{3, 4, 5, 1}, drafted(proposer, c, 10, 4));
    }
}
