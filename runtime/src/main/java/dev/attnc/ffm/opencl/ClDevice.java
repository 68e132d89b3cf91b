package dev.attnc.ffm.opencl;

import static dev.attnc.ffm.opencl.OpenClLib.clGetDeviceInfo;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * An OpenCL device and the properties backends choose kernels by: a snapshot taken by
 * {@link OpenCl#devices()}, so reading it makes no driver calls.
 *
 * @param id the {@code cl_device_id}; root devices live as long as the process
 * @param globalMemBytes {@code CL_DEVICE_GLOBAL_MEM_SIZE}
 * @param localMemBytes {@code CL_DEVICE_LOCAL_MEM_SIZE}: the budget for tiles in {@code __local}
 * @param maxWorkGroupSize {@code CL_DEVICE_MAX_WORK_GROUP_SIZE}; a kernel's own limit may be lower,
 *     see {@link ClKernel#maxWorkGroupSize()}
 * @param extensions the names in {@code CL_DEVICE_EXTENSIONS}
 */
public record ClDevice(
        ClPlatform platform,
        long id,
        String name,
        String vendor,
        String version,
        ClDeviceType type,
        int computeUnits,
        long globalMemBytes,
        long localMemBytes,
        long maxWorkGroupSize,
        List<String> extensions) {
    private static final int CL_DEVICE_TYPE = 0x1000;
    private static final int CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002;
    private static final int CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    private static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    private static final int CL_DEVICE_LOCAL_MEM_SIZE = 0x1023;
    private static final int CL_DEVICE_NAME = 0x102B;
    private static final int CL_DEVICE_VENDOR = 0x102C;
    private static final int CL_DEVICE_VERSION = 0x102F;
    private static final int CL_DEVICE_EXTENSIONS = 0x1030;

    public ClDevice {
        extensions = List.copyOf(extensions);
    }

    /** Whether kernels may use {@code half} arithmetic ({@code cl_khr_fp16}); fp16 storage needs no extension. */
    public boolean supportsFp16() {
        return extensions.contains("cl_khr_fp16");
    }

    static ClDevice query(ClPlatform platform, MemorySegment id) {
        var info = new ClInfo("clGetDeviceInfo",
                (param, size, value, sizeRet) -> (int) clGetDeviceInfo.invokeExact(id, param, size, value, sizeRet));
        return new ClDevice(platform, id.address(), info.string(CL_DEVICE_NAME), info.string(CL_DEVICE_VENDOR),
                info.string(CL_DEVICE_VERSION), ClDeviceType.of(info.ulong(CL_DEVICE_TYPE)),
                info.uint(CL_DEVICE_MAX_COMPUTE_UNITS), info.ulong(CL_DEVICE_GLOBAL_MEM_SIZE),
                info.ulong(CL_DEVICE_LOCAL_MEM_SIZE), info.ulong(CL_DEVICE_MAX_WORK_GROUP_SIZE),
                Arrays.stream(info.string(CL_DEVICE_EXTENSIONS).split("\\s+")).filter(e -> !e.isEmpty()).toList());
    }
}
