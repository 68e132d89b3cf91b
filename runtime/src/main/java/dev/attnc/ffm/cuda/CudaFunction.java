package dev.attnc.ffm.cuda;

import java.lang.foreign.MemorySegment;

/**
 * A kernel ({@code CUfunction}) of a loaded module, with the attributes that tell whether code
 * generation went as planned: registers per thread, local memory (stack and register spills:
 * anything above 0 in a hot loop is a performance bug) and shared memory.
 */
public final class CudaFunction {
    private static final int MAX_THREADS_PER_BLOCK = 0, SHARED_SIZE_BYTES = 1, LOCAL_SIZE_BYTES = 3, NUM_REGS = 4,
            MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;

    private final CudaContext context;
    private final CudaModule module;
    private final String name;
    private final MemorySegment handle;

    CudaFunction(CudaContext context, CudaModule module, String name, MemorySegment handle) {
        this.context = context;
        this.module = module;
        this.name = name;
        this.handle = handle;
    }

    public String name() {
        return name;
    }

    /** The handle, checked against its module having been unloaded. */
    MemorySegment handle() {
        module.handle();
        return handle;
    }

    public int registers() {
        return attribute(NUM_REGS);
    }

    /** Local memory per thread in bytes: stack frame plus register spills. */
    public int localBytes() {
        return attribute(LOCAL_SIZE_BYTES);
    }

    /** Statically declared {@code __shared__} bytes per block. */
    public int staticSharedBytes() {
        return attribute(SHARED_SIZE_BYTES);
    }

    public int maxThreadsPerBlock() {
        return attribute(MAX_THREADS_PER_BLOCK);
    }

    /**
     * Allows launches with up to {@code bytes} of dynamic shared memory. Without it a launch
     * asking for more than 48 KiB fails with {@code CUDA_ERROR_INVALID_VALUE}, whatever the GPU has.
     */
    public void maxDynamicSharedBytes(int bytes) {
        context.bind().cuFuncSetAttribute(handle(), MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
    }

    private int attribute(int attribute) {
        return context.bind().cuFuncGetAttribute(attribute, handle());
    }

    @Override
    public String toString() {
        return name;
    }
}
