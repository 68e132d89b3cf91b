package dev.attnc;

/** The backend's driver or library is not on this machine (no libOpenCL, no libcuda, no GPU). */
public class DeviceUnavailableException extends DeviceException {
    public DeviceUnavailableException(String message) {
        super(message);
    }
}
