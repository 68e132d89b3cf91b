package dev.attnc.ffm.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Entry point of the CUDA backend: which GPUs there are, and why there are none. */
public final class Cuda {
    private Cuda() {}

    /**
     * The GPUs the driver sees, in ordinal order; empty (never an exception) when there is no
     * driver or no GPU, so callers can pick a backend by asking. {@link #unavailableReason()} says why.
     */
    public static List<CudaDevice> devices() {
        if (!CudaDriver.isAvailable()) {
            return List.of();
        }
        CudaDriver driver = CudaDriver.get();
        int count = driver.cuDeviceGetCount();
        List<CudaDevice> devices = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            devices.add(CudaDevice.query(driver, i));
        }
        return List.copyOf(devices);
    }

    /** Why {@link #devices()} is empty, as a sentence; empty when the driver is usable. */
    public static Optional<String> unavailableReason() {
        return CudaDriver.unavailableReason();
    }
}
