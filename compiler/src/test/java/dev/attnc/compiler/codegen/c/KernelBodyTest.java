package dev.attnc.compiler.codegen.c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.TestPrograms;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where each value is computed: once per (b, h), per row, or per pair; the mask only on PARTIAL tiles. */
class KernelBodyTest {
    static KernelBody body(String program) {
        return KernelBody.of(TestPrograms.optimized(program), Dialect.OPENCL, false);
    }

    @Test
    void perHeadValuesAreHoistedOutOfAllLoops() {
        KernelBody b = body("attention alibi(slopes: float[H]) { score = score + slopes[h] * float(kv - q)\n  mask = q >= kv }");
        assertEquals(List.of("const float t0 = p0_slopes[h];"), b.prologue());
        assertEquals(List.of(), b.row());
        assertEquals(List.of("const int t1 = kv - q;", "const float t2 = (float)t1;", "const float t3 = t0 * t2;",
                "const float t4 = score + t3;"), b.full().scoreLines());
        assertEquals("t4", b.full().score());
        assertEquals(List.of("const bool t5 = q >= kv;"), b.partial().maskLines());
        assertEquals("t5", b.partial().mask());
    }

    @Test
    void perRowValuesAreHoistedOutOfTheKeyLoop() {
        KernelBody b = body("attention doc(ids: int[KV_LEN]) { mask = ids[q] == ids[kv] && q >= kv }");
        assertEquals(List.of("const int t0 = p0_ids[clamp(q, 0, KV_LEN - 1)];"), b.row());
        assertTrue(b.full().scoreLines().isEmpty());
        assertEquals("score", b.full().score());
        assertTrue(b.partial().maskLines().contains("const int t1 = p0_ids[kv];"));
    }

    @Test
    void fullTilesHaveNoMaskCodeAndSharedNodesAreComputedOnce() {
        // kv - q is shared by the score and the mask: on PARTIAL tiles the mask computes it and the score reuses it
        KernelBody b = body("attention s(w: int = 8) { score = score - float(kv - q)\n  mask = kv - q <= 0 && q - kv <= w }");
        assertEquals("true", b.full().mask());
        assertTrue(b.full().maskLines().isEmpty());
        assertTrue(b.full().scoreLines().stream().anyMatch(l -> l.contains("kv - q")));
        long inMask = b.partial().maskLines().stream().filter(l -> l.endsWith("= kv - q;")).count();
        long inScore = b.partial().scoreLines().stream().filter(l -> l.endsWith("= kv - q;")).count();
        assertEquals(1, inMask);
        assertEquals(0, inScore);
    }

    @Test
    void theLocalsAreNumberedAsInTheIrDump() {
        KernelBody b = body("attention c { score = score * 2.0\n  mask = q >= kv }");
        assertEquals(List.of("const float t0 = score * 2.0f;"), b.full().scoreLines());
        assertEquals(List.of("const bool t1 = q >= kv;"), b.partial().maskLines());
    }
}
