package dev.attnc.backend.cuda;

import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaKernelSource;
import dev.attnc.kernel.Sizes;
import dev.attnc.ffm.cuda.DeviceBuffer;
import dev.attnc.ffm.cuda.TensorMap;
import java.util.List;

/**
 * The TMA descriptors of the Hopper kernel's Q, K and V: each tensor as a 3-d map (D, length,
 * b·heads), so that rows past Q_LEN or KV_LEN of one head read as zeros instead of the next
 * head's rows; boxes of 64 columns (128 bytes, the swizzle span) by BLOCK_M or BLOCK_N rows,
 * written to shared memory with the 128-byte swizzle that the kernel's wgmma descriptors expect.
 * Each map is as wide as its tensor's rows (D, or DV for V): where the kernel pads D or DV to whole
 * boxes, the boxes' columns past the rows land as zeros (TMA's out-of-bounds fill) and still count
 * toward the barrier's transaction bytes.
 */
final class HopperMaps {
    private HopperMaps() {}

    static List<TensorMap> of(CudaKernelSource src, Sizes s, List<DeviceBuffer> qkv) {
        TensorMap.DataType type = src.storage() == Storage.BF16 ? TensorMap.DataType.BFLOAT16 : TensorMap.DataType.FLOAT16;
        return List.of(
                map(type, qkv.get(0), s.D(), s.Q_LEN(), (long) s.B() * s.H(), src.tiles().blockM()),
                map(type, qkv.get(1), s.D(), s.KV_LEN(), (long) s.B() * s.H_KV(), src.tiles().blockN()),
                map(type, qkv.get(2), s.DV(), s.KV_LEN(), (long) s.B() * s.H_KV(), src.tiles().blockN()));
    }

    private static TensorMap map(TensorMap.DataType type, DeviceBuffer data, int d, int length, long heads, int boxRows) {
        return TensorMap.encodeTiled(type, data.address(), new long[] {d, length, heads},
                new long[] {2L * d, 2L * d * length}, new int[] {64, boxRows, 1}, new int[] {1, 1, 1},
                TensorMap.Swizzle.B128, TensorMap.L2Promotion.B256);
    }
}
