package dev.attnc;

/**
 * A device or driver call failed: it names the call and the driver's error (for example
 * {@code clBuildProgram: CL_BUILD_PROGRAM_FAILURE}), with the build log when there is one.
 */
public class DeviceException extends RuntimeException {
    public DeviceException(String message) {
        super(message);
    }

    public DeviceException(String message, Throwable cause) {
        super(message, cause);
    }
}
