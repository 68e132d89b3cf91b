package dev.attnc.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.AttentionKernel;
import dev.attnc.AttnInputException;
import dev.attnc.Attnc;
import dev.attnc.DType;
import dev.attnc.DeviceResult;
import dev.attnc.DeviceTensor;
import dev.attnc.Program;
import dev.attnc.Result;
import dev.attnc.Tensor;
import dev.attnc.backend.Backend;
import dev.attnc.backend.DeviceTensors;
import dev.attnc.backend.PagedCaches;
import static dev.attnc.backend.DeviceTensors.assertSame;
import static dev.attnc.backend.DeviceTensors.rows;
import dev.attnc.backend.cpu.CpuBackend;
import dev.attnc.backend.cpu.KernelCache;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Device tensors (issue 18) on java (host memory, no copies) and on the OpenCL device: runs on them
 * give O and LSE bit for bit equal to runs on host tensors; a K/V cache allocated at its capacity
 * that grows by a row per sequence and step (dense and paged) gives what a fresh upload of the same
 * rows gives; views run where they lie; reads back; and the errors say what is wrong.
 */
class DeviceTensorTest {
    private static final CpuBackend CPU = new CpuBackend(new KernelCache(null), 2);
    /** A decoder's causal mask aligned to each sequence's end, with its own length. */
    private static final Program DECODE = Attnc.compile("decode.attn", "attention decode { mask = q + KV_LEN - Q_LEN >= kv }");

    @AfterAll
    static void close() {
        CPU.close();
    }

    private static List<Backend> backends() {
        return TestDevice.withCpu(CPU);
    }

    @Test
    void deviceTensorsGiveTheHostTensorsResultsBitForBit() {
        for (Backend backend : backends()) {
            for (int qLen : new int[] {1, 33}) {
                Tensor q = Tensor.random(DType.F16, 1, 3, 4, qLen, 16);
                Tensor k = Tensor.random(DType.F16, 2, 3, 2, 112, 16);
                Tensor v = Tensor.random(DType.F16, 3, 3, 2, 112, 16);
                Tensor lens = Tensor.ofInts(new int[] {57, 40, 112}, 3);
                try (AttentionKernel kernel = DECODE.kernel(null, backend);
                        DeviceTensor dq = q.to(backend); DeviceTensor dk = k.to(backend); DeviceTensor dv = v.to(backend)) {
                    Result want = kernel.run(q, k, v, Map.of(), Double.NaN, lens);
                    DeviceResult got = kernel.run(dq, dk, dv, Map.of(), Double.NaN, lens);
                    String what = backend.name() + " Q_LEN " + qLen;
                    assertSame(want, got, what);
                    got.o().close();
                    got.lse().close();
                    // into O and LSE the caller keeps
                    try (DeviceTensor o = DeviceTensor.allocate(backend, DType.F16, 3, 4, qLen, 16);
                            DeviceTensor lse = DeviceTensor.allocate(backend, DType.F32, 3, 4, qLen)) {
                        assertSame(want, kernel.run(dq, dk, dv, Map.of(), Double.NaN, lens, o, lse), what + " into given outputs");
                    }
                }
            }
        }
    }

    @Test
    void queuedStepsGiveWhatRunsGive() {
        for (Backend backend : backends()) {
            Tensor q = Tensor.random(DType.F16, 1, 3, 4, 1, 16);
            Tensor k = Tensor.random(DType.F16, 2, 3, 2, 112, 16);
            Tensor v = Tensor.random(DType.F16, 3, 3, 2, 112, 16);
            try (AttentionKernel kernel = DECODE.kernel(null, backend)) {
                DeviceTensors.assertQueuedStepsAsRun(kernel, q, k, v, new int[][] {{57, 40, 112}, {58, 41, 1}, {59, 0, 100}});
            }
        }
    }

    @Test
    void aCacheThatGrowsInPlaceGivesWhatAFreshUploadGives() {
        int b = 3, hKv = 2, d = 16, capacity = 40, pageSize = 8;
        int[] lens = {5, 0, 17};
        Tensor hostK = Tensor.random(DType.F32, 7, b, hKv, capacity, d); // the rows the cache will hold, position by position
        for (Backend backend : backends()) {
            Tensor table = PagedCaches.pageTable(capacity, pageSize, 5, new int[] {capacity, capacity, capacity});
            try (AttentionKernel kernel = DECODE.kernel(null, backend);
                    DeviceTensor dense = DeviceTensor.allocate(backend, DType.F32, b, hKv, capacity, d);
                    DeviceTensor pages = DeviceTensor.allocate(backend, DType.F32, table.dim(0) * table.dim(1), pageSize, hKv, d)) {
                DeviceTensor paged = DeviceTensor.paged(pages, table);
                int[] at = new int[b];
                // the prompt: each sequence's first lens[b] rows in one write
                for (int s = 0; s < b; s++) {
                    Tensor prompt = rows(hostK, s, 0, lens[s]);
                    dense.write(prompt, s, 0, 0, 0);
                    paged.write(prompt, s, 0, 0, 0);
                }
                System.arraycopy(lens, 0, at, 0, b);
                for (int step = 0; step < 6; step++) {
                    Tensor q = Tensor.random(DType.F32, 100 + step, b, 4, 1, d);
                    Tensor next = Tensor.allocate(DType.F32, b, hKv, 1, d);
                    for (int s = 0; s < b; s++) {
                        for (int h = 0; h < hKv; h++) for (int x = 0; x < d; x++) next.setDouble((s * hKv + h) * d + x, hostK.get(s, h, at[s], x));
                    }
                    dense.writeRows(next, at);
                    paged.writeRows(next, at);
                    for (int s = 0; s < b; s++) at[s]++;
                    Tensor kvLens = Tensor.ofInts(at.clone(), b);
                    Result want = kernel.run(q, hostK, hostK, Map.of(), Double.NaN, kvLens);
                    try (DeviceTensor dq = q.to(backend)) {
                        DeviceResult fromDense = kernel.run(dq, dense, dense, Map.of(), Double.NaN, kvLens);
                        assertSame(want, fromDense, backend.name() + " dense cache, step " + step);
                        DeviceResult fromPages = kernel.run(dq, paged, paged, Map.of(), Double.NaN, kvLens);
                        assertSame(want, fromPages, backend.name() + " paged cache, step " + step);
                    }
                }
                // rows past each length were never written: still zero
                Tensor back = dense.toHost();
                assertTrue(back.get(0, 1, at[0], 3) == 0 && back.get(2, 0, at[2] - 1, 3) == hostK.get(2, 0, at[2] - 1, 3), backend.name());
            }
        }
    }

    @Test
    void viewsRunWhereTheyLieAndReadBack() throws Exception {
        // Q, K, V as [B, S, H, D] arrays seen as [B, H, S, D]
        Tensor qBshd = Tensor.random(DType.F32, 1, 2, 9, 4, 16), kBshd = Tensor.random(DType.F32, 2, 2, 30, 2, 16);
        for (Backend backend : backends()) {
            try (AttentionKernel kernel = Attnc.compile(dev.attnc.testkit.Repo.sample("causal")).kernel(null, backend);
                    DeviceTensor dq = qBshd.to(backend); DeviceTensor dk = kBshd.to(backend)) {
                assertArrayEquals(qBshd.toFloatArray(), dq.toHost().toFloatArray(), backend.name() + " read back");
                Result want = kernel.run(qBshd.permute(0, 2, 1, 3), kBshd.permute(0, 2, 1, 3), kBshd.permute(0, 2, 1, 3), Map.of());
                DeviceTensor kView = dk.permute(0, 2, 1, 3);
                assertSame(want, kernel.run(dq.permute(0, 2, 1, 3), kView, kView, Map.of(), Double.NaN, null), backend.name() + " views");
                DeviceTensor sequence1 = dk.view(30 * 2 * 16, new long[] {1, 30, 2, 16}, new long[] {960, 32, 16, 1});
                assertArrayEquals(Arrays.copyOfRange(kBshd.toFloatArray(), 960, 1920), sequence1.toHost().toFloatArray(), backend.name());
            }
        }
    }

    @Test
    void aTensorOfAnotherBackendIsRefusedNamingBoth() {
        TestDevice.assumeAvailable();
        Tensor q = Tensor.random(DType.F32, 1, 1, 2, 1, 16);
        try (AttentionKernel kernel = DECODE.kernel(null, TestDevice.backend()); DeviceTensor onCpu = q.to(CPU);
                DeviceTensor onCl = q.to(TestDevice.backend())) {
            var e = assertThrows(AttnInputException.class, () -> kernel.run(onCl, onCpu, onCl, Map.of(), Double.NaN, null));
            assertTrue(e.getMessage().startsWith("K lives on the java backend's device") && e.getMessage().contains("runs on the opencl backend"),
                    e.getMessage());
        }
    }

    @Test
    void aBlockThatDoesNotFitIsRefused() {
        for (Backend backend : backends()) {
            try (DeviceTensor cache = DeviceTensor.allocate(backend, DType.F32, 2, 1, 8, 16)) {
                var e = assertThrows(AttnInputException.class, () -> cache.writeRows(Tensor.allocate(DType.F32, 2, 1, 1, 16), new int[] {3, 8}));
                assertTrue(e.getMessage().contains("[1, 1, 1, 16] block at [1, 0, 8, 0] does not fit in a device tensor of shape [2, 1, 8, 16]"),
                        e.getMessage());
            }
        }
    }

    @Test
    void useAfterCloseIsRefused() {
        for (Backend backend : backends()) {
            Tensor q = Tensor.random(DType.F32, 1, 1, 2, 1, 16);
            DeviceTensor dq = q.to(backend);
            DeviceTensor view = dq.permute(0, 2, 1, 3);
            dq.close();
            try (AttentionKernel kernel = DECODE.kernel(null, backend)) {
                var e = assertThrows(IllegalStateException.class, () -> kernel.run(dq, dq, dq, Map.of(), Double.NaN, null));
                assertTrue(e.getMessage().equals("this float32 [1, 2, 1, 16] tensor on the " + backend.name() + " device is closed (or its backend is)"),
                        e.getMessage());
                assertThrows(IllegalStateException.class, view::toHost, "a view dies with its base");
            }
        }
    }
}
