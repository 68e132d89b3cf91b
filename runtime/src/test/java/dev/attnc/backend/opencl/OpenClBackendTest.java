package dev.attnc.backend.opencl;

import dev.attnc.backend.DiskCache;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.attnc.AttentionKernel;
import dev.attnc.AttnInputException;
import dev.attnc.Attnc;
import dev.attnc.DType;
import dev.attnc.DeviceException;
import dev.attnc.DeviceUnavailableException;
import dev.attnc.Tensor;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.ffm.opencl.OpenCl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening devices, compiling (with the disk cache), and the errors a caller can meet. */
class OpenClBackendTest {
    @TempDir
    Path cache;

    static Attention attention(String text) {
        return Compilation.of(new SourceFile("t.attn", text)).orThrow().optimized(null);
    }

    @Test
    void describesItsDeviceAndPlansTilesThatFit() {
        OpenClBackend b = TestDevice.backend();
        assertEquals("opencl", b.name());
        assertFalse(b.device().isBlank());
        var t = b.tilePlan(64);
        assertTrue(t.blockM() >= 1 && t.blockN() >= 1);
        assertTrue(b.tilePlan(1024).blockN() <= t.blockN());
    }

    @Test
    void aMissingDeviceIsAnInputError() {
        TestDevice.assumeAvailable();
        var e = assertThrows(AttnInputException.class, () -> new OpenClBackend(99, null));
        assertTrue(e.getMessage().startsWith("there is no OpenCL device 99; the devices are 0 ("), e.getMessage());
    }

    /** Runs only where OpenCL is missing: a sentence, not a crash. */
    @Test
    void noOpenClIsADeviceUnavailableException() {
        assumeFalse(OpenCl.isAvailable() && !OpenCl.devices().isEmpty(), "OpenCL has a device here");
        var e = assertThrows(DeviceUnavailableException.class, () -> new OpenClBackend(0, null));
        assertTrue(e.getMessage().startsWith("OpenCL is "), e.getMessage());
    }

    @Test
    void programsComeFromTheDiskCacheAndADamagedEntryIsRebuilt() throws IOException {
        TestDevice.assumeAvailable();
        Attention a = attention("attention cache_test_" + ProcessHandle.current().pid() + " { mask = kv <= q + 3 }");
        try (OpenClBackend first = new OpenClBackend(TestDevice.index(), cache)) {
            first.compile(new KernelRequest(a, DType.F32, 16, first.tilePlan(16)));
            first.compile(new KernelRequest(a, DType.F32, 16, first.tilePlan(16)));
            assertEquals(1, first.builds(), "the second compile comes from memory");
        }
        try (OpenClBackend second = new OpenClBackend(TestDevice.index(), cache)) {
            CompiledKernel k = second.compile(new KernelRequest(a, DType.F32, 16, second.tilePlan(16)));
            assertEquals(0, second.builds(), "loaded from disk");
            runs(k);
        }
        Path entry;
        try (Stream<Path> files = Files.list(cache)) {
            entry = files.filter(p -> p.toString().endsWith(".bin")).findFirst().orElseThrow();
        }
        byte[] raw = Files.readAllBytes(entry);
        raw[raw.length / 2] ^= 0x55;
        Files.write(entry, raw);
        try (OpenClBackend third = new OpenClBackend(TestDevice.index(), cache)) {
            runs(third.compile(new KernelRequest(a, DType.F32, 16, third.tilePlan(16))));
            assertEquals(1, third.builds(), "a damaged entry is rebuilt from source");
        }
        try (OpenClBackend fourth = new OpenClBackend(TestDevice.index(), cache)) {
            fourth.compile(new KernelRequest(a, DType.F32, 16, fourth.tilePlan(16)));
            assertEquals(0, fourth.builds(), "and stored again");
        }
    }

    @Test
    void aBinaryTheDriverRefusesIsDeletedAndRebuilt() {
        TestDevice.assumeAvailable();
        Attention a = attention("attention refused_" + ProcessHandle.current().pid() + " { mask = kv <= q + 5 }");
        try (OpenClBackend b = new OpenClBackend(TestDevice.index(), cache)) {
            String source = b.compile(new KernelRequest(a, DType.F32, 16, b.tilePlan(16))).source();
            String key = new ProgramCache(b.context(), null).key(source, OpenClBackend.BUILD_OPTIONS);
            new DiskCache(cache, "ATTNCCL2", ".bin").put(key, "a whole entry, but no program".getBytes()); // passes the digest check
        }
        try (OpenClBackend b = new OpenClBackend(TestDevice.index(), cache)) {
            runs(b.compile(new KernelRequest(a, DType.F32, 16, b.tilePlan(16))));
            assertEquals(1, b.builds());
        }
    }

    private static void runs(CompiledKernel k) {
        Sizes s = new Sizes(1, 1, 1, 5, 7, 16);
        var out = k.run(new RunInputs(s, Tensor.random(DType.F32, 1, 1, 1, 5, 16), Tensor.random(DType.F32, 2, 1, 1, 7, 16),
                Tensor.random(DType.F32, 3, 1, 1, 7, 16), Map.of(), Map.of(), 0.25, null));
        assertTrue(out.kernelNanos() > 0);
        assertFalse(Double.isNaN(out.o().getDouble(0)));
    }

    /**
     * A head dimension past this device's limit (1024, or one key of K and V in half the local
     * memory) is refused through the API with a message naming the limit, before anything is built.
     */
    @Test
    void aHeadDimensionPastTheLimitIsRefusedBeforeAnyWork() {
        TestDevice.assumeAvailable();
        try (OpenClBackend b = new OpenClBackend(TestDevice.index(), cache);
                AttentionKernel kernel = Attnc.compile("t.attn", "attention causal { mask = q >= kv }").kernel("causal", b)) {
            int max = (int) Math.min(1024, b.context().device().localMemBytes() / 16);
            Tensor q = Tensor.random(DType.F32, 1, 1, 1, 2, max + 1);
            var e = assertThrows(AttnInputException.class, () -> kernel.run(q, q, q, Map.of()));
            assertEquals("head dimension D = " + (max + 1) + " is not supported: the opencl backend supports D from 1 to " + max,
                    e.getMessage());
            assertEquals(0, b.builds(), "nothing built for the refused call");
        }
    }

    @Test
    void aBuildErrorCarriesTheBuildLog() {
        OpenClBackend b = TestDevice.backend();
        var cache = new ProgramCache(b.context(), null);
        var e = assertThrows(DeviceException.class, () -> cache.get("__kernel void k() { undeclared_name = 1; }", OpenClBackend.BUILD_OPTIONS));
        assertTrue(e.getMessage().contains("CL_BUILD_PROGRAM_FAILURE") && e.getMessage().contains("undeclared_name"), e.getMessage());
    }

    @Test
    void inputsThatDoNotMatchTheKernelAreInputErrors() {
        OpenClBackend b = TestDevice.backend();
        CompiledKernel k = b.compile(new KernelRequest(attention("attention f {}"), DType.F32, 16, b.tilePlan(16)));
        assertNotNull(k.source());
        Sizes s = new Sizes(1, 1, 1, 4, 4, 16);
        Tensor h = Tensor.random(DType.F16, 1, 1, 1, 4, 16);
        var e = assertThrows(AttnInputException.class, () -> k.run(new RunInputs(s, h, h, h, Map.of(), Map.of(), 1, null)));
        assertTrue(e.getMessage().contains("float32"), e.getMessage());
        Sizes d8 = new Sizes(1, 1, 1, 4, 4, 8);
        Tensor f = Tensor.random(DType.F32, 1, 1, 1, 4, 8);
        assertThrows(AttnInputException.class, () -> k.run(new RunInputs(d8, f, f, f, Map.of(), Map.of(), 1, null)));
        Tensor q16 = Tensor.random(DType.F32, 1, 1, 1, 4, 16);
        Tensor k5 = Tensor.random(DType.F32, 1, 1, 1, 5, 16);
        e = assertThrows(AttnInputException.class, () -> k.run(new RunInputs(s, q16, k5, k5, Map.of(), Map.of(), 1, null)));
        assertEquals("K must have shape [1, 1, 4, 16], but has shape [1, 1, 5, 16]", e.getMessage());

        CompiledKernel alibi = b.compile(new KernelRequest(attention("attention a(slopes: float[H]) { score = score + slopes[h] }"),
                DType.F32, 16, b.tilePlan(16)));
        Sizes h2 = new Sizes(1, 2, 1, 4, 4, 16);
        Tensor q2 = Tensor.random(DType.F32, 1, 1, 2, 4, 16);
        Map<String, Tensor> slopes = Map.of("slopes", Tensor.ofFloats(new float[3], 3));
        e = assertThrows(AttnInputException.class, () -> alibi.run(new RunInputs(h2, q2, q16, q16, Map.of(), slopes, 1, null)));
        assertTrue(e.getMessage().startsWith("tensor argument 'slopes' must have shape [2]"), e.getMessage());
    }
}
