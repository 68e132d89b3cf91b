package dev.attnc.ffm.cuda;

/**
 * One GPU as the driver describes it: what kernel planning needs (SM count for grid sizing, the
 * opt-in shared memory per block for tile sizes, L2 for blocking) and what reports print.
 *
 * @param ordinal the driver's device number, as passed to {@link CudaContext#open}
 * @param maxSharedPerBlockOptin bytes of shared memory one block may use after
 *     {@link CudaFunction#maxDynamicSharedBytes(int)} (227 KiB on H100, not the default 48 KiB)
 */
public record CudaDevice(int ordinal, String name, int major, int minor, int smCount, int maxSharedPerBlockOptin,
        int l2Bytes, long totalMemoryBytes) {
    private static final int MULTIPROCESSOR_COUNT = 16, L2_CACHE_SIZE = 38, COMPUTE_CAPABILITY_MAJOR = 75,
            COMPUTE_CAPABILITY_MINOR = 76, MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;

    static CudaDevice query(CudaDriver driver, int ordinal) {
        int dev = driver.cuDeviceGet(ordinal);
        return new CudaDevice(ordinal, driver.cuDeviceGetName(dev),
                driver.cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR, dev),
                driver.cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR, dev),
                driver.cuDeviceGetAttribute(MULTIPROCESSOR_COUNT, dev),
                driver.cuDeviceGetAttribute(MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, dev),
                driver.cuDeviceGetAttribute(L2_CACHE_SIZE, dev),
                driver.cuDeviceTotalMem(dev));
    }

    /** The real architecture for NVRTC's {@code --gpu-architecture}, e.g. {@code sm_90}: yields a cubin. */
    public String smArch() {
        return "sm_" + major + minor;
    }

    /** The virtual architecture, e.g. {@code compute_90}: yields PTX only, JIT-compiled at load. */
    public String computeArch() {
        return "compute_" + major + minor;
    }
}
