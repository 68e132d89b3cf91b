package dev.attnc.ffm.opencl;

import static dev.attnc.ffm.opencl.ClErrors.CL_DEVICE_NOT_FOUND;
import static dev.attnc.ffm.opencl.ClErrors.CL_PLATFORM_NOT_FOUND_KHR;
import static dev.attnc.ffm.opencl.OpenClLib.check;
import static dev.attnc.ffm.opencl.OpenClLib.clGetDeviceIDs;
import static dev.attnc.ffm.opencl.OpenClLib.clGetPlatformIDs;
import static dev.attnc.ffm.opencl.OpenClLib.status;
import static java.lang.foreign.MemorySegment.NULL;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Entry point to OpenCL: whether it is installed and which devices it offers. Open a device with
 * {@link ClContext#open(ClDevice)}.
 */
public final class OpenCl {
    private static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;

    private OpenCl() {}

    /** Whether libOpenCL (an OpenCL 1.2 ICD loader) is installed; it may still list no platform. */
    public static boolean isAvailable() {
        return OpenClLib.isAvailable();
    }

    /**
     * The installed platforms; empty when the loader finds no driver ({@code CL_PLATFORM_NOT_FOUND_KHR}),
     * which is a normal state of a machine, not an error.
     *
     * @throws dev.attnc.DeviceUnavailableException when libOpenCL is not installed
     */
    public static List<ClPlatform> platforms() {
        OpenClLib.require();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            int status = status(() -> (int) clGetPlatformIDs.invokeExact(0, NULL, count));
            if (status == CL_PLATFORM_NOT_FOUND_KHR) {
                return List.of();
            }
            ClErrors.check("clGetPlatformIDs", status);
            int n = count.get(JAVA_INT, 0);
            if (n == 0) {
                return List.of();
            }
            MemorySegment ids = arena.allocate(ADDRESS, n);
            check("clGetPlatformIDs", () -> (int) clGetPlatformIDs.invokeExact(n, ids, NULL));
            return IntStream.range(0, n).mapToObj(i -> ClPlatform.query(ids.getAtIndex(ADDRESS, i))).toList();
        }
    }

    /**
     * Every device of every platform, in the loader's order; empty when there is no platform.
     *
     * @throws dev.attnc.DeviceUnavailableException when libOpenCL is not installed
     */
    public static List<ClDevice> devices() {
        List<ClDevice> devices = new ArrayList<>();
        for (ClPlatform platform : platforms()) {
            devices.addAll(devices(platform));
        }
        return List.copyOf(devices);
    }

    private static List<ClDevice> devices(ClPlatform platform) {
        MemorySegment id = MemorySegment.ofAddress(platform.id());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            int status = status(() -> (int) clGetDeviceIDs.invokeExact(id, CL_DEVICE_TYPE_ALL, 0, NULL, count));
            if (status == CL_DEVICE_NOT_FOUND) {
                return List.of();
            }
            ClErrors.check("clGetDeviceIDs", status);
            int n = count.get(JAVA_INT, 0);
            MemorySegment ids = arena.allocate(ADDRESS, n);
            check("clGetDeviceIDs", () -> (int) clGetDeviceIDs.invokeExact(id, CL_DEVICE_TYPE_ALL, n, ids, NULL));
            return IntStream.range(0, n).mapToObj(i -> ClDevice.query(platform, ids.getAtIndex(ADDRESS, i))).toList();
        }
    }
}
