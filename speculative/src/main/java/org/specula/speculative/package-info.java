/**
 * Speculative decoding in vLLM's roles (propose, score, verify), the loop that runs them and plain decoding as its
 * baseline. Every emitted token has the target's law; greedy output equals plain greedy output token for token.
 * <p>API, the only public types (ArchitectureTest holds the list):
 * <ul>
 * <li>{@link SpeculativeDecoder}: the loop: propose, score, verify, commit, roll back; {@link PlainDecoder} the
 * baseline with the same uniform keys; {@link DraftLength} how many tokens each step drafts (fixed, or adaptive from
 * the measured acceptance and costs).</li>
 * <li>{@link Proposer} (its javadoc is the contract a drafter keeps), {@link Draft}; {@link DraftModelProposer} a
 * smaller model, {@link NgramProposer} prompt lookup (no model), {@link EarlyExitProposer} the target's first layers
 * (self-speculation, sharing its cache), {@link MedusaProposer}, {@link EagleProposer} and {@link MtpProposer}
 * heads that read the target's hidden states, {@link OracleProposer} a benchmark proposer with a set acceptance
 * rate.</li>
 * <li>{@link Scorer}: the target's pass over the committed tail and the draft; {@link ChainScorer} scores a chain in
 * one block, and keeps the target's hidden states for the head drafters.</li>
 * <li>{@link SpeculativeSampling}: accept, residual or bonus token: the maths, no models; {@link Residual} its
 * caller-owned buffers. {@link DraftTree}, a tree of deterministic candidates, {@link TreeSampling}, the rule
 * that walks it, and {@link TreeShape}, the static or dynamic trees a head drafter grows.</li>
 * <li>{@link Prefill}, {@link StopCondition}, {@link Generation} and {@link SpecStats}: a run's start, end, result
 * and figures.</li>
 * </ul>
 */
package org.specula.speculative;
