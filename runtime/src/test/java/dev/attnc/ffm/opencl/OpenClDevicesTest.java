package dev.attnc.ffm.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.DeviceUnavailableException;

import org.junit.jupiter.api.Test;

class OpenClDevicesTest {
    @Test
    void listsDevicesWithTheirProperties() {
        assumeTrue(OpenCl.isAvailable(), "libOpenCL is not installed");
        var devices = OpenCl.devices();
        assumeTrue(!devices.isEmpty(), "no OpenCL platform is installed");
        for (ClDevice d : devices) {
            System.out.printf("%s | %s | %s | %s | %d CUs | %d MiB global | %d KiB local | wg %d | fp16 %b%n",
                    d.platform().name(), d.name(), d.version(), d.type(), d.computeUnits(),
                    d.globalMemBytes() >> 20, d.localMemBytes() >> 10, d.maxWorkGroupSize(), d.supportsFp16());
            assertFalse(d.name().isBlank());
            assertFalse(d.platform().name().isBlank());
            assertTrue(d.version().startsWith("OpenCL "), d.version());
            assertTrue(d.computeUnits() > 0);
            assertTrue(d.globalMemBytes() > 0);
            assertTrue(d.localMemBytes() > 0);
            assertTrue(d.maxWorkGroupSize() > 0);
            assertFalse(d.extensions().isEmpty());
            assertTrue(d.extensions().stream().noneMatch(String::isBlank));
        }
        assertTrue(OpenCl.platforms().containsAll(devices.stream().map(ClDevice::platform).toList()));
    }

    /** Runs only where libOpenCL is missing, where the message must say what to install. */
    @Test
    void missingLibraryIsADeviceUnavailableException() {
        assumeFalse(OpenCl.isAvailable(), "libOpenCL is installed");
        var e = assertThrows(DeviceUnavailableException.class, OpenCl::devices);
        assertEquals("OpenCL is not available: libOpenCL.so.1 was not found "
                + "(install ocl-icd-libopencl1 and a driver such as pocl-opencl-icd)", e.getMessage());
    }
}
