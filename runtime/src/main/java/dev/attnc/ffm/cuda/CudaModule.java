package dev.attnc.ffm.cuda;

import java.lang.foreign.MemorySegment;

/**
 * A loaded PTX or cubin image ({@code CUmodule}). Its functions are valid until {@link #close()}
 * unloads it, which closing its {@link CudaContext} also does.
 */
public final class CudaModule implements Owned {
    private final CudaContext context;
    private final MemorySegment handle;
    private boolean closed;

    CudaModule(CudaContext context, MemorySegment handle) {
        this.context = context;
        this.handle = handle;
    }

    MemorySegment handle() {
        if (closed) {
            throw new IllegalStateException("CUDA module is already unloaded");
        }
        return handle;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            context.unload(this, handle);
        }
    }
}
