package dev.attnc.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.attnc.DeviceResult;
import dev.attnc.Result;
import dev.attnc.Tensor;

/** What the device tensor tests of every backend share. */
public final class DeviceTensors {
    private DeviceTensors() {}

    /** Rows [from, from + n) of sequence s of a [B, H_KV, capacity, D] tensor, as a [1, H_KV, n, D] view. */
    public static Tensor rows(Tensor t, int s, int from, int n) {
        long[] st = t.strides();
        return Tensor.view(t, s * st[0] + from * st[2], new long[] {1, t.dim(1), n, t.dim(3)}, st);
    }

    /** O and LSE of a device run, read back, bit for bit those of a host run. */
    public static void assertSame(Result want, DeviceResult got, String what) {
        assertArrayEquals(want.o().toFloatArray(), got.o().toHost().toFloatArray(), what + ": O");
        assertArrayEquals(want.lse().toFloatArray(), got.lse().toHost().toFloatArray(), what + ": LSE");
    }
}
