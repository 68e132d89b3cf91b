package dev.attnc;

import dev.attnc.backend.Backend;
import dev.attnc.backend.cpu.CpuBackend;
import dev.attnc.backend.cuda.CudaBackend;
import dev.attnc.backend.opencl.OpenClBackend;

/** Opens the backend for a target on one of its devices (device numbers as {@code attnc devices} lists them). */
public final class Backends {
    private Backends() {}

    public static Backend open(Target target, int device) {
        return switch (target) {
            case JAVA -> new CpuBackend();
            case OPENCL -> new OpenClBackend(device);
            case CUDA -> new CudaBackend(device);
        };
    }
}
