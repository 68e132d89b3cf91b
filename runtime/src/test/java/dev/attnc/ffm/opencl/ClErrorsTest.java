package dev.attnc.ffm.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attnc.DeviceException;
import org.junit.jupiter.api.Test;

/** Runs without OpenCL: the error table and message format are pure Java. */
class ClErrorsTest {
    @Test
    void namesCodesAsInClH() {
        assertEquals("CL_SUCCESS", ClErrors.name(0));
        assertEquals("CL_BUILD_PROGRAM_FAILURE", ClErrors.name(-11));
        assertEquals("CL_INVALID_VALUE", ClErrors.name(-30));
        assertEquals("CL_INVALID_KERNEL_ARGS", ClErrors.name(-52));
        assertEquals("CL_MAX_SIZE_RESTRICTION_EXCEEDED", ClErrors.name(-72));
        assertEquals("CL_PLATFORM_NOT_FOUND_KHR", ClErrors.name(-1001));
        assertEquals("CL error -9999", ClErrors.name(-9999));
    }

    @Test
    void checkNamesTheCallAndTheError() {
        ClErrors.check("clFinish", 0);
        var e = assertThrows(DeviceException.class, () -> ClErrors.check("clFinish", -36));
        assertEquals("clFinish: CL_INVALID_COMMAND_QUEUE", e.getMessage());
    }
}
