package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Poly;
import java.math.BigInteger;
import java.util.Map;

/**
 * What the optimizer assumes about the sizes of a call, and what the runtime refuses in return
 * ({@code Inputs.sizes}): every size (B, H, H_KV, Q_LEN, KV_LEN, D) is in [1, {@link #MAX_SIZE}].
 * <p>
 * Ints wrap at 32 bits, so a range fact of a sum or product holds only where no value of it can
 * leave the int range. {@link RangeAnalysis} gives {@code + - *}, negation and abs a range only
 * when both bounds {@linkplain #fitsInt fit in an int} for every choice of sizes up to
 * MAX_SIZE. 2^30 is the largest size at which a size plus a size (minus one) still fits: the
 * indices of relative biases ({@code kv - q + KV_LEN - 1} into {@code 2 * KV_LEN - 1}) keep their
 * facts. No backend is held back by it: the Java backend's Q holds at most 2^31 - 9 elements and
 * the C-family kernels take sizes up to 2^24.
 */
public final class SizeBounds {
    /** The largest size attnc accepts: 2^30. */
    public static final long MAX_SIZE = 1L << 30;

    private static final BigInteger INT_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
    private static final BigInteger INT_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
    private static final BigInteger MAX = BigInteger.valueOf(MAX_SIZE);

    private SizeBounds() {}

    /**
     * Whether the polynomial's value is an int for every choice of sizes in [1, MAX_SIZE]. Each
     * monomial c·s1·…·sk lies between c and c·MAX_SIZE^k (sizes are positive), so the sum of the
     * smallest and of the largest ends bounds the value; that bound is what must fit.
     */
    public static boolean fitsInt(Poly p) {
        BigInteger lo = BigInteger.ZERO, hi = BigInteger.ZERO;
        for (Map.Entry<String, Long> t : p.terms().entrySet()) {
            BigInteger c = BigInteger.valueOf(t.getValue());
            BigInteger far = t.getKey().isEmpty() ? c : c.multiply(MAX.pow(t.getKey().split("\\*").length));
            lo = lo.add(c.min(far));
            hi = hi.add(c.max(far));
        }
        return lo.compareTo(INT_MIN) >= 0 && hi.compareTo(INT_MAX) <= 0;
    }

    /** Both bounds known and each an int at every size up to MAX_SIZE: then no value in the interval wrapped. */
    static boolean fitsInt(Interval i) {
        return i.lo() != null && i.hi() != null && fitsInt(i.lo()) && fitsInt(i.hi());
    }
}
