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

    /**
     * Queued calls ({@code AttentionKernel.enqueue}) of several steps, each into its own O and LSE and
     * read back after all are queued, give the host runs' results bit for bit: the queue keeps each
     * step's plan and lengths apart from the next one's. K and V are [B, H_KV, KV_LEN, D], Q [B, H, Q_LEN, D].
     */
    public static void assertQueuedStepsAsRun(dev.attnc.AttentionKernel kernel, Tensor q, Tensor k, Tensor v, int[][] stepLens) {
        dev.attnc.backend.Backend backend = kernel.backend();
        int b = (int) q.dim(0), h = (int) q.dim(1), qLen = (int) q.dim(2), d = (int) q.dim(3);
        java.util.List<dev.attnc.DeviceTensor> open = new java.util.ArrayList<>();
        try (dev.attnc.DeviceTensor dq = q.to(backend); dev.attnc.DeviceTensor dk = k.to(backend); dev.attnc.DeviceTensor dv = v.to(backend)) {
            java.util.List<DeviceResult> queued = new java.util.ArrayList<>();
            for (int[] lens : stepLens) {
                dev.attnc.DeviceTensor o = dev.attnc.DeviceTensor.allocate(backend, q.dtype(), b, h, qLen, d);
                dev.attnc.DeviceTensor lse = dev.attnc.DeviceTensor.allocate(backend, dev.attnc.DType.F32, b, h, qLen);
                open.add(o);
                open.add(lse);
                DeviceResult r = kernel.enqueue(dq, dk, dv, java.util.Map.of(), Double.NaN, Tensor.ofInts(lens, b), o, lse);
                if (backend.name().equals("cuda") && r.kernelNanos() != -1) throw new AssertionError("a queued CUDA call is not timed");
                queued.add(r);
            }
            for (int i = 0; i < stepLens.length; i++) {
                Result want = kernel.run(q, k, v, java.util.Map.of(), Double.NaN, Tensor.ofInts(stepLens[i], b));
                assertSame(want, queued.get(i), backend.name() + " queued step " + i);
            }
        } finally {
            open.forEach(dev.attnc.DeviceTensor::close);
        }
    }

    /** O and LSE of a device run, read back, bit for bit those of a host run. */
    public static void assertSame(Result want, DeviceResult got, String what) {
        assertArrayEquals(want.o().toFloatArray(), got.o().toHost().toFloatArray(), what + ": O");
        assertArrayEquals(want.lse().toFloatArray(), got.lse().toHost().toFloatArray(), what + ": LSE");
    }
}
