package dev.attnc.backend.cuda;

import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaKernelSource;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.kernel.Sizes;
import dev.attnc.ffm.cuda.TensorMap;
import java.util.List;

/**
 * The TMA descriptors of the Hopper kernel's Q, K and V: each tensor as a 4-d map (D, length,
 * heads, B) with the tensor's own strides, so that a [B, S, H, D] tensor or a slice of a packed QKV
 * is read where it lies (the kernel's coordinates are (column, row, head, b)), and rows past Q_LEN
 * or KV_LEN of one head read as zeros instead of the next head's rows; boxes of 64 columns (128
 * bytes, the swizzle span) by BLOCK_M or BLOCK_N rows, written to shared memory with the 128-byte
 * swizzle that the kernel's wgmma descriptors expect. Each map is as wide as its tensor's rows (D,
 * or DV for V): where the kernel pads D or DV to whole boxes, the boxes' columns past the rows land
 * as zeros (TMA's out-of-bounds fill) and still count toward the barrier's transaction bytes.
 */
final class HopperMaps {
    private HopperMaps() {}

    /**
     * Where one of Q, K, V lies: its first element's device address and the strides of b, h and s in
     * elements (0 for a dimension of size 1, as {@code TensorSpans} gives them).
     */
    record Placed(long address, long[] strides) {}

    /** A map's dimensions (D, length, heads, B) and the byte strides of the last three, as cuTensorMapEncodeTiled takes them. */
    record Geometry(long[] dims, long[] strideBytes) {}

    static List<TensorMap> of(CudaKernelSource src, Sizes s, List<Placed> qkv) {
        TensorMap.DataType type = src.storage() == Storage.BF16 ? TensorMap.DataType.BFLOAT16 : TensorMap.DataType.FLOAT16;
        return List.of(
                map(type, qkv.get(0).address(), geometry(s.D(), s.Q_LEN(), s.H(), s.B(), qkv.get(0).strides()), src.tiles().blockM()),
                map(type, qkv.get(1).address(), geometry(s.D(), s.KV_LEN(), s.H_KV(), s.B(), qkv.get(1).strides()), src.tiles().blockN()),
                map(type, qkv.get(2).address(), geometry(s.DV(), s.KV_LEN(), s.H_KV(), s.B(), qkv.get(2).strides()), src.tiles().blockN()));
    }

    /**
     * The warp-specialized backward's maps of dense Q, K, V and dO (its uploads) at these device
     * addresses: boxes of {@code tiles.blockM()} rows for Q and dO, {@code tiles.blockN()} for K and V.
     */
    static List<TensorMap> backward(Storage storage, Sizes s, TilePlan tiles, long q, long k, long v, long dO) {
        TensorMap.DataType type = storage == Storage.BF16 ? TensorMap.DataType.BFLOAT16 : TensorMap.DataType.FLOAT16;
        long[] dense = {0, 0, 0};
        return List.of(map(type, q, geometry(s.D(), s.Q_LEN(), s.H(), s.B(), dense), tiles.blockM()),
                map(type, k, geometry(s.D(), s.KV_LEN(), s.H_KV(), s.B(), dense), tiles.blockN()),
                map(type, v, geometry(s.DV(), s.KV_LEN(), s.H_KV(), s.B(), dense), tiles.blockN()),
                map(type, dO, geometry(s.DV(), s.Q_LEN(), s.H(), s.B(), dense), tiles.blockM()));
    }

    /**
     * The map of a [B, heads, length, cols] tensor of 16-bit elements with these strides of b, h and s: a
     * dimension of size 1 (stride 0) is given the dense stride it would have, which TMA never steps.
     */
    static Geometry geometry(int cols, int length, int heads, int batch, long[] strides) {
        long s = strides[2] != 0 ? strides[2] : cols;
        long h = strides[1] != 0 ? strides[1] : s * length;
        long b = strides[0] != 0 ? strides[0] : h * heads;
        return new Geometry(new long[] {cols, length, heads, batch}, new long[] {2 * s, 2 * h, 2 * b});
    }

    private static TensorMap map(TensorMap.DataType type, long address, Geometry g, int boxRows) {
        return TensorMap.encodeTiled(type, address, g.dims(), g.strideBytes(), new int[] {64, boxRows, 1, 1}, new int[] {1, 1, 1, 1},
                TensorMap.Swizzle.B128, TensorMap.L2Promotion.B256);
    }
}
