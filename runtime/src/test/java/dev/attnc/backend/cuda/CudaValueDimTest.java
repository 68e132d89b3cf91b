package dev.attnc.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.codegen.cuda.CudaBackwardCodegen;
import org.junit.jupiter.api.Test;

/**
 * The CUDA kernels that size V's and O's rows by D (the wgmma engines) refuse a value dimension DV
 * other than D before any work, naming both (no GPU needed); the backward on mma.sync takes DV != D
 * within its limit (CudaBackwardCodegen.unsupported(D, DV)).
 */
class CudaValueDimTest {
    @Test
    void kernelsThatTakeDvEqualToDOnlyRefuseAnotherByName() {
        String why = CudaBackend.valueDimOnlyD("the wgmma engines", 192, 128);
        assertTrue(why.contains("DV = 128") && why.contains("D = 192") && why.contains("the wgmma engines") && why.contains("use java or opencl"), why);
        assertNull(CudaBackend.valueDimOnlyD("the wgmma engines", 128, 128));
    }

    @Test
    void theBackwardTakesMlasPairAndRefusesPastItsRegisters() {
        assertNull(CudaBackwardCodegen.unsupported(192, 128));
        String why = CudaBackwardCodegen.unsupported(256, 256);
        assertTrue(why.contains("the CUDA backward") && why.contains("256"), why);
        why = CudaBackwardCodegen.unsupported(192, 256);
        assertTrue(why.contains("D + DV up to 320") && why.contains("D = 192, DV = 256"), why);
    }
}
