/**
 * The sampler's row kernels, each a scalar twin and a vector implementation with the same results; the only
 * sampling code that imports {@code jdk.incubator.vector}, and it is loaded by name.
 *
 * <p>Internal to the sampling module. Its one public type, public only because {@code org.specula.sampling.Sampler}
 * in the parent package calls it, and used by no other module:
 * <ul>
 *   <li>{@link RowKernels}
 * </ul>
 */
package org.specula.sampling.simd;
