/**
 * The cli module's only code that links against {@code jdk.incubator.vector}, loaded by name by {@code bench}.
 * <p>API, the only public types (ArchitectureTest holds the list):
 * <ul>
 * <li>{@link FmaPeak}: the machine's fused multiply-add peak at the kernels' vector width.</li>
 * </ul>
 */
package org.specula.cli.simd;
