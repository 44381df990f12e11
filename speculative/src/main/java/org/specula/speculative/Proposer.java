package org.specula.speculative;

/** Drafts tokens that the target model then verifies in one batched pass. */
public interface Proposer extends AutoCloseable {

    /**
     * Drafts up to k tokens continuing committed[0..length). The proposer may keep state between calls (a KV
     * cache) but must treat committed as the truth: tokens it drafted earlier and the target rejected are gone.
     */
    Draft propose(int[] committed, int length, int k);

    /**
     * Called after each verification with the committed tokens: a proposer with a cache rolls it back to the
     * longest prefix of what it was fed that is still committed, so that it equals a fresh prefill of those tokens.
     */
    default void onCommit(int[] committed, int length) {
    }

    /** Nanoseconds spent inside the proposer's model forwards so far (0 for model-free proposers). */
    default long forwardNanos() {
        return 0;
    }

    @Override
    default void close() {
    }
}
