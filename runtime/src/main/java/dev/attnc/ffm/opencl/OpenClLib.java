package dev.attnc.ffm.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.attnc.DeviceUnavailableException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The FFM bindings: downcall handles to the OpenCL ICD loader for exactly the OpenCL 1.2 functions
 * attnc uses, named as in cl.h. In the descriptors {@code cl_int}, {@code cl_uint} and {@code cl_bool}
 * are {@code JAVA_INT}; {@code size_t}, {@code cl_ulong}, bitfields and {@code cl_context_properties}
 * are {@code JAVA_LONG} (attnc runs on 64-bit Linux only); handles and pointers are {@code ADDRESS}.
 *
 * <p>The library is looked up once; when it is absent the handles are null and {@link #require()}
 * throws, so the Java layer calls {@code require()} at its entry points and never touches a null
 * handle. Calls go through {@link #check}, {@link #status} and {@link #create}, which keep
 * {@code invokeExact} (exact types, so the JIT inlines the downcall) without a try/catch at every
 * call site.
 */
final class OpenClLib {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final String[] LIBRARIES = {"libOpenCL.so.1", "libOpenCL.so"};
    /** The loaded library, or null when none of LIBRARIES is installed. */
    private static final Library LIBRARY = load();
    /** Functions the library lacks (a pre-1.2 libOpenCL); filled while the handles below are made. */
    private static final List<String> MISSING = new ArrayList<>();

    static final MethodHandle clGetPlatformIDs = downcall("clGetPlatformIDs", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle clGetPlatformInfo = downcall("clGetPlatformInfo", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
    static final MethodHandle clGetDeviceIDs = downcall("clGetDeviceIDs", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle clGetDeviceInfo = downcall("clGetDeviceInfo", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
    static final MethodHandle clCreateContext = downcall("clCreateContext", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    static final MethodHandle clCreateCommandQueue = downcall("clCreateCommandQueue", ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
    static final MethodHandle clCreateProgramWithSource = downcall("clCreateProgramWithSource", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    static final MethodHandle clBuildProgram = downcall("clBuildProgram", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    static final MethodHandle clGetProgramBuildInfo = downcall("clGetProgramBuildInfo", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
    static final MethodHandle clGetProgramInfo = downcall("clGetProgramInfo", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
    static final MethodHandle clCreateProgramWithBinary = downcall("clCreateProgramWithBinary", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    static final MethodHandle clCreateKernel = downcall("clCreateKernel", ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    static final MethodHandle clSetKernelArg = downcall("clSetKernelArg", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS);
    static final MethodHandle clGetKernelWorkGroupInfo = downcall("clGetKernelWorkGroupInfo", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
    static final MethodHandle clCreateBuffer = downcall("clCreateBuffer", ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS);
    static final MethodHandle clEnqueueWriteBuffer = downcall("clEnqueueWriteBuffer", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle clEnqueueReadBuffer = downcall("clEnqueueReadBuffer", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle clEnqueueFillBuffer = downcall("clEnqueueFillBuffer", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle clEnqueueNDRangeKernel = downcall("clEnqueueNDRangeKernel", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle clFinish = downcall("clFinish", JAVA_INT, ADDRESS);
    static final MethodHandle clWaitForEvents = downcall("clWaitForEvents", JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle clGetEventProfilingInfo = downcall("clGetEventProfilingInfo", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
    static final MethodHandle clReleaseEvent = downcall("clReleaseEvent", JAVA_INT, ADDRESS);
    static final MethodHandle clReleaseMemObject = downcall("clReleaseMemObject", JAVA_INT, ADDRESS);
    static final MethodHandle clReleaseKernel = downcall("clReleaseKernel", JAVA_INT, ADDRESS);
    static final MethodHandle clReleaseProgram = downcall("clReleaseProgram", JAVA_INT, ADDRESS);
    static final MethodHandle clReleaseCommandQueue = downcall("clReleaseCommandQueue", JAVA_INT, ADDRESS);
    static final MethodHandle clReleaseContext = downcall("clReleaseContext", JAVA_INT, ADDRESS);

    /** Why OpenCL cannot be used, or null; declared after the handles because they fill MISSING. */
    private static final String PROBLEM = problem();

    private OpenClLib() {}

    /** A native call returning a {@code cl_int} status; a lambda so the cast stays exact. */
    @FunctionalInterface
    interface StatusCall {
        int invoke() throws Throwable;
    }

    /** A {@code clCreate*} call, which returns the handle and reports through {@code errcode_ret}. */
    @FunctionalInterface
    interface CreateCall {
        MemorySegment invoke(MemorySegment errcodeRet) throws Throwable;
    }

    static boolean isAvailable() {
        return PROBLEM == null;
    }

    /** Throws DeviceUnavailableException unless the library and every handle are there. */
    static void require() {
        if (PROBLEM != null) {
            throw new DeviceUnavailableException(PROBLEM);
        }
    }

    /** Runs {@code call} and throws a DeviceException naming {@code function} unless it succeeded. */
    static void check(String function, StatusCall call) {
        ClErrors.check(function, status(call));
    }

    /** Runs {@code call} and returns its status, for the few calls whose failures are not errors. */
    static int status(StatusCall call) {
        try {
            return call.invoke();
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** Runs a {@code clCreate*} call and returns the new handle, or throws naming {@code function}. */
    static MemorySegment create(String function, CreateCall call) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errcode = arena.allocate(JAVA_INT);
            MemorySegment handle = call.invoke(errcode);
            ClErrors.check(function, errcode.get(JAVA_INT, 0));
            return handle;
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** Downcalls throw only unchecked exceptions; {@code invokeExact} just declares Throwable. */
    private static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException e) {
            return e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("checked exception from a native call", t);
    }

    private record Library(String name, SymbolLookup lookup) {}

    /** Loaded for the life of the JVM: the handles below point into it. */
    @SuppressWarnings("restricted") // loading native code is this class's job
    private static Library load() {
        for (String name : LIBRARIES) {
            try {
                return new Library(name, SymbolLookup.libraryLookup(name, Arena.global()));
            } catch (IllegalArgumentException absent) {
                // try the next name
            }
        }
        return null;
    }

    @SuppressWarnings("restricted") // the descriptors above are checked against cl.h by hand
    private static MethodHandle downcall(String name, MemoryLayout result, MemoryLayout... args) {
        if (LIBRARY == null) {
            return null;
        }
        var symbol = LIBRARY.lookup().find(name);
        if (symbol.isEmpty()) {
            MISSING.add(name);
            return null;
        }
        return LINKER.downcallHandle(symbol.get(), FunctionDescriptor.of(result, args));
    }

    private static String problem() {
        if (LIBRARY == null) {
            return "OpenCL is not available: libOpenCL.so.1 was not found "
                    + "(install ocl-icd-libopencl1 and a driver such as pocl-opencl-icd)";
        }
        if (!MISSING.isEmpty()) {
            return "OpenCL is not available: " + LIBRARY.name() + " lacks " + String.join(", ", MISSING)
                    + " (an OpenCL 1.2 ICD loader such as ocl-icd-libopencl1 is needed)";
        }
        return null;
    }
}
