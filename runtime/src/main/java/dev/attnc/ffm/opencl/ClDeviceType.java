package dev.attnc.ffm.opencl;

/** What kind of processor an OpenCL device is; backends pick work-group shapes by it. */
public enum ClDeviceType {
    CPU,
    GPU,
    ACCELERATOR,
    /** {@code CL_DEVICE_TYPE_CUSTOM}: a fixed-function device that runs only built-in kernels. */
    CUSTOM;

    /**
     * Decodes a {@code cl_device_type} bitfield. Drivers may also set {@code CL_DEVICE_TYPE_DEFAULT}
     * (bit 0), which says nothing about the hardware and is ignored.
     */
    static ClDeviceType of(long bits) {
        if ((bits & (1 << 2)) != 0) {
            return GPU;
        }
        if ((bits & (1 << 1)) != 0) {
            return CPU;
        }
        if ((bits & (1 << 3)) != 0) {
            return ACCELERATOR;
        }
        return CUSTOM;
    }
}
