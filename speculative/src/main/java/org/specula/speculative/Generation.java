package org.specula.speculative;

/**
 * The outcome of one generate call.
 *
 * @param generated    the generated ids (prompt excluded)
 * @param stopReason   "length" (max tokens), "eos" (a stop token) or "context" (context full)
 * @param prefillNanos time to feed the prompt (all but its last token)
 * @param decodeNanos  time from then to the end of generation
 * @param stats        speculative statistics, or null for plain decoding
 */
public record Generation(int[] generated, String stopReason, int promptTokens, long prefillNanos,
                         long decodeNanos, SpecStats stats) {

    public double promptTokensPerSecond() {
        return prefillNanos == 0 ? 0 : (promptTokens - 1) * 1e9 / prefillNanos;
    }

    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : generated.length * 1e9 / decodeNanos;
    }
}
