package dev.attnc;

/**
 * A mistake in what the user gave at run time: a tensor of the wrong shape or dtype, a missing or
 * unknown argument, a corrupt .npy file. The message says what and where; the command prints it
 * without a stack trace and exits with 1. Compiler bugs are never reported with this type.
 */
public class AttnInputException extends RuntimeException {
    public AttnInputException(String message) {
        super(message);
    }

    public AttnInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
