package org.specula.speculative;

import java.util.Objects;

/**
 * The outcome of one generate call.
 *
 * @param generated       the generated ids (prompt excluded)
 * @param stopReason      why generation ended
 * @param prefillNanos    time to feed the prompt (all but its last token, less what the cache already held)
 * @param prefilledTokens tokens actually fed by the prefill
 * @param decodeNanos     time from then to the end of generation
 * @param stats           speculative statistics; {@link SpecStats#plain()} (all zero) for plain decoding, never null
 */
public record Generation(int[] generated, StopReason stopReason, int promptTokens, int prefilledTokens,
                         long prefillNanos, long decodeNanos, SpecStats stats) {

    /** Why generation ended. {@link #label} is what the CLI prints and writes as JSON stop_reason: a contract. */
    public enum StopReason {
        /** max tokens generated */
        LENGTH("length"),
        /** a stop token was generated (and is the last token) */
        EOS("eos"),
        /** the context is full */
        CONTEXT("context");

        private final String label;

        StopReason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public Generation {
        Objects.requireNonNull(stopReason, "stopReason");
        Objects.requireNonNull(stats, "stats (SpecStats.plain() for plain decoding)");
    }

    public double promptTokensPerSecond() {
        return prefilledTokens == 0 || prefillNanos == 0 ? 0 : prefilledTokens * 1e9 / prefillNanos;
    }

    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : generated.length * 1e9 / decodeNanos;
    }
}
