package dev.attnc.backend;

import dev.attnc.DType;
import dev.attnc.kernel.Sizes;
import java.util.Locale;

/**
 * What a backend can run, said before anything is allocated: the head dimensions its kernels
 * support and the memory a call needs. Sizes are multiplied in long with overflow checks, so
 * 65536 × 65536 × 16 is a number of bytes to refuse, not a wrapped one to try.
 */
public final class Capacity {
    private Capacity() {}

    /** Why {@code d} is outside {@code [1, max]} for {@code backend}, or null. */
    public static String headDim(String backend, int d, int max) {
        if (d >= 1 && d <= max) return null;
        return "head dimension D = " + d + " is not supported: the " + backend + " backend supports D from 1 to " + max;
    }

    /** Bytes of Q and O [B,H,Q_LEN,D], {@code kvCopies} tensors [B,H_KV,KV_LEN,D] and LSE [B,H,Q_LEN] float32, or Long.MAX_VALUE past 2^63. */
    public static long callBytes(Sizes s, DType storage, int kvCopies) {
        try {
            // D or DV, whichever is larger, bounds Q and O, K and V alike
            long d = Math.max(s.D(), s.DV());
            long q = Math.multiplyExact(Math.multiplyExact((long) s.B() * s.H(), (long) s.Q_LEN()), d);
            long kv = Math.multiplyExact(Math.multiplyExact((long) s.B() * s.H_KV(), (long) s.KV_LEN()), d);
            long elements = Math.addExact(Math.multiplyExact(2, q), Math.multiplyExact(kvCopies, kv));
            return Math.addExact(Math.multiplyExact(elements, storage.byteSize()), 4L * s.B() * s.H() * s.Q_LEN());
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** "too large: ..." when {@code bytes} exceed {@code limit}, else null. */
    public static String tooLarge(String what, long bytes, String limitWords, long limit) {
        if (bytes <= limit) return null;
        String need = bytes == Long.MAX_VALUE ? "more than 2^63 bytes" : bytes + " bytes";
        return String.format(Locale.ROOT, "too large: %s need %s, more than %s (%d bytes)", what, need, limitWords, limit);
    }
}
