package dev.attnc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.interp.Reference;
import org.junit.jupiter.api.Test;

/** The rules of the one output check, each on a two-element O and a one-element LSE. */
class CheckTest {
    static final double NAN = Double.NaN;
    static final double NEG_INF = Double.NEGATIVE_INFINITY;
    static final Check.Tolerance F32 = Check.of(DType.F32);

    static Check.Report check(double[] refO, double refLse, float[] o, float lse, Check.Tolerance t) {
        return Check.compare(new Reference.Output(refO, new double[] {refLse}), Tensor.ofFloats(o, o.length),
                Tensor.ofFloats(new float[] {lse}, 1), t);
    }

    @Test
    void withinTheToleranceOfTheStorageTypePasses() {
        Check.Report r = check(new double[] {0.5, -0.25}, 3.0, new float[] {0.5005f, -0.2495f}, 3.001f, F32);
        assertTrue(r.passed(), r.toString());
        assertEquals(5e-4, r.maxErrorO(), 1e-6);
        assertEquals(0, r.nonFinite());
    }

    @Test
    void anOutputBeyondAbsolutePlusRelativeToleranceFails() {
        Check.Report r = check(new double[] {0.5, -0.25}, 3.0, new float[] {0.51f, -0.25f}, 3.0f, F32);
        assertFalse(r.passed());
        assertEquals(1, r.outOfTolerance());
        assertEquals(0, r.nonFinite());
    }

    /** The same error passes in bf16 storage: the tolerance comes from the type the kernel stored in. */
    @Test
    void theToleranceComesFromTheStorageType() {
        assertTrue(check(new double[] {0.5, -0.25}, 3.0, new float[] {0.51f, -0.25f}, 3.0f, Check.of(DType.BF16)).passed());
    }

    @Test
    void aNanWhereTheReferenceIsNotNanFailsInOAndInLse() {
        Check.Report inO = check(new double[] {0.5, -0.25}, 3.0, new float[] {Float.NaN, -0.25f}, 3.0f, F32);
        Check.Report inLse = check(new double[] {0.5, -0.25}, 3.0, new float[] {0.5f, -0.25f}, Float.NaN, F32);
        assertFalse(inO.passed());
        assertFalse(inLse.passed());
        assertEquals(1, inO.nonFinite());
        assertEquals(1, inLse.nonFinite());
    }

    /** Where the program itself makes NaN (log of a negative score...), the kernel must give NaN too. */
    @Test
    void aNanOfTheReferenceMustBeMatched() {
        assertTrue(check(new double[] {NAN, 0.5}, NAN, new float[] {Float.NaN, 0.5f}, Float.NaN, F32).passed());
        assertFalse(check(new double[] {NAN, 0.5}, NAN, new float[] {0f, 0.5f}, Float.NaN, F32).passed());
        assertFalse(check(new double[] {NAN, 0.5}, NAN, new float[] {Float.NaN, 0.5f}, 1f, F32).passed());
    }

    /** An LSE of 1e30 (scores near 1e30) off by its float32 rounding: far above 2e-3, yet right. */
    @Test
    void lseIsComparedRelativeToItsMagnitude() {
        float lse = Math.nextUp(1e30f);
        Check.Report r = check(new double[] {0.5, -0.25}, 1e30, new float[] {0.5f, -0.25f}, lse, F32);
        assertTrue(r.maxErrorLse() > 1e20, r.toString());
        assertTrue(r.passed(), r.toString());
        assertFalse(check(new double[] {0.5, -0.25}, 1e30, new float[] {0.5f, -0.25f}, 1.001e30f, F32).passed());
    }

    /** An empty row: O = 0 and LSE exactly -inf; a finite LSE there, or -inf elsewhere, fails. */
    @Test
    void negativeInfinityLseMustMatchExactly() {
        assertTrue(check(new double[] {0, 0}, NEG_INF, new float[] {0f, 0f}, Float.NEGATIVE_INFINITY, F32).passed());
        Check.Report finite = check(new double[] {0, 0}, NEG_INF, new float[] {0f, 0f}, -1e30f, F32);
        assertFalse(finite.passed());
        assertEquals(1, finite.nonFinite());
        assertFalse(check(new double[] {0, 0}, -1e30, new float[] {0f, 0f}, Float.NEGATIVE_INFINITY, F32).passed());
    }

    @Test
    void anInfiniteOutputWhereTheReferenceIsFiniteFails() {
        assertFalse(check(new double[] {0.5, -0.25}, 3.0, new float[] {Float.POSITIVE_INFINITY, -0.25f}, 3.0f, F32).passed());
    }
}
