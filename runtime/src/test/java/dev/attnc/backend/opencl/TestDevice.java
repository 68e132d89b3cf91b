package dev.attnc.backend.opencl;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.ffm.opencl.OpenCl;
import java.nio.file.Path;

/**
 * One OpenCL backend shared by the tests of this package, so that each kernel is compiled once
 * (PoCL takes about a second a kernel); its disk cache lives under target/. Tests that need a
 * device skip, rather than fail, where this machine has no OpenCL. The device is number 0, or
 * the one {@code -Dattnc.opencl.device=N} names (to test a GPU's driver where PoCL is listed first).
 */
final class TestDevice {
    private static OpenClBackend backend;

    private TestDevice() {}

    static synchronized OpenClBackend backend() {
        assumeAvailable();
        if (backend == null) backend = new OpenClBackend(index(), cacheDir());
        return backend;
    }

    /** {@code cpu}, and this package's OpenCL backend where there is a device. */
    static java.util.List<dev.attnc.backend.Backend> withCpu(dev.attnc.backend.Backend cpu) {
        java.util.List<dev.attnc.backend.Backend> out = new java.util.ArrayList<>(java.util.List.of(cpu));
        if (OpenCl.isAvailable() && !OpenCl.devices().isEmpty()) out.add(backend());
        return out;
    }

    static void assumeAvailable() {
        assumeTrue(OpenCl.isAvailable(), "libOpenCL is not installed");
        assumeTrue(!OpenCl.devices().isEmpty(), "no OpenCL device");
    }

    static int index() {
        return Integer.getInteger("attnc.opencl.device", 0);
    }

    static Path cacheDir() {
        return Path.of("target", "opencl-test-cache").toAbsolutePath();
    }
}
