package org.specula.speculative;

/** The invariant head drafters rely on, checked where they read the target's features. */
final class FeatureChecks {
    private FeatureChecks() {
    }

    /**
     * Position length − 2, the last whose feature is known when committed[0..length) are committed and the target's
     * cache holds all but the last (the scorer's invariant, after the first pass): refused when the scorer lacks it.
     */
    static int lastFeature(ChainScorer scorer, int length) {
        int position = length - 2;
        if (position < 0 || position >= scorer.featureCount()) {
            throw new IllegalStateException("drafting after " + length + " committed tokens needs the target's "
                    + "feature at position " + position + ", but the scorer holds " + scorer.featureCount()
                    + " (the decoder runs a first plain pass for head drafters)");
        }
        return position;
    }
}
