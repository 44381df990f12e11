package org.specula.tensor;

class ScalarKernelsContractTest extends KernelsContractTest {
    @Override
    protected Kernels create() {
        return new ScalarKernels();
    }
}
