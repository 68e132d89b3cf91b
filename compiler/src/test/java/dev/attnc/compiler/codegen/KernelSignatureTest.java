package dev.attnc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaCodegen;
import dev.attnc.compiler.codegen.cuda.CudaKernelSource;
import dev.attnc.compiler.codegen.opencl.OpenClCodegen;
import dev.attnc.compiler.codegen.opencl.OpenClKernel;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each template prints exactly its kernel's signature, and the targets agree where their kernels need the same data. */
class KernelSignatureTest {
    private static final TilePlan TILES = new TilePlan(128, 64, 8);

    static Stream<Path> samples() throws IOException {
        Path here = Path.of("").toAbsolutePath();
        Path root = Files.exists(here.resolve("samples")) ? here : here.getParent();
        return Files.list(root.resolve("samples")).filter(p -> p.toString().endsWith(".attn")).sorted();
    }

    private static Attention attention(Path sample) throws IOException {
        return dev.attnc.compiler.TestPrograms.sample(sample);
    }

    @ParameterizedTest
    @MethodSource("samples")
    void everyTemplatePrintsExactlyItsSignature(Path sample) throws IOException {
        Attention a = attention(sample);
        for (CudaCodegen.Options o : List.of(CudaCodegen.Options.defaults(128, TILES), CudaCodegen.Options.wgmma(128, TILES),
                CudaCodegen.Options.hopper(2))) {
            CudaKernelSource k = CudaCodegen.generate(a, Storage.BF16, 128, TILES, o);
            assertEquals(k.signature().declarations(Dialect.CUDA, "attn_elem"), KernelSignature.printedParameters(k.text(), k.entry()),
                    o.engine() + " " + sample.getFileName());
        }
        for (Storage s : Storage.values()) {
            OpenClKernel k = OpenClCodegen.generate(a, s, 64, TILES);
            assertEquals(k.signature().declarations(Dialect.OPENCL, s.elementType(Dialect.OPENCL)),
                    KernelSignature.printedParameters(k.source(), k.entry()), "opencl " + s + " " + sample.getFileName());
        }
    }

    @ParameterizedTest
    @MethodSource("samples")
    void cudaAndOpenClTakeTheSameArgumentsBesidesOpenClsLayoutsTheHopperKernelItsOwnInputsAndSchedule(Path sample) throws IOException {
        Attention a = attention(sample);
        List<String> withLayouts = names(OpenClCodegen.generate(a, Storage.F16, 64, TILES).signature());
        // OpenCL reads Q, K, V and writes O through their layouts (strided views), then takes each sequence's length and K's and
        // V's paging, just before the sizes; CUDA uploads dense copies (and refuses lengths and pages for now)
        List<String> layouts = names(new KernelSignature(java.util.stream.Stream.concat(KernelSignature.STRIDED_QKVO.stream(),
                KernelSignature.SEQUENCES.stream()).toList()));
        assertEquals(layouts, withLayouts.subList(withLayouts.indexOf("B") - layouts.size(), withLayouts.indexOf("B")));
        List<String> opencl = new java.util.ArrayList<>(withLayouts);
        opencl.removeAll(layouts);
        assertEquals(opencl, names(CudaCodegen.generate(a, Storage.F16, 64, TILES, CudaCodegen.Options.defaults(64, TILES)).signature()));
        List<String> hopper = names(CudaCodegen.generate(a, Storage.F16, 64, TILES, CudaCodegen.Options.hopper(2)).signature());
        List<String> expected = new java.util.ArrayList<>(opencl);
        expected.subList(0, 3).clear();
        expected.addAll(0, List.of("tmQ", "tmK", "tmV"));
        expected.addAll(expected.indexOf("B"), List.of("tile_order", "n_tiles", "item_counter"));
        assertEquals(expected, hopper);
        assertEquals(a.params().size(), opencl.size() - opencl.indexOf("scale") - 1, "the attention's parameters come last");
    }

    @Test
    void declarationsTakeTheirQualifiersFromTheDialect() {
        KernelSignature sig = KernelSignature.forward(KernelSignature.POINTER_INPUTS, List.of(), List.of());
        List<String> cuda = sig.declarations(Dialect.CUDA, "attn_elem");
        List<String> opencl = sig.declarations(Dialect.OPENCL, "half");
        assertEquals("const attn_elem* __restrict__ Q", cuda.getFirst());
        assertEquals("__global const half* restrict Q", opencl.getFirst());
        assertEquals("__global half* restrict O", opencl.get(3));
        assertEquals("__global const uchar* restrict run_partial", opencl.get(8));
        assertEquals("const unsigned char* __restrict__ run_partial", cuda.get(8));
        assertEquals("const float scale", cuda.getLast());
        assertEquals("const __grid_constant__ attn_tmap tmQ", KernelSignature.TM_Q.declaration(Dialect.CUDA, "attn_elem"));
        assertThrows(IllegalArgumentException.class, () -> KernelSignature.TM_Q.declaration(Dialect.OPENCL, "half"));
    }

    @Test
    void argumentNamesAreUniqueAndCNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new KernelSignature(List.of(KernelSignature.Q, KernelSignature.Q)));
        assertTrue(e.getMessage().contains("Q"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new KernelArg("x) {", new KernelArg.Kind.Int(), new KernelArg.Role.Fixed()));
    }

    private static List<String> names(KernelSignature s) {
        return s.args().stream().map(KernelArg::name).toList();
    }
}
