package dev.attnc.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.AttentionKernel;
import dev.attnc.AttnInputException;
import dev.attnc.Attnc;
import dev.attnc.DType;
import dev.attnc.DeviceResult;
import dev.attnc.DeviceTensor;
import dev.attnc.Program;
import dev.attnc.Result;
import dev.attnc.Tensor;
import dev.attnc.backend.PagedCaches;
import static dev.attnc.backend.DeviceTensors.assertSame;
import static dev.attnc.backend.DeviceTensors.rows;
import dev.attnc.ffm.cuda.Cuda;
import dev.attnc.ffm.cuda.CudaDriver;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Device tensors on the GPU (issue 18): runs on them give O and LSE bit for bit equal to runs on host
 * tensors (the decode program and the forward kernel, bf16 and fp16); a K/V cache allocated at its
 * capacity that grows by a row per sequence and step (dense and paged) gives what a fresh upload of
 * the same rows gives; memory another library allocated (cuMemAlloc here) runs where it lies; and so
 * does a run on another library's stream (a non-blocking one, made here through the driver).
 */
@Tag("gpu")
class CudaDeviceTensorGpuTest {
    private static CudaBackend backend;
    private static final Program DECODE = Attnc.compile("decode.attn", "attention decode { mask = q + KV_LEN - Q_LEN >= kv }");

    @BeforeAll
    static void open() throws IOException {
        assumeTrue(!Cuda.devices().isEmpty(), "no CUDA GPU here");
        backend = new CudaBackend(0, Files.createTempDirectory("attnc-cuda-device-tensors"));
    }

    @AfterAll
    static void close() {
        if (backend != null) backend.close();
    }

    @Test
    void deviceTensorsGiveTheHostTensorsResultsBitForBit() {
        for (DType dtype : new DType[] {DType.BF16, DType.F16}) {
            for (int[] shape : new int[][] {{4, 8, 2, 1, 1000, 128}, {2, 4, 4, 256, 256, 64}}) { // decode, and the forward kernel
                Tensor q = Tensor.random(dtype, 1, shape[0], shape[1], shape[3], shape[5]);
                Tensor k = Tensor.random(dtype, 2, shape[0], shape[2], shape[4], shape[5]);
                Tensor v = Tensor.random(dtype, 3, shape[0], shape[2], shape[4], shape[5]);
                try (AttentionKernel kernel = DECODE.kernel(null, backend);
                        DeviceTensor dq = q.to(backend); DeviceTensor dk = k.to(backend); DeviceTensor dv = v.to(backend)) {
                    Result want = kernel.run(q, k, v, Map.of());
                    DeviceResult got = kernel.run(dq, dk, dv, Map.of(), Double.NaN, null);
                    assertSame(want, got, dtype + " " + java.util.Arrays.toString(shape));
                    got.o().close();
                    got.lse().close();
                }
            }
        }
    }

    /**
     * Queued steps (AttentionKernel.enqueue: launched, not waited for), each with new lengths into its own
     * O and LSE, read back after all are queued: the host runs' results bit for bit (the pool's memory
     * that one step's plan borrowed is reused by the next only behind it in the stream).
     */
    @Test
    void queuedStepsGiveWhatRunsGive() {
        Tensor q = Tensor.random(DType.BF16, 1, 4, 8, 1, 128);
        Tensor k = Tensor.random(DType.BF16, 2, 4, 2, 5000, 128);
        Tensor v = Tensor.random(DType.BF16, 3, 4, 2, 5000, 128);
        int[][] steps = new int[12][];
        for (int i = 0; i < steps.length; i++) steps[i] = new int[] {4000 + i, 17 + 300 * i, 5000 - i, i == 3 ? 0 : 1 + i};
        try (AttentionKernel kernel = DECODE.kernel(null, backend)) {
            dev.attnc.backend.DeviceTensors.assertQueuedStepsAsRun(kernel, q, k, v, steps);
        }
    }

    /** A [B, S, H_KV, D] cache seen as [B, H_KV, S, D] (permute): the decode program reads it through its strides, no copy. */
    @Test
    void aBshdCacheIsReadWhereItLies() {
        int b = 3, h = 8, hKv = 2, kvLen = 700, d = 128;
        Tensor q = Tensor.random(DType.BF16, 1, b, h, 1, d);
        Tensor kBshd = Tensor.random(DType.BF16, 2, b, kvLen, hKv, d), vBshd = Tensor.random(DType.BF16, 3, b, kvLen, hKv, d);
        try (AttentionKernel kernel = DECODE.kernel(null, backend); DeviceTensor dq = q.to(backend);
                DeviceTensor dk = kBshd.to(backend); DeviceTensor dv = vBshd.to(backend)) {
            Result want = kernel.run(q, kBshd.permute(0, 2, 1, 3).contiguous(), vBshd.permute(0, 2, 1, 3).contiguous(), Map.of());
            DeviceResult got = kernel.run(dq, dk.permute(0, 2, 1, 3), dv.permute(0, 2, 1, 3), Map.of(), Double.NaN, null);
            assertSame(want, got, "[B, S, H_KV, D] K and V");
            got.o().close();
            got.lse().close();
        }
    }

    /**
     * The forward (Q_LEN 200: not the decode program) on device views of [B, S, H, D] tensors and of one packed
     * QKV tensor, read where they lie (issue 20), gives what dense host tensors give, bit for bit.
     */
    @Test
    void theForwardReadsDeviceViewsWhereTheyLie() {
        Program causal = Attnc.compile("causal.attn", "attention causal { mask = q >= kv }");
        int b = 2, h = 4, hKv = 2, len = 200, d = 128;
        for (DType t : new DType[] {DType.BF16, DType.F16}) {
            Tensor q = Tensor.random(t, 1, b, h, len, d), k = Tensor.random(t, 2, b, hKv, len, d), v = Tensor.random(t, 3, b, hKv, len, d);
            // one packed [B, len, H + 2 H_KV, D] tensor holding Q, K and V side by side in each position
            long w = (h + 2L * hKv) * d;
            Tensor all = Tensor.allocate(t, b, len, h + 2 * hKv, d);
            long[] st = {len * w, d, w, 1};
            long[] at = {0, (long) h * d, (long) (h + hKv) * d};
            Tensor[] dense = {q, k, v};
            for (int i = 0; i < 3; i++) {
                Tensor slice = Tensor.view(all, at[i], dense[i].shape(), st);
                for (long e = 0; e < dense[i].elementCount(); e++) slice.setFloat(e, dense[i].getFloat(e));
            }
            try (AttentionKernel kernel = causal.kernel(null, backend);
                    DeviceTensor dq = q.permute(0, 2, 1, 3).contiguous().to(backend); // [B, S, H, D] in memory
                    DeviceTensor dk = k.permute(0, 2, 1, 3).contiguous().to(backend);
                    DeviceTensor dv = v.permute(0, 2, 1, 3).contiguous().to(backend);
                    DeviceTensor dall = all.to(backend)) {
                Result want = kernel.run(q, k, v, Map.of());
                DeviceResult got = kernel.run(dq.permute(0, 2, 1, 3), dk.permute(0, 2, 1, 3), dv.permute(0, 2, 1, 3), Map.of(), Double.NaN, null);
                assertSame(want, got, t + " [B, S, H, D] device views");
                got.o().close();
                got.lse().close();
                got = kernel.run(dall.view(at[0], q.shape(), st), dall.view(at[1], k.shape(), st), dall.view(at[2], v.shape(), st),
                        Map.of(), Double.NaN, null);
                assertSame(want, got, t + " packed QKV device views");
                got.o().close();
                got.lse().close();
            }
        }
    }

    @Test
    void aCacheThatGrowsInPlaceGivesWhatAFreshUploadGives() {
        int b = 4, hKv = 2, d = 128, capacity = 512, pageSize = 16;
        int[] at = {100, 0, 511 - 8, 37};
        Tensor hostK = Tensor.random(DType.BF16, 7, b, hKv, capacity, d);
        Tensor hostV = Tensor.random(DType.BF16, 8, b, hKv, capacity, d);
        Tensor table = PagedCaches.pageTable(capacity, pageSize, 5, new int[] {capacity, capacity, capacity, capacity});
        long pageCount = table.dim(0) * table.dim(1);
        try (AttentionKernel kernel = DECODE.kernel(null, backend);
                DeviceTensor k = DeviceTensor.allocate(backend, DType.BF16, b, hKv, capacity, d);
                DeviceTensor v = DeviceTensor.allocate(backend, DType.BF16, b, hKv, capacity, d);
                DeviceTensor kPages = DeviceTensor.allocate(backend, DType.BF16, pageCount, pageSize, hKv, d);
                DeviceTensor vPages = DeviceTensor.allocate(backend, DType.BF16, pageCount, pageSize, hKv, d)) {
            DeviceTensor pagedK = DeviceTensor.paged(kPages, table), pagedV = DeviceTensor.paged(vPages, table);
            for (int s = 0; s < b; s++) { // the prompts
                k.write(rows(hostK, s, 0, at[s]), s, 0, 0, 0);
                v.write(rows(hostV, s, 0, at[s]), s, 0, 0, 0);
                pagedK.write(rows(hostK, s, 0, at[s]), s, 0, 0, 0);
                pagedV.write(rows(hostV, s, 0, at[s]), s, 0, 0, 0);
            }
            for (int step = 0; step < 8; step++) {
                Tensor nextK = Tensor.allocate(DType.BF16, b, hKv, 1, d), nextV = Tensor.allocate(DType.BF16, b, hKv, 1, d);
                for (int s = 0; s < b; s++) {
                    for (int h = 0; h < hKv; h++) {
                        for (int x = 0; x < d; x++) {
                            nextK.setDouble((s * hKv + h) * d + x, hostK.get(s, h, at[s], x));
                            nextV.setDouble((s * hKv + h) * d + x, hostV.get(s, h, at[s], x));
                        }
                    }
                }
                k.writeRows(nextK, at);
                v.writeRows(nextV, at);
                pagedK.writeRows(nextK, at);
                pagedV.writeRows(nextV, at);
                for (int s = 0; s < b; s++) at[s]++;
                Tensor lens = Tensor.ofInts(at.clone(), b);
                Tensor q = Tensor.random(DType.BF16, 100 + step, b, 8, 1, d);
                Result want = kernel.run(q, hostK, hostV, Map.of(), Double.NaN, lens);
                try (DeviceTensor dq = q.to(backend)) {
                    assertSame(want, kernel.run(dq, k, v, Map.of(), Double.NaN, lens), "dense, step " + step);
                    assertSame(want, kernel.run(dq, pagedK, pagedV, Map.of(), Double.NaN, lens), "paged, step " + step);
                }
            }
        }
    }

    @Test
    void memoryAnotherLibraryAllocatedRunsWhereItLies() {
        Tensor q = Tensor.random(DType.F16, 1, 2, 8, 1, 128), k = Tensor.random(DType.F16, 2, 2, 8, 777, 128);
        try (AttentionKernel kernel = DECODE.kernel(null, backend)) {
            Result want = kernel.run(q, k, k, Map.of());
            DeviceTensor.allocate(backend, DType.F32, 1).close(); // the backend's context is current on this thread now
            CudaDriver driver = CudaDriver.get();
            long qPtr = driver.cuMemAlloc(q.byteSize()), kPtr = driver.cuMemAlloc(k.byteSize());
            try {
                driver.cuMemcpyHtoD(qPtr, q.segment(), q.byteSize());
                driver.cuMemcpyHtoD(kPtr, k.segment(), k.byteSize());
                DeviceTensor dq = DeviceTensor.wrap(backend, qPtr, DType.F16, q.shape()), dk = DeviceTensor.wrap(backend, kPtr, DType.F16, k.shape());
                DeviceResult got = kernel.run(dq, dk, dk, Map.of(), Double.NaN, null);
                assertSame(want, got, "wrapped pointers");
                dq.close(); // forgets, never frees: the memory is still ours to free below
                dk.close();
                got.o().close();
                got.lse().close();
            } finally {
                driver.cuMemFree(qPtr);
                driver.cuMemFree(kPtr);
            }
        }
    }

    @Test
    void aStreamOfAnotherLibraryRunsTheKernels() {
        Tensor q = Tensor.random(DType.BF16, 1, 8, 32, 1, 128), k = Tensor.random(DType.BF16, 2, 8, 8, 4096, 128);
        try (AttentionKernel kernel = DECODE.kernel(null, backend); DeviceTensor dq = q.to(backend); DeviceTensor dk = k.to(backend)) {
            Result want = kernel.run(q, k, k, Map.of());
            CudaDriver driver = CudaDriver.get();
            MemorySegment stream = driver.cuStreamCreate(1); // CU_STREAM_NON_BLOCKING, as PyTorch's pool streams
            try {
                backend.useStream(stream.address());
                for (int i = 0; i < 5; i++) {
                    DeviceResult got = kernel.run(dq, dk, dk, Map.of(), Double.NaN, null);
                    assertSame(want, got, "on another stream, run " + i);
                    got.o().close();
                    got.lse().close();
                }
                Result host = kernel.run(q, k, k, Map.of()); // host tensors on that stream too
                assertArrayEquals(want.o().toFloatArray(), host.o().toFloatArray());
            } finally {
                backend.useStream(0);
                driver.cuStreamDestroy(stream);
            }
        }
    }

    @Test
    void float32DeviceTensorsAreRefused() {
        Tensor q = Tensor.random(DType.F32, 1, 1, 2, 1, 64);
        try (AttentionKernel kernel = DECODE.kernel(null, backend); DeviceTensor dq = q.to(backend)) {
            var e = assertThrows(AttnInputException.class, () -> kernel.run(dq, dq, dq, Map.of(), Double.NaN, null));
            assertTrue(e.getMessage().contains("float16 or bfloat16"), e.getMessage());
        }
    }
}
