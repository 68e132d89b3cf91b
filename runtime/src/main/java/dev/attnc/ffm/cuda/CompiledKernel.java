package dev.attnc.ffm.cuda;

import java.time.Duration;

/**
 * What NVRTC produced for one source: PTX (text, without its trailing NUL) and, when the options
 * named a real architecture ({@code sm_90}), a cubin; for a virtual one ({@code compute_90}) the
 * cubin is empty and the driver JIT-compiles the PTX at load. {@code log} holds the warnings.
 */
public record CompiledKernel(String name, byte[] ptx, byte[] cubin, String log, Duration compileTime) {
    /** The image to load: the cubin when there is one (no JIT at load time), else the PTX. */
    public byte[] image() {
        return cubin.length > 0 ? cubin : ptx;
    }
}
