/**
 * Sampling: logits to the processed distribution actually sampled from (temperature, top-k, top-p, min-p, in that
 * order, in double), and a token drawn from it with a uniform passed in. Pure functions; depends on nothing.
 *
 * <p>The module's API, every public type it has:
 * <ul>
 *   <li>{@link Sampler}: {@code distribution}, {@code sample}, {@code sampleDistribution}, {@code greedy},
 *       {@code argmax}; and {@code warmUp}, which the runtime calls when it starts, and {@code warm}.
 *   <li>{@link SamplingParams}: temperature, top-k, top-p, min-p.
 *   <li>{@link Uniforms}: the seeded uniforms, a pure function of (seed, position, stream).
 * </ul>
 * {@link org.specula.sampling.simd} is internal to the module.
 *
 * <p>Invariant: the distribution a token is drawn from is exactly the one speculative verification compares.
 */
package org.specula.sampling;
