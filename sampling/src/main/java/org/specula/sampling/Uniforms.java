package org.specula.sampling;

/**
 * Seeded uniforms as a pure function of their key: {@code u = at(seed, position, stream)} in [0, 1).
 *
 * <p>Keying by absolute position (not by how many draws were made) means plain and speculative decoding draw the same
 * u for the same position and purpose, whatever the block boundaries; this is what makes speculative output with
 * one-hot drafts token-identical to plain decoding. The mix is the SplitMix64 finaliser applied to seed, then
 * position, then stream; the result keeps the top 53 bits.
 */
public final class Uniforms {
    /** Stream ids: sampling an emitted token, the accept test of a draft, and the drafter's own sampling. */
    public static final int SAMPLE = 0, ACCEPT = 1, DRAFT = 2;

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final long STREAM_GAMMA = 0xD1B54A32D192ED03L;

    private Uniforms() {}

    /** A uniform in [0, 1) with 53 random bits, determined by (seed, position, stream) alone. */
    public static double at(long seed, long position, int stream) {
        long h = mix64(seed + GOLDEN_GAMMA);
        h = mix64(h + position * GOLDEN_GAMMA);
        h = mix64(h + (stream + 1L) * STREAM_GAMMA);
        return (h >>> 11) * 0x1.0p-53;
    }

    /** SplitMix64's finaliser (Stafford variant 13): a bijection on 64-bit values with full avalanche. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
