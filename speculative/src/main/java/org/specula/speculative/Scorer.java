package org.specula.speculative;

import org.specula.model.ForwardPass;

/**
 * The scorer role: ONE target pass over the last committed token and a draft, giving the target's logits at every
 * draft position and at the bonus position; then the rollback to what was committed. Invariant between steps: the
 * target's cache holds every committed token but the last, which the next score feeds. The loop knows scorers only
 * through this interface, so one that shares work with its proposer (early-exit self-drafting) or keeps the target's
 * hidden states for it (Medusa, EAGLE and MTP heads) replaces {@link ChainScorer} without touching the loop.
 */
public interface Scorer {
    /** The target's forward pass: the decoder prefills it, and its context bounds the run. */
    ForwardPass target();

    /**
     * Logits [draft.count() + 1][vocab]: row i is the target's at position length − 1 + i, having been fed
     * committed[length − 1] and then drafts 0..i−1; row draft.count() is the bonus position. Valid until the next
     * call.
     */
    float[] score(int[] committed, int length, Draft draft);

    /**
     * After the step that scored the last draft: committed[0..length) now ends with its accepted drafts and the
     * emitted token; the cache keeps the committed prefix of what was scored (all but that last token).
     */
    void rollBack(int[] committed, int length, int accepted);

    /** Feeds the prompt but its last token, tokens[from .. from + count), with no logits. */
    default void prefill(int[] tokens, int from, int count) {
        target().forward(tokens, from, count, ForwardPass.Logits.NONE, null);
    }

    /** How many leading cached positions a prefill may keep (those it shares with the prompt, at most). */
    default int reusable() {
        return target().length();
    }
}
