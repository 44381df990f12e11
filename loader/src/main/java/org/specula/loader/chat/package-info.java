/**
 * The chat formats of the model families Specula runs, written in Java as their Jinja templates render them.
 * <p>API, the only public types (ArchitectureTest holds the list): {@link ChatTemplate} (render and encode a
 * conversation, its stop ids) and {@link Message} (one turn).
 */
package org.specula.loader.chat;
