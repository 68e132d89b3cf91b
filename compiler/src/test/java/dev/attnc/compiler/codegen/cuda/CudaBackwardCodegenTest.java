package dev.attnc.compiler.codegen.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.testkit.Repo;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The generated CUDA backward (no GPU here: its text; the kernels run in CudaBackwardGpuTest and on
 * the CPU emulator, bench/gpu/emu/run-backward.sh): every sample's program at every supported head
 * dimension, in both storages, declares its four signatures as they are bound; no user text.
 * The whole program of one sample is a golden of KernelEngineGoldenTest.
 */
class CudaBackwardCodegenTest {
    @TestFactory
    Stream<DynamicTest> everySampleDeclaresItsSignatures() {
        return Repo.samples().stream().flatMap(p -> TestPrograms.sampleAttentions(p).stream()).flatMap(a -> Stream.of(32, 64, 128)
                .flatMap(d -> Stream.of(Storage.BF16, Storage.F16).map(s -> DynamicTest.dynamicTest(a.name() + " D = " + d + " " + s.word, () -> {
                    CudaBackwardSource k = CudaBackwardCodegen.generate(a, s, d);
                    for (var e : List.of(Map.entry(CudaBackwardSource.DELTA, k.delta()), Map.entry(CudaBackwardSource.DKDV, k.dkdv()),
                            Map.entry(CudaBackwardSource.DQ, k.dq()), Map.entry(CudaBackwardSource.REDUCE, k.reduce()))) {
                        assertEquals(e.getValue().declarations(Dialect.CUDA, "attn_elem"), KernelSignature.printedParameters(k.text(), e.getKey()),
                                e.getKey());
                    }
                    // the mask runs on PARTIAL tiles only: FULL tiles' pairs keep every pair
                    assertTrue(k.text().contains("const bool keep = true;"), "a FULL branch");
                }))));
    }

    /** Names the user chose reach the source only inside mangled identifiers; the attention's name not at all. */
    @Test
    void noUserTextButMangledNames() {
        Attention a = TestPrograms.optimized("""
                attention Zqxname(Wtable: float[H, 9], Wscalar: float = 0.5) {
                    score = score * Wscalar + Wtable[h, clamp(kv - q + 4, 0, 8)]
                }
                """);
        String text = CudaBackwardCodegen.generate(a, Storage.BF16, 64).text();
        assertFalse(text.contains("Zqxname"), text);
        assertEquals(text.split("Wtable", -1).length - 1, text.split("p0_Wtable", -1).length - 1, text);
        assertEquals(text.split("Wscalar", -1).length - 1, text.split("p1_Wscalar", -1).length - 1, text);
        assertTrue(text.contains("grad_p0_Wtable") && text.contains("grad_p1_Wscalar"), text);
    }

    @Test
    void headDimensionsItCannotHoldAreRefusedWithTheLimit() {
        assertNull(CudaBackwardCodegen.unsupported(128));
        assertEquals("the CUDA backward supports head dimensions that are multiples of 8 from 16 to 128, not 256", CudaBackwardCodegen.unsupported(256));
        assertThrows(IllegalArgumentException.class, () -> CudaBackwardCodegen.generate(TestPrograms.sample("causal"), Storage.BF16, 100));
    }
}
