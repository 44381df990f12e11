package org.specula.speculative;

import org.specula.model.ForwardPass;
import org.specula.tensor.SpeculaException;

/**
 * Feeds all but the last prompt token into a fresh cache: the last committed token is always fed by the next
 * step, whose logits it needs. Returns the token buffer [context] holding the prompt.
 */
record Prefill(int[] tokens, long nanos) {

    static Prefill run(ForwardPass target, int[] prompt) {
        if (prompt.length == 0) {
            throw new SpeculaException("the prompt is empty; give a prompt (or --prompt-ids) with at least one token");
        }
        if (prompt.length > target.context()) {
            throw new SpeculaException("the prompt has " + prompt.length + " tokens but the context holds "
                    + target.context() + "; raise --context (at most max_position_embeddings "
                    + target.model().config().maxPositions() + ") or shorten the prompt");
        }
        int[] tokens = new int[target.context()];
        System.arraycopy(prompt, 0, tokens, 0, prompt.length);
        target.truncate(0);
        long start = System.nanoTime();
        if (prompt.length > 1) {
            target.forward(tokens, 0, prompt.length - 1, ForwardPass.Logits.NONE, null);
        }
        return new Prefill(tokens, System.nanoTime() - start);
    }
}
