package org.specula.speculative;

/**
 * When generation ends: after maxTokens generated tokens, at a stop token (included in the output, as
 * transformers does), or when the context is full.
 *
 * @param stopTokens ids that end generation (EOS ids); empty with --ignore-eos
 */
public record StopCondition(int maxTokens, int[] stopTokens) {
    public StopCondition {
        if (maxTokens < 0) {
            throw new IllegalArgumentException("maxTokens must be >= 0");
        }
        stopTokens = stopTokens.clone();
    }

    public boolean isStop(int token) {
        for (int s : stopTokens) {
            if (s == token) {
                return true;
            }
        }
        return false;
    }
}
