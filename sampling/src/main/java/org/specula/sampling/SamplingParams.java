package org.specula.sampling;

/**
 * How logits become the distribution that is sampled from (see {@link Sampler#distribution}).
 *
 * @param temperature logits are divided by it; 0 = greedy (argmax), must be finite and >= 0
 * @param topK        keep the k most probable tokens; 0 = off
 * @param topP        keep the smallest most-probable set whose mass is >= topP; 1 = off; in (0, 1]
 * @param minP        keep tokens with probability >= minP · (largest probability); 0 = off; in [0, 1]
 */
public record SamplingParams(float temperature, int topK, float topP, float minP) {
    /** Temperature 0, every filter off: always the argmax. */
    public static final SamplingParams GREEDY = new SamplingParams(0f, 0, 1f, 0f);

    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException(
                    "temperature must be a finite number >= 0 (0 = greedy), got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0 (0 = off), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1] (1 = off), got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("minP must be in [0, 1] (0 = off), got " + minP);
        }
    }

    /** Temperature 0: the distribution is one-hot at the argmax and the filters are irrelevant. */
    public boolean isGreedy() {
        return temperature == 0;
    }
}
