package dev.attnc.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The CUDA backend refuses a value dimension DV other than D before any work, naming both (no GPU needed). */
class CudaValueDimTest {
    @Test
    void aValueDimensionOtherThanDIsRefusedByName() {
        String why = CudaBackend.unsupportedValueDim(192, 128);
        assertTrue(why.contains("DV = 128") && why.contains("D = 192") && why.contains("use java or opencl"), why);
        assertNull(CudaBackend.unsupportedValueDim(128, 128));
    }
}
