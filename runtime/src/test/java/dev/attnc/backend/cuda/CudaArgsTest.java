package dev.attnc.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.SignatureBinder;
import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaCodegen;
import dev.attnc.compiler.codegen.cuda.CudaKernelSource;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CUDA launch arguments bound by name, without a GPU: device buffers are recorded uploads
 * (fake addresses), and the bound list is checked, position by position, against the parameter
 * list that the template printed.
 */
class CudaArgsTest {
    private static final TilePlan TILES = new TilePlan(128, 64, 8);
    private static final Sizes SIZES = new Sizes(2, 4, 2, 300, 300, 128);
    private static final float[] SLOPES = {0.5f, 0.25f, 0.125f, 0.0625f};

    private final List<MemorySegment> uploads = new ArrayList<>();

    private Object upload(MemorySegment host) {
        uploads.add(host);
        return 0x1000L * uploads.size();
    }

    private static Attention alibiSoftcap() throws IOException {
        return dev.attnc.compiler.TestPrograms.sample("alibi_softcap");
    }

    private static RunInputs inputs(Attention a) {
        BlockPlan plan = BlockPlanner.plan(a, SIZES, Bindings.none(), TILES.blockM(), TILES.blockN());
        Tensor q = Tensor.allocate(DType.BF16, 2, 4, 300, 128);
        Tensor kv = Tensor.allocate(DType.BF16, 2, 2, 300, 128);
        return new RunInputs(SIZES, q, kv, kv, Map.of("cap", 20.0), Map.of("slopes", Tensor.ofFloats(SLOPES, 4)), 0.125, plan);
    }

    /** The fixed arguments of a pointer kernel, Q K V O LSE as fake device addresses. */
    private static Map<String, Object> pointerArgs(RunInputs in) {
        Map<String, Object> fixed = SignatureBinder.planAndSizes(in.sizes(), in.plan(), in.scale());
        for (String name : List.of("Q", "K", "V", "O", "LSE")) fixed.put(name, 0xdead0000L + name.length());
        return fixed;
    }

    @Test
    void bindsByNameInTheOrderAndTypesTheTemplatePrinted() throws IOException {
        Attention a = alibiSoftcap();
        RunInputs in = inputs(a);
        for (CudaCodegen.Options o : List.of(CudaCodegen.Options.defaults(128, TILES), CudaCodegen.Options.wgmma(128, TILES))) {
            uploads.clear();
            CudaKernelSource src = CudaCodegen.generate(a, Storage.BF16, 128, TILES, o);
            Object[] args = CudaArgs.bind(src, pointerArgs(in), in, this::upload);
            List<String> printed = KernelSignature.printedParameters(src.text(), src.entry());
            assertEquals(printed.size(), args.length, printed.toString());
            Map<String, Object> byName = new HashMap<>();
            for (int i = 0; i < args.length; i++) {
                String decl = printed.get(i);
                Class<?> want = decl.contains("*") ? Long.class : decl.startsWith("const int ") ? Integer.class
                        : decl.startsWith("const float ") ? Float.class : Void.class;
                assertInstanceOf(want, args[i], decl);
                byName.put(decl.substring(decl.lastIndexOf(' ') + 1), args[i]);
            }
            BlockPlan plan = in.plan();
            assertEquals(0xdead0000L + 1, byName.get("Q"));
            assertEquals(0xdead0000L + 3, byName.get("LSE"));
            assertEquals(List.of(2, 4, 2, 300, 300), List.of(byName.get("B"), byName.get("H"), byName.get("H_KV"),
                    byName.get("Q_LEN"), byName.get("KV_LEN")));
            assertEquals(List.of(plan.batchStride(), plan.headStride(), plan.qTiles),
                    List.of(byName.get("plan_b_stride"), byName.get("plan_h_stride"), byName.get("q_tiles")));
            assertEquals(0.125f, byName.get("scale"));
            assertEquals(20.0f, byName.get("p1_cap"));
            // the plan's arrays and the slopes were uploaded, each once; the slopes as float32
            assertEquals(5, uploads.size());
            MemorySegment slopes = uploads.get((int) ((Long) byName.get("p0_slopes") / 0x1000L) - 1);
            assertArrayEquals(SLOPES, slopes.toArray(ValueLayout.JAVA_FLOAT));
            MemorySegment offsets = uploads.get((int) ((Long) byName.get("run_offsets") / 0x1000L) - 1);
            assertArrayEquals(plan.runOffsets, offsets.toArray(ValueLayout.JAVA_INT));
        }
    }

    @Test
    void missingAndExtraArgumentsAreNamed() throws IOException {
        Attention a = alibiSoftcap();
        RunInputs in = inputs(a);
        CudaKernelSource hopper = CudaCodegen.generate(a, Storage.BF16, 128, TILES, CudaCodegen.Options.hopper(2));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CudaArgs.bind(hopper, pointerArgs(in), in, this::upload));
        assertTrue(e.getMessage().contains("missing [tmQ, tmK, tmV, tile_order, n_tiles, item_counter]"), e.getMessage());
        assertTrue(e.getMessage().contains("not taken by the kernel [K, Q, V]"), e.getMessage());
    }

    @Test
    void aValueOfTheWrongKindIsNamed() throws IOException {
        Attention a = alibiSoftcap();
        RunInputs in = inputs(a);
        CudaKernelSource src = CudaCodegen.generate(a, Storage.BF16, 128, TILES, CudaCodegen.Options.defaults(128, TILES));
        Map<String, Object> fixed = pointerArgs(in);
        fixed.put("q_tiles", 3L);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CudaArgs.bind(src, fixed, in, this::upload));
        assertTrue(e.getMessage().contains("argument q_tiles"), e.getMessage());
    }
}
