package dev.attnc.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.SignatureBinder;
import dev.attnc.backend.TensorSpans;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaCodegen;
import dev.attnc.compiler.codegen.cuda.CudaKernelSource;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Strided views on the CUDA forward without a GPU: the strided form of the mma.sync kernel binds each
 * tensor's layout by name (the text of dense calls unchanged), the Hopper kernel's 4-d map geometry
 * carries a view's strides, what the 16-byte loads refuse, and which host views upload as they lie.
 */
class StridedForwardTest {
    private static final TilePlan TILES = new TilePlan(128, 64, 4);
    private static final int B = 2, S = 300, H = 4, H_KV = 2, D = 128;

    private static Attention alibiSoftcap() throws IOException {
        return dev.attnc.compiler.TestPrograms.sample("alibi_softcap");
    }

    @Test
    void theStridedFormTakesEachTensorsLayoutByNameAndTheDenseTextStaysAsItWas() throws IOException {
        Attention a = alibiSoftcap();
        CudaCodegen.Options o = CudaCodegen.Options.defaults(D, TILES);
        CudaKernelSource dense = CudaCodegen.generate(a, Storage.BF16, D, D, TILES, o, false);
        CudaKernelSource strided = CudaCodegen.generate(a, Storage.BF16, D, D, TILES, o, true);
        assertEquals(CudaCodegen.generate(a, Storage.BF16, D, TILES, o).text(), dense.text());
        assertTrue(!dense.text().contains("Q_stride_s") && strided.text().contains("Q_stride_s"));
        assertEquals(KernelSignature.STRIDED_QKVO.size(), strided.signature().args().size() - dense.signature().args().size());
        // a [B, S, H, D] Q and K, V slices of one packed [B, S, H + 2 H_KV, D] tensor, bound by name
        Sizes sizes = new Sizes(B, H, H_KV, S, S, D);
        BlockPlan plan = BlockPlanner.plan(a, sizes, Bindings.none(), TILES.blockM(), TILES.blockN());
        Tensor q = Tensor.allocate(DType.BF16, B, S, H, D).permute(0, 2, 1, 3);
        Tensor packed = Tensor.allocate(DType.BF16, B, S, H + 2 * H_KV, D);
        long w = (H + 2 * H_KV) * (long) D;
        Tensor k = Tensor.view(packed, H * D, new long[] {B, H_KV, S, D}, new long[] {S * w, D, w, 1});
        Tensor v = Tensor.view(packed, (H + H_KV) * D, new long[] {B, H_KV, S, D}, new long[] {S * w, D, w, 1});
        RunInputs in = new RunInputs(sizes, q, k, v, Map.of("cap", 20.0), Map.of("slopes", Tensor.ofFloats(new float[] {1, 2, 3, 4}, 4)),
                0.125, plan);
        Map<String, Object> fixed = new HashMap<>(SignatureBinder.planAndSizes(sizes, plan, 0.125));
        for (String name : List.of("O", "LSE")) fixed.put(name, 0xbeef0000L);
        SignatureBinder.putStrided(fixed, KernelSignature.POINTER_INPUTS, List.of(q, k, v), host -> 0x1000L * host.byteSize());
        SignatureBinder.putLayout(fixed, KernelSignature.O, 0, new long[] {(long) H * S * D, (long) S * D, D});
        Object[] args = CudaArgs.bind(strided, fixed, in, host -> 0x2000L);
        List<String> printed = KernelSignature.printedParameters(strided.text(), strided.entry());
        Map<String, Object> byName = new HashMap<>();
        for (int i = 0; i < args.length; i++) byName.put(printed.get(i).substring(printed.get(i).lastIndexOf(' ') + 1), args[i]);
        assertTrue(printed.contains("const long K_stride_s"), printed.toString());
        assertEquals(List.of(0L, (long) S * H * D, (long) D, (long) H * D),
                List.of(byName.get("Q_offset"), byName.get("Q_stride_b"), byName.get("Q_stride_h"), byName.get("Q_stride_s")));
        // the span of the packed tensor that K and V read starts at K's first element
        assertEquals(List.of(0L, S * w, (long) D, w),
                List.of(byName.get("K_offset"), byName.get("K_stride_b"), byName.get("K_stride_h"), byName.get("K_stride_s")));
        assertEquals(H_KV * (long) D, byName.get("V_offset"));
        assertEquals(byName.get("K"), byName.get("V"), "K and V: one upload of the packed tensor");
        assertEquals((long) D, byName.get("O_stride_s"));
    }

    @Test
    void theFa2LoopOnWgmmaRefusesTheStridedFormByName() throws IOException {
        TilePlan t = new TilePlan(128, 64, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CudaCodegen.generate(alibiSoftcap(), Storage.BF16, D, D, t, CudaCodegen.Options.wgmma(D, t), true));
        assertTrue(e.getMessage().contains("wgmma"), e.getMessage());
        assertNull(CudaCodegen.unsupportedStrided(CudaCodegen.Options.hopper(2)));
    }

    @Test
    void hopperMapsAreFourDimensionalWithTheTensorsStrides() {
        // [B, S, H, D] seen as [B, H, S, D]: dims (D, S, H, B), byte strides of rows, heads, batches
        HopperMaps.Geometry bshd = HopperMaps.geometry(D, S, H, B, new long[] {(long) S * H * D, D, (long) H * D});
        assertArrayEquals(new long[] {D, S, H, B}, bshd.dims());
        assertArrayEquals(new long[] {2L * H * D, 2L * D, 2L * S * H * D}, bshd.strideBytes());
        // dense, B = 1 and one head (strides 0 where a dimension is never stepped): the dense strides
        HopperMaps.Geometry dense = HopperMaps.geometry(D, S, 1, 1, new long[] {0, 0, D});
        assertArrayEquals(new long[] {2L * D, 2L * D * S, 2L * D * S}, dense.strideBytes());
    }

    @Test
    void theSixteenByteLoadsRefuseUnalignedViewsByName() {
        assertNull(CudaKernel.Call.unaligned("K", 2L * H * D, new long[] {(long) S * 8 * D, D, 8L * D}));
        // a Tensor's own strides, as TensorSpans and DeviceTensor give them: four, the last 1 ([B,S,H,D] seen as [B,H,S,D])
        assertNull(CudaKernel.Call.unaligned("K", 0, new long[] {(long) S * 4 * D, D, 4L * D, 1}));
        String stride = CudaKernel.Call.unaligned("K", 0, new long[] {(long) S * 4 * 68, 68, 4 * 68 + 4});
        assertNotNull(stride);
        assertTrue(stride.contains("K's strides"), stride);
        assertTrue(CudaKernel.Call.unaligned("Q", 8, new long[] {0, 0, D}).contains("multiple of 16"));
    }

    @Test
    void hostViewsUploadAsTheyLieUnlessThatCopiesMuchMore() {
        Tensor packed = Tensor.allocate(DType.BF16, B, S, 3 * H, D);
        long w = 3L * H * D;
        List<Tensor> qkv = java.util.stream.IntStream.range(0, 3)
                .mapToObj(i -> Tensor.view(packed, (long) i * H * D, new long[] {B, H, S, D}, new long[] {S * w, D, w, 1})).toList();
        List<Tensor> kept = TensorSpans.compact(qkv);
        for (int i = 0; i < 3; i++) assertSame(qkv.get(i), kept.get(i), "a packed QKV's slices: one upload of the packed tensor");
        // every other head of a [B, S, 2H, D] tensor: the span holds twice what the call reads, so it is gathered
        Tensor wide = Tensor.allocate(DType.BF16, B, S, 2 * H, D);
        Tensor sparse = Tensor.view(wide, 0, new long[] {B, H, S, D}, new long[] {S * 2L * H * D, 2L * D, 2L * H * D, 1});
        Tensor gathered = TensorSpans.compact(List.of(sparse)).getFirst();
        assertTrue(gathered.isContiguous());
        assertNotEquals(sparse.storage(), gathered.storage());
    }
}
