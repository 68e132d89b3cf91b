package dev.attnc.ffm.opencl;

import static dev.attnc.ffm.opencl.OpenClLib.clGetPlatformInfo;

import java.lang.foreign.MemorySegment;

/**
 * An OpenCL platform (one installed driver, as the ICD loader lists it).
 *
 * @param id the {@code cl_platform_id}; valid for the life of the process
 */
public record ClPlatform(long id, String name, String vendor, String version) {
    private static final int CL_PLATFORM_VERSION = 0x0901;
    private static final int CL_PLATFORM_NAME = 0x0902;
    private static final int CL_PLATFORM_VENDOR = 0x0903;

    static ClPlatform query(MemorySegment id) {
        var info = new ClInfo("clGetPlatformInfo",
                (param, size, value, sizeRet) -> (int) clGetPlatformInfo.invokeExact(id, param, size, value, sizeRet));
        return new ClPlatform(id.address(), info.string(CL_PLATFORM_NAME), info.string(CL_PLATFORM_VENDOR),
                info.string(CL_PLATFORM_VERSION));
    }
}
