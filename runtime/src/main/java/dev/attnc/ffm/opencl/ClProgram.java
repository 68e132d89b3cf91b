package dev.attnc.ffm.opencl;

import static dev.attnc.ffm.opencl.OpenClLib.check;
import static dev.attnc.ffm.opencl.OpenClLib.clBuildProgram;
import static dev.attnc.ffm.opencl.OpenClLib.clCreateKernel;
import static dev.attnc.ffm.opencl.OpenClLib.clCreateProgramWithBinary;
import static dev.attnc.ffm.opencl.OpenClLib.clCreateProgramWithSource;
import static dev.attnc.ffm.opencl.OpenClLib.clGetProgramBuildInfo;
import static dev.attnc.ffm.opencl.OpenClLib.clGetProgramInfo;
import static dev.attnc.ffm.opencl.OpenClLib.clReleaseProgram;
import static dev.attnc.ffm.opencl.OpenClLib.create;
import static dev.attnc.ffm.opencl.OpenClLib.status;
import static java.lang.foreign.MemorySegment.NULL;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.attnc.DeviceException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A program built for its context's device; made by {@link ClContext#build} or {@link ClContext#fromBinary}. */
public final class ClProgram extends ClResource {
    private static final int CL_PROGRAM_BINARY_SIZES = 0x1165;
    private static final int CL_PROGRAM_BINARIES = 0x1166;
    private static final int CL_PROGRAM_BUILD_LOG = 0x1183;

    private ClProgram(ClContext context, MemorySegment handle) {
        super(context, handle);
    }

    static ClProgram fromSource(ClContext context, String source, String options) {
        MemorySegment ctx = context.contextHandle();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment strings = arena.allocateFrom(ADDRESS, arena.allocateFrom(source));
            MemorySegment program = create("clCreateProgramWithSource",
                    err -> (MemorySegment) clCreateProgramWithSource.invokeExact(ctx, 1, strings, NULL, err));
            return build(context, program, options);
        }
    }

    /** The spec requires clBuildProgram on a binary program too; drivers skip the front end then. */
    static ClProgram fromBinary(ClContext context, byte[] binary) {
        MemorySegment ctx = context.contextHandle();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment devices = arena.allocateFrom(ADDRESS, context.deviceHandle());
            MemorySegment lengths = arena.allocateFrom(JAVA_LONG, binary.length);
            MemorySegment binaries = arena.allocateFrom(ADDRESS, arena.allocateFrom(JAVA_BYTE, binary));
            MemorySegment program = create("clCreateProgramWithBinary", err -> (MemorySegment)
                    clCreateProgramWithBinary.invokeExact(ctx, 1, devices, lengths, binaries, NULL, err));
            return build(context, program, "");
        }
    }

    /**
     * Builds a freshly created program (from source or binary) for the context's device and takes
     * ownership of it. On failure the program is released and the DeviceException carries the build
     * log, since the status alone ({@code CL_BUILD_PROGRAM_FAILURE}) does not say what is wrong.
     */
    private static ClProgram build(ClContext context, MemorySegment handle, String options) {
        ClProgram program = context.own(new ClProgram(context, handle));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment devices = arena.allocateFrom(ADDRESS, context.deviceHandle());
            MemorySegment opts = arena.allocateFrom(options == null ? "" : options);
            int status = status(() -> (int) clBuildProgram.invokeExact(handle, 1, devices, opts, NULL, NULL));
            if (status != ClErrors.CL_SUCCESS) {
                String log;
                try {
                    log = program.buildLog();
                } finally {
                    program.close();
                }
                throw new DeviceException(ClErrors.message("clBuildProgram", status) + "\n" + log.strip());
            }
        }
        return program;
    }

    /** A kernel of this program by its {@code __kernel} function name. */
    public ClKernel kernel(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment program = handle();
            MemorySegment cName = arena.allocateFrom(name);
            MemorySegment kernel =
                    create("clCreateKernel", err -> (MemorySegment) clCreateKernel.invokeExact(program, cName, err));
            return context.own(new ClKernel(context, kernel, name));
        }
    }

    /**
     * The device binary, for a kernel cache: {@link ClContext#fromBinary} on the same device and driver
     * skips the compiler, which takes seconds on some drivers.
     */
    public byte[] binary() {
        MemorySegment program = handle();
        var info = new ClInfo("clGetProgramInfo",
                (param, size, value, sizeRet) -> (int) clGetProgramInfo.invokeExact(program, param, size, value, sizeRet));
        // One device per context, so CL_PROGRAM_BINARY_SIZES holds one size_t.
        long size = info.ulong(CL_PROGRAM_BINARY_SIZES);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(size);
            MemorySegment pointers = arena.allocateFrom(ADDRESS, bytes);
            check("clGetProgramInfo", () -> (int) clGetProgramInfo.invokeExact(
                    program, CL_PROGRAM_BINARIES, ADDRESS.byteSize(), pointers, NULL));
            return bytes.toArray(JAVA_BYTE);
        }
    }

    private String buildLog() {
        MemorySegment program = handle();
        MemorySegment device = context.deviceHandle();
        return new ClInfo("clGetProgramBuildInfo", (param, size, value, sizeRet) ->
                (int) clGetProgramBuildInfo.invokeExact(program, device, param, size, value, sizeRet))
                .string(CL_PROGRAM_BUILD_LOG);
    }

    @Override
    void release(MemorySegment handle) {
        check("clReleaseProgram", () -> (int) clReleaseProgram.invokeExact(handle));
    }
}
