/**
 * A BPE tokenizer read from tokenizer.json with the Hugging Face {@code tokenizers} library's semantics.
 * <p>API, the only public type (ArchitectureTest holds the list): {@link Tokenizer}, with its nested
 * {@link Tokenizer.StreamDecoder}. The pipeline stages behind it (added tokens, normalizer, pre-tokenizer, BPE model,
 * decoder chain, the GPT-2 byte map, the Oniguruma-to-java.util.regex translation) are package-private, so they
 * can change without touching another module.
 */
package org.specula.loader.tokenizer;
