package org.specula.speculative;

/**
 * The outcome of one generate call.
 *
 * @param generated    the generated ids (prompt excluded)
 * @param stopReason   "length" (max tokens), "eos" (a stop token) or "context" (context full)
 * @param prefillNanos time to feed the prompt (all but its last token, less what the cache already held)
 * @param prefilledTokens tokens actually fed by the prefill
 * @param decodeNanos  time from then to the end of generation
 * @param stats        speculative statistics, or null for plain decoding
 */
public record Generation(int[] generated, String stopReason, int promptTokens, int prefilledTokens,
                         long prefillNanos, long decodeNanos, SpecStats stats) {

    public double promptTokensPerSecond() {
        return prefilledTokens == 0 || prefillNanos == 0 ? 0 : prefilledTokens * 1e9 / prefillNanos;
    }

    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : generated.length * 1e9 / decodeNanos;
    }
}
