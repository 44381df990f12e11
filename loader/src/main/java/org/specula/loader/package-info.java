/**
 * Reading a Hugging Face model folder; every malformed input becomes a one-line {@code SpeculaException} naming
 * the file and the field.
 * <p>API, the only public types (ArchitectureTest holds the list):
 * <ul>
 * <li>{@link ModelFolder}: config.json plus single, sharded or loose safetensors, mapped or copied once; or only
 * the tensors and JSON files of a drafter's folder.</li>
 * <li>{@link LlamaConfig}: config.json as a record.</li>
 * <li>{@link SafetensorsFile}: one safetensors file, mapped or copied, its tensors as slices, its header
 * validated.</li>
 * <li>{@link Json}: our strict JSON reader, also used by the CLI's JSON output and by tests.</li>
 * <li>{@link JsonFields}: typed reads of parsed JSON; public for {@code org.specula.loader.tokenizer} and the model
 * module's drafter configurations.</li>
 * </ul>
 * The tokenizer is in {@link org.specula.loader.tokenizer}, chat formats in {@link org.specula.loader.chat}.
 */
package org.specula.loader;
