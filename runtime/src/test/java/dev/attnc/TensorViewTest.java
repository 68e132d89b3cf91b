package dev.attnc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Strided views: the layouts models hand over ([B, S, H, D], slices of a packed QKV tensor), read by logical index. */
class TensorViewTest {
    private static final int B = 2, S = 5, H = 3, D = 4;

    /** [B, S, H, D] with element (b, s, h, d) = 1000b + 100s + 10h + d. */
    private static Tensor bshd() {
        Tensor t = Tensor.allocate(DType.F32, B, S, H, D);
        for (int b = 0; b < B; b++) for (int s = 0; s < S; s++) for (int h = 0; h < H; h++) for (int d = 0; d < D; d++) {
            t.setDouble(((b * S + s) * H + h) * D + d, 1000 * b + 100 * s + 10 * h + d);
        }
        return t;
    }

    @Test
    void bshdDataSeenAsBhsdReadsEachElementWhereItLies() {
        Tensor t = bshd();
        Tensor v = Tensor.view(t, 0, new long[] {B, H, S, D}, new long[] {S * H * D, D, H * D, 1});
        assertFalse(v.isContiguous());
        assertArrayEquals(new long[] {B, H, S, D}, v.shape());
        assertEquals(1000 + 10 * 2 + 100 * 3 + 1, v.get(1, 2, 3, 1));
        // flat index = the logical row-major index of [B, H, S, D]
        assertEquals(v.get(1, 2, 3, 1), v.getFloat(((1L * H + 2) * S + 3) * D + 1));
        Tensor dense = v.contiguous();
        assertTrue(dense.isContiguous());
        assertArrayEquals(v.toFloatArray(), dense.toFloatArray());
        assertEquals(v.get(0, 1, 4, 3), dense.get(0, 1, 4, 3));
        // permute is the same view, and back again the original's memory
        assertArrayEquals(v.toFloatArray(), t.permute(0, 2, 1, 3).toFloatArray());
        assertTrue(v.permute(0, 2, 1, 3).isContiguous());
        assertEquals(t.segment(), v.permute(0, 2, 1, 3).segment());
    }

    @Test
    void aPackedQkvTensorGivesThreeViews() {
        Tensor packed = Tensor.random(DType.F16, 7, B, S, 3, H, D);
        long[] shape = {B, H, S, D};
        long[] strides = {S * 3 * H * D, D, 3 * H * D, 1};
        for (int part = 0; part < 3; part++) {
            Tensor v = Tensor.view(packed, (long) part * H * D, shape, strides);
            assertEquals(DType.F16, v.dtype());
            assertEquals(v.elementCount() * 2, v.byteSize());
            for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) for (int s = 0; s < S; s++) for (int d = 0; d < D; d++) {
                assertEquals(packed.get(b, s, part, h, d), v.get(b, h, s, d));
            }
        }
        // writes through a view reach the packed tensor
        Tensor k = Tensor.view(packed, H * D, shape, strides);
        k.setFloat(((1L * H + 2) * S + 4) * D + 3, 0.5f);
        assertEquals(0.5, packed.get(1, 4, 1, 2, 3));
    }

    @Test
    void aViewOfAViewCountsFromItsBase() {
        Tensor t = bshd();
        Tensor b1 = Tensor.view(t, S * H * D, new long[] {S, H, D}, new long[] {H * D, D, 1});
        assertTrue(b1.isContiguous());
        Tensor h2 = Tensor.view(b1, 2 * D, new long[] {S, D}, new long[] {H * D, 1});
        assertEquals(1000 + 100 * 3 + 20 + 1, h2.get(3, 1));
        assertEquals(S * H * D + 2 * D, h2.offset());
        assertSame(t.storage(), h2.storage());
    }

    @Test
    void anOutputLikeABshdViewIsBshdInMemory() {
        Tensor v = bshd().permute(0, 2, 1, 3);
        Tensor o = v.allocateLike(DType.F16);
        assertArrayEquals(v.shape(), o.shape());
        assertArrayEquals(v.strides(), o.strides());
        assertEquals(DType.F16, o.dtype());
        assertEquals(o.byteSize(), o.storage().byteSize());
        assertTrue(o.permute(0, 2, 1, 3).isContiguous());
        Tensor dense = Tensor.allocate(DType.F32, B, H, S, D);
        assertArrayEquals(dense.strides(), dense.allocateLike(DType.F32).strides());
        // a head broadcast by stride 0 (one K for every head): the output is dense, the last dimension last
        Tensor broadcast = Tensor.view(Tensor.allocate(DType.F32, B, S, D), 0, new long[] {B, H, S, D}, new long[] {S * D, 0, D, 1});
        Tensor out = broadcast.allocateLike(DType.F32);
        assertEquals(1, out.strides()[3]);
        assertEquals(out.byteSize(), out.storage().byteSize());
    }

    @Test
    void aNonUnitLastStrideIsRefused() {
        Tensor t = bshd();
        AttnInputException e = assertThrows(AttnInputException.class,
                () -> Tensor.view(t, 0, new long[] {B, H, S, 2}, new long[] {S * H * D, D, H * D, 2}));
        assertTrue(e.getMessage().contains("stride 1 on its last dimension"), e.getMessage());
        assertThrows(AttnInputException.class, () -> t.permute(0, 1, 3, 2));
    }

    @Test
    void aViewOutsideItsMemoryIsRefused() {
        Tensor t = bshd();
        AttnInputException e = assertThrows(AttnInputException.class,
                () -> Tensor.view(t, 1, new long[] {B, H, S, D}, new long[] {S * H * D, D, H * D, 1}));
        assertTrue(e.getMessage().contains("outside the " + B * S * H * D + " elements"), e.getMessage());
        assertThrows(AttnInputException.class, () -> Tensor.view(t, -1, new long[] {2}, new long[] {1}));
        assertThrows(AttnInputException.class, () -> Tensor.view(t, 0, new long[] {2, 2}, new long[] {-4, 1}));
        assertThrows(AttnInputException.class, () -> Tensor.view(t, 0, new long[] {2, 2}, new long[] {1}));
        assertThrows(IllegalStateException.class, () -> t.permute(0, 2, 1, 3).segment());
    }
}
