/**
 * The Vector API backend: the only tensor code that imports {@code jdk.incubator.vector}, loaded by name so that a
 * JVM without the module never links against it. The matmul tiles, lane-sum folds and width classes are generated
 * by {@code KernelGenerator} (tensor's tests) and checked in.
 * <p>API, the only public types (ArchitectureTest holds the list):
 * <ul>
 * <li>{@link SimdKernels}: the {@link org.specula.tensor.Kernels} implementation, constructed by name.</li>
 * <li>{@link WarmUp}: runs the kernels on a model's own matrices until C2 has compiled them, before a decoder
 * starts its clocks; a no-op for other backends.</li>
 * </ul>
 */
package org.specula.tensor.simd;
