package org.specula.speculative;

import org.specula.model.ForwardPass;
import org.specula.sampling.Sampler;
import org.specula.sampling.SamplingParams;
import org.specula.sampling.Uniforms;
import org.specula.speculative.Generation.StopReason;

import java.util.function.IntConsumer;

/**
 * Plain autoregressive decoding: one target forward per token. The token at absolute position n is drawn with
 * the uniform Uniforms.at(seed, n, SAMPLE), the same key speculative decoding uses, so for deterministic drafters
 * both produce identical tokens.
 */
public final class PlainDecoder {
    private final ForwardPass target;
    private final SamplingParams params;
    private final long seed;
    private final float[] logits;  // [vocab]
    private final double[] probs;  // [vocab]

    public PlainDecoder(ForwardPass target, SamplingParams params, long seed) {
        this.target = target;
        this.params = params;
        this.seed = seed;
        int vocab = target.model().config().vocabSize();
        this.logits = new float[vocab];
        this.probs = new double[vocab];
    }

    /**
     * Generates after prompt (which must be non-empty), streaming each token to sink. Reuses the cached prefix it
     * shares.
     */
    public Generation generate(int[] prompt, StopCondition stop, IntConsumer sink) {
        Prefill prefill = Prefill.run(target, prompt);
        int[] tokens = prefill.tokens();
        int length = prompt.length;
        int generated = 0;
        StopReason reason = StopReason.LENGTH;
        long start = System.nanoTime();
        while (generated < stop.maxTokens()) {
            if (length >= target.context()) {
                reason = StopReason.CONTEXT;
                break;
            }
            target.forward(tokens, length - 1, 1, ForwardPass.Logits.LAST, logits);
            int token;
            if (params.isGreedy()) { // the one-hot row's token, without building the row (see Sampler.greedy)
                token = Sampler.greedy(logits, 0, logits.length);
            } else {
                token = Sampler.sampleDistribution(probs, logits, 0, logits.length, params,
                        Uniforms.at(seed, length, Uniforms.SAMPLE));
            }
            tokens[length++] = token;
            generated++;
            sink.accept(token);
            if (stop.isStop(token)) {
                reason = StopReason.EOS;
                break;
            }
        }
        long decode = System.nanoTime() - start;
        return new Generation(java.util.Arrays.copyOfRange(tokens, prompt.length, length), reason, prompt.length,
                prefill.fed(), prefill.nanos(), decode, SpecStats.plain());
    }
}
