package org.specula.speculative;

/**
 * The proposer role: drafts up to k tokens that the target then scores in one pass ({@link Scorer}) and
 * {@link SpeculativeSampling} verifies. Each step, the loop calls {@link #propose} (not when no draft fits: k = 0),
 * then, once the step's tokens are committed and the target's cache rolled back, {@link #onCommit}. A drafter plugs
 * in here, and through its {@link Scorer}, without touching the loop. The contract:
 * <ul>
 * <li>committed[0..length) is the truth: drafts the target rejected are gone. The array is the loop's, to read during
 *     the call only. Within one generate the loop passes one array whose committed prefix only grows; a new generate
 *     passes a new array, whose tokens may share only a prefix with the last (a chat turn, another prompt).</li>
 * <li>Each draft token comes with q, the distribution it was actually drawn from, over the target's vocabulary and
 *     processed with the target's sampling parameters (so it is the law that the acceptance rule divides by).
 *     A deterministic drafter (n-gram prompt lookup, argmax heads, greedy early exit) gives a one-hot row, q a point
 *     mass: verification then emits plain decoding's tokens exactly, at any temperature. A drafter that took the
 *     argmax but gives its softmax as q is biased.</li>
 * <li>At most k tokens; fewer, even none (a lookup without a match), is fine. The Draft's arrays are the proposer's,
 *     reused across calls; the loop reads them until the next propose.</li>
 * <li>A drafter that samples draws its uniforms as Uniforms.at(seed, absolute position, Uniforms.DRAFT), so a seeded
 *     run is reproducible and independent of k.</li>
 * </ul>
 */
public interface Proposer extends AutoCloseable {

    /** Drafts up to k ≥ 1 tokens continuing committed[0..length). */
    Draft propose(int[] committed, int length, int k);

    /**
     * After every step, drafting or not: committed[0..length) ends with this step's accepted + 1 tokens, the accepted
     * prefix of the last draft and then the target's residual or bonus token. A proposer with state brings it back to
     * committed tokens here: a KV cache is rolled back to the longest prefix of what it was fed that is still
     * committed (so it equals a fresh prefill of those tokens); a drafter that reads the target's hidden states
     * (Medusa, EAGLE, MTP) takes those of the step's accepted + 1 positions from the Scorer it was built with.
     */
    default void onCommit(int[] committed, int length, int accepted) {
    }

    /**
     * Whether the first step after the prompt is a plain target pass (no draft), not counted as a speculative step:
     * a drafter that reads the target's hidden states (Medusa, EAGLE, MTP) drafts from the features of that pass,
     * which also gives the first token.
     */
    default boolean needsFirstPass() {
        return false;
    }

    /** Nanoseconds spent inside the proposer's model forwards so far (0 for model-free proposers). */
    default long forwardNanos() {
        return 0;
    }

    @Override
    default void close() {
    }
}
