/**
 * The command line and the single jar: {@code generate}, {@code chat}, {@code tokenize}, {@code score},
 * {@code inspect}, {@code bench}, with the built-in models and the relaunch under {@code java -jar}.
 * <p>API, the only public types (ArchitectureTest holds the list):
 * <ul>
 * <li>{@link Main}: the entry point; its commands, flags and {@code --json} keys are the contract.</li>
 * </ul>
 */
package org.specula.cli;
