package dev.attnc.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The CUDA kernels that size V's and O's rows by D (the decode program, the backward, the wgmma
 * engines) refuse a value dimension DV other than D before any work, naming both (no GPU needed).
 */
class CudaValueDimTest {
    @Test
    void kernelsThatTakeDvEqualToDOnlyRefuseAnotherByName() {
        String why = CudaBackend.valueDimOnlyD("the CUDA backward", 192, 128);
        assertTrue(why.contains("DV = 128") && why.contains("D = 192") && why.contains("the CUDA backward") && why.contains("use java or opencl"), why);
        assertNull(CudaBackend.valueDimOnlyD("the CUDA backward", 128, 128));
    }
}
