package dev.attnc.ffm.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.DeviceUnavailableException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs everywhere: on a machine without a GPU, asking for devices is an answer, not an error. */
class CudaAvailabilityTest {
    @Test
    void devicesIsEmptyWithoutDriverOrGpu() {
        List<CudaDevice> devices = assertDoesNotThrow(Cuda::devices);
        assertEquals(CudaDriver.isAvailable(), Cuda.unavailableReason().isEmpty());
        if (!CudaDriver.isAvailable()) {
            assertTrue(devices.isEmpty());
            DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class, CudaDriver::get);
            assertEquals(Cuda.unavailableReason().orElseThrow(), e.getMessage());
        }
    }

    @Test
    void missingNvrtcSaysWhereItLooked() {
        if (!Nvrtc.isAvailable()) {
            DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class, Nvrtc::get);
            assertTrue(e.getMessage().contains("ATTNC_NVRTC"), e.getMessage());
        }
    }
}
