/**
 * Tensors over memory segments and the kernels that compute on them; every other module depends on this one and it
 * depends on nothing.
 * <p>API, the only public types (ArchitectureTest holds the list):
 * <ul>
 * <li>{@link DType}: the element types (F32, F16, BF16 weights; the KV cache's types).</li>
 * <li>{@link Tensor}: name, dtype, shape and a read-only {@link java.lang.foreign.MemorySegment}.</li>
 * <li>{@link Kernels}: the operations a forward pass needs (matmul over a block of rows, attention, norms, RoPE).</li>
 * <li>{@link ScalarKernels}: plain loops accumulating in double, the oracle every other backend is tested
 * against.</li>
 * <li>{@link KernelsFactory}: picks the backend by name; the SIMD one only when the Vector API module is
 * present.</li>
 * <li>{@link KvLayer}: one layer's key and value cache, off-heap, in the layout the attention kernels read.</li>
 * <li>{@link SpeculaException}: an input the libraries refuse (a malformed file, a value out of range), its message
 * one line naming the file or field. It lives here because every module depends on this one.</li>
 * </ul>
 * The SIMD backend is {@link org.specula.tensor.simd}.
 */
package org.specula.tensor;
