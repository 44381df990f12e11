package org.specula.speculative;

import org.specula.model.ForwardPass;
import org.specula.tensor.SpeculaException;

/**
 * Feeds all but the last prompt token into the cache: the last committed token is always fed by the next step,
 * whose logits it needs. Positions the cache already holds for the same tokens are kept (a chat's earlier turns,
 * repeated samples of one prompt), which leaves it exactly as a fresh prefill would. Returns the token buffer
 * [context] holding the prompt and how many tokens were actually fed.
 */
public record Prefill(int[] tokens, long nanos, int fed) {

    static Prefill run(ForwardPass target, int[] prompt) {
        return run(new ChainScorer(target), prompt);
    }

    /** Through the scorer, which may keep what the prefill computes (the features head drafters read). */
    static Prefill run(Scorer scorer, int[] prompt) {
        ForwardPass target = scorer.target();
        check(target, prompt);
        int[] tokens = new int[target.context()];
        System.arraycopy(prompt, 0, tokens, 0, prompt.length);
        int keep = Math.min(target.commonPrefix(prompt, prompt.length - 1), scorer.reusable());
        target.truncate(keep);
        int fed = prompt.length - 1 - keep;
        long start = System.nanoTime();
        if (fed > 0) {
            scorer.prefill(tokens, keep, fed);
        }
        return new Prefill(tokens, System.nanoTime() - start, fed);
    }

    /**
     * Refuses a prompt that cannot be prefilled into target (empty, or longer than its context) with a one-line error;
     * public so that a command can check before it prints anything.
     */
    public static void check(ForwardPass target, int[] prompt) {
        if (prompt.length == 0) {
            throw new SpeculaException("the prompt is empty; it needs at least one token");
        }
        if (prompt.length > target.context()) {
            throw new SpeculaException("the prompt has " + prompt.length + " tokens but the context holds "
                    + target.context() + " (at most max_position_embeddings "
                    + target.model().config().maxPositions() + ")");
        }
    }
}
