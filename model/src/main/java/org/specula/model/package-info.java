/**
 * The Llama forward pass over a block of tokens, with its KV cache, and the drafters that read its hidden states.
 * <p>API, the only public types (ArchitectureTest holds the list):
 * <ul>
 * <li>{@link Llama}: a model folder's weights bound by their Hugging Face names, and the kernels to run them.</li>
 * <li>{@link ForwardPass}: one sequence's forward over blocks of tokens, logits for the last or every row; prefill,
 * decode and speculative verification are the same call.</li>
 * <li>{@link KvCache}: the per-layer caches of one forward pass; truncating only moves the length.</li>
 * <li>{@link MedusaHeads}: Medusa-1 heads over the target's last hidden state.</li>
 * <li>{@link ChainHead}: a one-layer drafter chained over the target's hidden states, EAGLE-1 or DeepSeek-V3
 * MTP, with its own cache ({@link ChainHead.Pass}).</li>
 * </ul>
 */
package org.specula.model;
