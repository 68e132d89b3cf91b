package dev.attnc.ffm.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.attnc.DeviceUnavailableException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The CUDA driver API ({@code libcuda.so.1}) through {@code java.lang.foreign}, one method per entry
 * point. Out-parameters become return values and every non-zero {@code CUresult} becomes a
 * {@link CudaException} naming the call, so callers never see a raw status code.
 *
 * <p>Methods bind the ABI-versioned symbols that {@code cuda.h} maps its names to
 * ({@code cuMemAlloc_v2}, {@code cuDevicePrimaryCtxRelease_v2}, ...): the unsuffixed exports are
 * the legacy ABIs kept for old binaries (32-bit sizes, other semantics). The copies and memsets
 * are the legacy-default-stream variants, not the {@code _ptds} ones, which is what lets
 * {@link CudaContext} rely on their implicit ordering with its blocking stream.
 *
 * <p>The library is loaded and {@code cuInit} called once, on first use, so that a machine
 * without NVIDIA's driver only sees {@link #isAvailable()} return false.
 */
public final class CudaDriver {
    private final MethodHandle cuInit, cuDriverGetVersion, cuDeviceGetCount, cuDeviceGet,
            cuDeviceGetName, cuDeviceGetAttribute, cuDeviceTotalMem, cuDevicePrimaryCtxRetain,
            cuDevicePrimaryCtxRelease, cuCtxSetCurrent, cuCtxSynchronize, cuModuleLoadData,
            cuModuleLoadDataEx, cuModuleGetFunction, cuModuleUnload, cuFuncSetAttribute,
            cuFuncGetAttribute, cuLaunchKernel, cuMemAlloc, cuMemFree, cuMemcpyHtoD, cuMemcpyDtoH,
            cuMemsetD8Async, cuMemsetD32Async, cuStreamCreate, cuStreamDestroy, cuStreamSynchronize,
            cuEventCreate, cuEventRecord, cuEventSynchronize, cuEventElapsedTime, cuEventDestroy,
            cuGetErrorName, cuGetErrorString, cuTensorMapEncodeTiled, cuMemHostAlloc, cuMemFreeHost,
            cuMemcpyHtoDAsync, cuEventQuery, cuLaunchKernelEx;

    private static final int NOT_READY = 600; // CUDA_ERROR_NOT_READY

    private CudaDriver(SymbolLookup lib) {
        cuInit = Native.bind(lib, "cuInit", JAVA_INT, JAVA_INT);
        cuDriverGetVersion = Native.bind(lib, "cuDriverGetVersion", JAVA_INT, ADDRESS);
        cuDeviceGetCount = Native.bind(lib, "cuDeviceGetCount", JAVA_INT, ADDRESS);
        cuDeviceGet = Native.bind(lib, "cuDeviceGet", JAVA_INT, ADDRESS, JAVA_INT);
        cuDeviceGetName = Native.bind(lib, "cuDeviceGetName", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceGetAttribute = Native.bind(lib, "cuDeviceGetAttribute", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceTotalMem = Native.bind(lib, "cuDeviceTotalMem_v2", JAVA_INT, ADDRESS, JAVA_INT);
        cuDevicePrimaryCtxRetain = Native.bind(lib, "cuDevicePrimaryCtxRetain", JAVA_INT, ADDRESS, JAVA_INT);
        cuDevicePrimaryCtxRelease = Native.bind(lib, "cuDevicePrimaryCtxRelease_v2", JAVA_INT, JAVA_INT);
        cuCtxSetCurrent = Native.bind(lib, "cuCtxSetCurrent", JAVA_INT, ADDRESS);
        cuCtxSynchronize = Native.bind(lib, "cuCtxSynchronize", JAVA_INT);
        cuModuleLoadData = Native.bind(lib, "cuModuleLoadData", JAVA_INT, ADDRESS, ADDRESS);
        cuModuleLoadDataEx = Native.bind(lib, "cuModuleLoadDataEx", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS,
                ADDRESS);
        cuModuleGetFunction = Native.bind(lib, "cuModuleGetFunction", JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        cuModuleUnload = Native.bind(lib, "cuModuleUnload", JAVA_INT, ADDRESS);
        cuFuncSetAttribute = Native.bind(lib, "cuFuncSetAttribute", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
        cuFuncGetAttribute = Native.bind(lib, "cuFuncGetAttribute", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
        cuLaunchKernel = Native.bind(lib, "cuLaunchKernel", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        // CUDA 12.0's; without it a dependent launch is a plain one (the kernels' waits are then no-ops)
        cuLaunchKernelEx = lib.find("cuLaunchKernelEx").isEmpty() ? null
                : Native.bind(lib, "cuLaunchKernelEx", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        cuMemAlloc = Native.bind(lib, "cuMemAlloc_v2", JAVA_INT, ADDRESS, JAVA_LONG);
        cuMemFree = Native.bind(lib, "cuMemFree_v2", JAVA_INT, JAVA_LONG);
        cuMemcpyHtoD = Native.bind(lib, "cuMemcpyHtoD_v2", JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG);
        cuMemcpyDtoH = Native.bind(lib, "cuMemcpyDtoH_v2", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG);
        cuMemHostAlloc = Native.bind(lib, "cuMemHostAlloc", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
        cuMemFreeHost = Native.bind(lib, "cuMemFreeHost", JAVA_INT, ADDRESS);
        cuMemcpyHtoDAsync = Native.bind(lib, "cuMemcpyHtoDAsync_v2", JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
        cuEventQuery = Native.bind(lib, "cuEventQuery", JAVA_INT, ADDRESS);
        cuMemsetD8Async = Native.bind(lib, "cuMemsetD8Async", JAVA_INT, JAVA_LONG, JAVA_BYTE, JAVA_LONG, ADDRESS);
        cuMemsetD32Async = Native.bind(lib, "cuMemsetD32Async", JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS);
        cuStreamCreate = Native.bind(lib, "cuStreamCreate", JAVA_INT, ADDRESS, JAVA_INT);
        cuStreamDestroy = Native.bind(lib, "cuStreamDestroy_v2", JAVA_INT, ADDRESS);
        cuStreamSynchronize = Native.bind(lib, "cuStreamSynchronize", JAVA_INT, ADDRESS);
        cuEventCreate = Native.bind(lib, "cuEventCreate", JAVA_INT, ADDRESS, JAVA_INT);
        cuEventRecord = Native.bind(lib, "cuEventRecord", JAVA_INT, ADDRESS, ADDRESS);
        cuEventSynchronize = Native.bind(lib, "cuEventSynchronize", JAVA_INT, ADDRESS);
        // CUDA 12.8 added _v2 (cuda.h maps the name to it); drivers before that export only v1.
        cuEventElapsedTime = Native.bindFirst(lib, new String[] {"cuEventElapsedTime_v2", "cuEventElapsedTime"},
                JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        cuEventDestroy = Native.bind(lib, "cuEventDestroy_v2", JAVA_INT, ADDRESS);
        cuGetErrorName = Native.bind(lib, "cuGetErrorName", JAVA_INT, JAVA_INT, ADDRESS);
        cuGetErrorString = Native.bind(lib, "cuGetErrorString", JAVA_INT, JAVA_INT, ADDRESS);
        cuTensorMapEncodeTiled = Native.bind(lib, "cuTensorMapEncodeTiled", JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    }

    /** Loads the driver on first use; {@code DRIVER} is null and {@code REASON} says why when that fails. */
    private static final class Holder {
        static final CudaDriver DRIVER;
        static final String REASON;

        static {
            CudaDriver driver = null;
            String reason = null;
            try {
                driver = new CudaDriver(Native.open("libcuda.so.1"));
                driver.cuInit(0);
            } catch (IllegalArgumentException e) {
                reason = "The CUDA driver library libcuda.so.1 could not be used (" + e.getMessage()
                        + "); is the NVIDIA driver installed?";
            } catch (CudaException e) {
                reason = "The CUDA driver found no usable GPU: " + e.getMessage();
                driver = null;
            }
            DRIVER = driver;
            REASON = reason;
        }
    }

    /** True when libcuda loaded and {@code cuInit} succeeded, i.e. there is at least one GPU. */
    public static boolean isAvailable() {
        return Holder.DRIVER != null;
    }

    /** Why the driver is not available, as a sentence for the user; empty when it is. */
    public static Optional<String> unavailableReason() {
        return Optional.ofNullable(Holder.REASON);
    }

    /** The driver, or a {@link DeviceUnavailableException} that says why there is none. */
    public static CudaDriver get() {
        if (Holder.DRIVER == null) {
            throw new DeviceUnavailableException(Holder.REASON);
        }
        return Holder.DRIVER;
    }

    private void check(String call, int result) {
        if (result != 0) {
            throw new CudaException(call, result, call + ": " + errorText(result));
        }
    }

    /** {@code CUDA_ERROR_X (description)} from cuGetErrorName and cuGetErrorString. */
    public String errorText(int result) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(ADDRESS);
            MemorySegment text = arena.allocate(ADDRESS);
            if (Native.invoke(() -> (int) cuGetErrorName.invokeExact(result, name)) != 0) {
                return "CUresult " + result;
            }
            Native.invoke(() -> (int) cuGetErrorString.invokeExact(result, text));
            return Native.string(name.get(ADDRESS, 0)) + " (" + Native.string(text.get(ADDRESS, 0)) + ")";
        }
    }

    public void cuInit(int flags) {
        check("cuInit", Native.invoke(() -> (int) cuInit.invokeExact(flags)));
    }

    /** The driver's CUDA version, 1000 × major + 10 × minor (13000 for 13.0). */
    public int cuDriverGetVersion() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("cuDriverGetVersion", Native.invoke(() -> (int) cuDriverGetVersion.invokeExact(out)));
            return out.get(JAVA_INT, 0);
        }
    }

    public int cuDeviceGetCount() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("cuDeviceGetCount", Native.invoke(() -> (int) cuDeviceGetCount.invokeExact(out)));
            return out.get(JAVA_INT, 0);
        }
    }

    /** The {@code CUdevice} handle of the device with this ordinal. */
    public int cuDeviceGet(int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("cuDeviceGet", Native.invoke(() -> (int) cuDeviceGet.invokeExact(out, ordinal)));
            return out.get(JAVA_INT, 0);
        }
    }

    public String cuDeviceGetName(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(256);
            check("cuDeviceGetName", Native.invoke(() -> (int) cuDeviceGetName.invokeExact(out, 256, device)));
            return out.getString(0);
        }
    }

    /** One {@code CU_DEVICE_ATTRIBUTE_*} value (see {@link CudaDevice} for the ones we read). */
    public int cuDeviceGetAttribute(int attribute, int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("cuDeviceGetAttribute",
                    Native.invoke(() -> (int) cuDeviceGetAttribute.invokeExact(out, attribute, device)));
            return out.get(JAVA_INT, 0);
        }
    }

    public long cuDeviceTotalMem(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check("cuDeviceTotalMem_v2", Native.invoke(() -> (int) cuDeviceTotalMem.invokeExact(out, device)));
            return out.get(JAVA_LONG, 0);
        }
    }

    public MemorySegment cuDevicePrimaryCtxRetain(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check("cuDevicePrimaryCtxRetain",
                    Native.invoke(() -> (int) cuDevicePrimaryCtxRetain.invokeExact(out, device)));
            return out.get(ADDRESS, 0);
        }
    }

    public void cuDevicePrimaryCtxRelease(int device) {
        check("cuDevicePrimaryCtxRelease_v2",
                Native.invoke(() -> (int) cuDevicePrimaryCtxRelease.invokeExact(device)));
    }

    public void cuCtxSetCurrent(MemorySegment context) {
        check("cuCtxSetCurrent", Native.invoke(() -> (int) cuCtxSetCurrent.invokeExact(context)));
    }

    public void cuCtxSynchronize() {
        check("cuCtxSynchronize", Native.invoke(() -> (int) cuCtxSynchronize.invokeExact()));
    }

    /** Loads a NUL-terminated PTX text or a cubin/fatbin image into the current context. */
    public MemorySegment cuModuleLoadData(MemorySegment image) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check("cuModuleLoadData", Native.invoke(() -> (int) cuModuleLoadData.invokeExact(out, image)));
            return out.get(ADDRESS, 0);
        }
    }

    /**
     * Like {@link #cuModuleLoadData} but with the JIT's error log: when PTX fails to assemble the
     * exception's message carries ptxas's diagnostics, which the plain call throws away.
     */
    public MemorySegment cuModuleLoadDataEx(MemorySegment image) {
        final int logBytes = 64 * 1024;
        final int errorLogBuffer = 5, errorLogBufferSizeBytes = 6; // CU_JIT_ERROR_LOG_BUFFER(_SIZE_BYTES)
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            MemorySegment log = arena.allocate(logBytes);
            MemorySegment options = arena.allocateFrom(JAVA_INT, errorLogBuffer, errorLogBufferSizeBytes);
            MemorySegment values = arena.allocate(ADDRESS, 2);
            values.setAtIndex(ADDRESS, 0, log);
            values.setAtIndex(ADDRESS, 1, MemorySegment.ofAddress(logBytes)); // a size passed as a pointer
            int result = Native.invoke(() -> (int) cuModuleLoadDataEx.invokeExact(out, image, 2, options, values));
            if (result != 0) {
                String jitLog = log.getString(0).strip();
                throw new CudaException("cuModuleLoadDataEx", result, "cuModuleLoadDataEx: " + errorText(result)
                        + (jitLog.isEmpty() ? "" : "\n" + jitLog));
            }
            return out.get(ADDRESS, 0);
        }
    }

    public MemorySegment cuModuleGetFunction(MemorySegment module, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            MemorySegment cName = arena.allocateFrom(name);
            int result = Native.invoke(() -> (int) cuModuleGetFunction.invokeExact(out, module, cName));
            if (result != 0) {
                throw new CudaException("cuModuleGetFunction", result,
                        "cuModuleGetFunction(\"" + name + "\"): " + errorText(result));
            }
            return out.get(ADDRESS, 0);
        }
    }

    public void cuModuleUnload(MemorySegment module) {
        check("cuModuleUnload", Native.invoke(() -> (int) cuModuleUnload.invokeExact(module)));
    }

    /** Sets a {@code CU_FUNC_ATTRIBUTE_*}, e.g. 8 = MAX_DYNAMIC_SHARED_SIZE_BYTES. */
    public void cuFuncSetAttribute(MemorySegment function, int attribute, int value) {
        check("cuFuncSetAttribute",
                Native.invoke(() -> (int) cuFuncSetAttribute.invokeExact(function, attribute, value)));
    }

    /** Reads a {@code CU_FUNC_ATTRIBUTE_*}, e.g. 4 = NUM_REGS, 3 = LOCAL_SIZE_BYTES. */
    public int cuFuncGetAttribute(int attribute, MemorySegment function) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("cuFuncGetAttribute",
                    Native.invoke(() -> (int) cuFuncGetAttribute.invokeExact(out, attribute, function)));
            return out.get(JAVA_INT, 0);
        }
    }

    /** Launches with {@code kernelParams} (a {@code void*[]}, one pointer per parameter) and no extra. */
    public void cuLaunchKernel(MemorySegment function, int gridX, int gridY, int gridZ, int blockX, int blockY,
            int blockZ, int sharedBytes, MemorySegment stream, MemorySegment kernelParams) {
        check("cuLaunchKernel", Native.invoke(() -> (int) cuLaunchKernel.invokeExact(function, gridX, gridY, gridZ,
                blockX, blockY, blockZ, sharedBytes, stream, kernelParams, MemorySegment.NULL)));
    }

    private static final int LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION = 6; // CUlaunchAttributeID
    private static final long LAUNCH_CONFIG_BYTES = 56, LAUNCH_ATTRIBUTE_BYTES = 72; // CUlaunchConfig, CUlaunchAttribute (x86-64)

    /**
     * {@link #cuLaunchKernel} as a programmatic dependent launch (sm_90; cuLaunchKernelEx with the programmatic stream
     * serialization attribute): the kernel's blocks may start before the kernel queued before it on the stream has
     * ended (once all that kernel's blocks have begun, or said griddepcontrol.launch_dependents); the kernel must
     * wait (griddepcontrol.wait) before it reads what the one before it writes.
     */
    public void cuLaunchKernelDependent(MemorySegment function, int gridX, int gridY, int gridZ, int blockX, int blockY,
            int blockZ, int sharedBytes, MemorySegment stream, MemorySegment kernelParams) {
        if (cuLaunchKernelEx == null) {
            cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, stream, kernelParams);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attribute = arena.allocate(LAUNCH_ATTRIBUTE_BYTES, 8);
            attribute.set(JAVA_INT, 0, LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION);
            attribute.set(JAVA_INT, 8, 1); // value.programmaticStreamSerializationAllowed
            MemorySegment config = arena.allocate(LAUNCH_CONFIG_BYTES, 8);
            int[] dims = {gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes};
            for (int i = 0; i < dims.length; i++) config.set(JAVA_INT, 4L * i, dims[i]);
            config.set(ADDRESS, 32, stream);
            config.set(ADDRESS, 40, attribute);
            config.set(JAVA_INT, 48, 1);
            check("cuLaunchKernelEx", Native.invoke(() -> (int) cuLaunchKernelEx.invokeExact(config, function, kernelParams,
                    MemorySegment.NULL)));
        }
    }

    /** Returns the new allocation's device address ({@code CUdeviceptr}). */
    public long cuMemAlloc(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            int result = Native.invoke(() -> (int) cuMemAlloc.invokeExact(out, bytes));
            if (result != 0) {
                throw new CudaException("cuMemAlloc_v2", result,
                        "cuMemAlloc_v2(" + bytes + " bytes): " + errorText(result));
            }
            return out.get(JAVA_LONG, 0);
        }
    }

    public void cuMemFree(long address) {
        check("cuMemFree_v2", Native.invoke(() -> (int) cuMemFree.invokeExact(address)));
    }

    public void cuMemcpyHtoD(long dst, MemorySegment src, long bytes) {
        check("cuMemcpyHtoD_v2", Native.invoke(() -> (int) cuMemcpyHtoD.invokeExact(dst, src, bytes)));
    }

    public void cuMemcpyDtoH(MemorySegment dst, long src, long bytes) {
        check("cuMemcpyDtoH_v2", Native.invoke(() -> (int) cuMemcpyDtoH.invokeExact(dst, src, bytes)));
    }

    /** Page-locked host memory of {@code bytes} bytes, which the GPU's copy engines read directly (an async copy from it does not block the host). */
    public MemorySegment cuMemHostAlloc(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check("cuMemHostAlloc", Native.invoke(() -> (int) cuMemHostAlloc.invokeExact(out, bytes, 0)));
            return out.get(ADDRESS, 0).reinterpret(bytes);
        }
    }

    public void cuMemFreeHost(MemorySegment pinned) {
        check("cuMemFreeHost", Native.invoke(() -> (int) cuMemFreeHost.invokeExact(pinned)));
    }

    /** Queues a copy from page-locked {@code src} on {@code stream}; the host may not touch {@code src} until the copy has run. */
    public void cuMemcpyHtoDAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        check("cuMemcpyHtoDAsync_v2", Native.invoke(() -> (int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, stream)));
    }

    public void cuMemsetD8Async(long dst, byte value, long count, MemorySegment stream) {
        check("cuMemsetD8Async", Native.invoke(() -> (int) cuMemsetD8Async.invokeExact(dst, value, count, stream)));
    }

    public void cuMemsetD32Async(long dst, int value, long count, MemorySegment stream) {
        check("cuMemsetD32Async", Native.invoke(() -> (int) cuMemsetD32Async.invokeExact(dst, value, count, stream)));
    }

    public MemorySegment cuStreamCreate(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check("cuStreamCreate", Native.invoke(() -> (int) cuStreamCreate.invokeExact(out, flags)));
            return out.get(ADDRESS, 0);
        }
    }

    public void cuStreamDestroy(MemorySegment stream) {
        check("cuStreamDestroy_v2", Native.invoke(() -> (int) cuStreamDestroy.invokeExact(stream)));
    }

    public void cuStreamSynchronize(MemorySegment stream) {
        check("cuStreamSynchronize", Native.invoke(() -> (int) cuStreamSynchronize.invokeExact(stream)));
    }

    public MemorySegment cuEventCreate(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check("cuEventCreate", Native.invoke(() -> (int) cuEventCreate.invokeExact(out, flags)));
            return out.get(ADDRESS, 0);
        }
    }

    public void cuEventRecord(MemorySegment event, MemorySegment stream) {
        check("cuEventRecord", Native.invoke(() -> (int) cuEventRecord.invokeExact(event, stream)));
    }

    public void cuEventSynchronize(MemorySegment event) {
        check("cuEventSynchronize", Native.invoke(() -> (int) cuEventSynchronize.invokeExact(event)));
    }

    /** Whether the work before {@code event}'s record has run (CUDA_ERROR_NOT_READY: not yet). */
    public boolean cuEventQuery(MemorySegment event) {
        int result = Native.invoke(() -> (int) cuEventQuery.invokeExact(event));
        if (result == NOT_READY) return false;
        check("cuEventQuery", result);
        return true;
    }

    /** Milliseconds between two completed events. */
    public float cuEventElapsedTime(MemorySegment start, MemorySegment end) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_FLOAT);
            check("cuEventElapsedTime", Native.invoke(() -> (int) cuEventElapsedTime.invokeExact(out, start, end)));
            return out.get(JAVA_FLOAT, 0);
        }
    }

    public void cuEventDestroy(MemorySegment event) {
        check("cuEventDestroy_v2", Native.invoke(() -> (int) cuEventDestroy.invokeExact(event)));
    }

    /**
     * Fills {@code tensorMap} (128 bytes, 64-byte aligned) with a TMA descriptor. The array
     * arguments are native {@code cuuint64_t[rank]}, {@code cuuint64_t[rank-1]} (byte strides of
     * dimensions 1..rank-1), {@code cuuint32_t[rank]} and {@code cuuint32_t[rank]}; the enums are
     * the C values.
     */
    public void cuTensorMapEncodeTiled(MemorySegment tensorMap, int dataType, int rank, MemorySegment globalAddress,
            MemorySegment globalDims, MemorySegment globalStrides, MemorySegment boxDims,
            MemorySegment elementStrides, int interleave, int swizzle, int l2Promotion, int oobFill) {
        check("cuTensorMapEncodeTiled", Native.invoke(() -> (int) cuTensorMapEncodeTiled.invokeExact(tensorMap,
                dataType, rank, globalAddress, globalDims, globalStrides, boxDims, elementStrides, interleave,
                swizzle, l2Promotion, oobFill)));
    }
}
