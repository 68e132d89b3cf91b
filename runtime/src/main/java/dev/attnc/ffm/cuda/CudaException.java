package dev.attnc.ffm.cuda;

import dev.attnc.DeviceException;

/**
 * A CUDA driver call returned an error. Keeps the raw {@code CUresult} so callers can tell "no
 * device" from real failures without parsing the message, which reads e.g.
 * {@code cuLaunchKernel: CUDA_ERROR_INVALID_VALUE (invalid argument)}.
 */
public final class CudaException extends DeviceException {
    private final String call;
    private final int code;

    CudaException(String call, int code, String message) {
        super(message);
        this.call = call;
        this.code = code;
    }

    /** The driver entry point that failed, as exported (e.g. {@code cuMemAlloc_v2}). */
    public String call() {
        return call;
    }

    /** The {@code CUresult} value. */
    public int code() {
        return code;
    }
}
