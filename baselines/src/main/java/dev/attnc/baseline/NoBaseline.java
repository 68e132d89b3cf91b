package dev.attnc.baseline;

/** There is no handwritten kernel for this attention, dtype, head dimension or machine; the message says why. */
public final class NoBaseline extends RuntimeException {
    public NoBaseline(String message) {
        super(message);
    }
}
