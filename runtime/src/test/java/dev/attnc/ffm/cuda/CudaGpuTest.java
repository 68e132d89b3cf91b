package dev.attnc.ffm.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.DeviceException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The bindings end to end on a real GPU: NVRTC, module loading, launches, copies, timing, TMA. */
@Tag("gpu")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaGpuTest {
    private static final String SAXPY = """
            extern "C" __global__ void saxpy(float a, const float* __restrict__ x, float* __restrict__ y,
                                             long long n) {
                long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
                if (i < n) y[i] = a * x[i] + y[i];
            }
            """;

    private final SplittableRandom random = new SplittableRandom();
    private CudaContext cuda;
    private Nvrtc nvrtc;

    @BeforeAll
    void open() {
        List<CudaDevice> devices = Cuda.devices();
        assertFalse(devices.isEmpty(), () -> "no GPU: " + Cuda.unavailableReason().orElse("?"));
        nvrtc = Nvrtc.get();
        cuda = CudaContext.open(devices.getFirst());
        System.out.printf("[ffm] %s, driver %d, NVRTC %s from %s%n", cuda.device(),
                CudaDriver.get().cuDriverGetVersion(), nvrtc.version(), nvrtc.library());
    }

    @AfterAll
    void close() {
        if (cuda != null) {
            cuda.close();
        }
    }

    private CudaFunction build(String source, String kernel, String arch) {
        CompiledKernel compiled = nvrtc.compile(source, kernel + ".cu", List.of("--gpu-architecture=" + arch));
        return cuda.function(cuda.module(compiled.image()), kernel);
    }

    private MemorySegment randomFloats(Arena arena, long n) {
        MemorySegment host = arena.allocate(JAVA_FLOAT, n);
        for (long i = 0; i < n; i++) {
            host.setAtIndex(JAVA_FLOAT, i, (float) random.nextDouble(-1, 1));
        }
        return host;
    }

    @Test
    void saxpyRunsCorrectlyAndIsTimed() {
        List<String> options = List.of("--gpu-architecture=" + cuda.device().smArch());
        CompiledKernel first = nvrtc.compile(SAXPY, "saxpy.cu", options);
        CompiledKernel again = nvrtc.compile(SAXPY, "saxpy.cu", options);
        assertTrue(first.cubin().length > 0);
        CudaFunction saxpy = cuda.function(cuda.module(first.image()), "saxpy");
        assertEquals(0, saxpy.localBytes(), "saxpy spills");

        long n = 1L << 26;
        float a = 2.5f;
        Dim3 grid = Dim3.of((int) ((n + 255) / 256)), block = Dim3.of(256);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = randomFloats(arena, n), y = randomFloats(arena, n), out = arena.allocate(JAVA_FLOAT, n);
            try (DeviceBuffer dx = cuda.upload(x); DeviceBuffer dy = cuda.upload(y)) {
                cuda.launch(saxpy, grid, block, 0, a, dx, dy, n);
                cuda.download(dy, out);
                for (long i = 0; i < n; i++) {
                    float want = Math.fma(a, x.getAtIndex(JAVA_FLOAT, i), y.getAtIndex(JAVA_FLOAT, i));
                    float got = out.getAtIndex(JAVA_FLOAT, i);
                    if (!(Math.abs(got - want) <= 1e-6f * (1 + Math.abs(want)))) {
                        throw new AssertionError("y[" + i + "] = " + got + ", want " + want);
                    }
                }
                for (int i = 0; i < 3; i++) {
                    cuda.launch(saxpy, grid, block, 0, a, dx, dy, n);
                }
                float[] ms = new float[25];
                for (int i = 0; i < ms.length; i++) {
                    ms[i] = cuda.timeMs(() -> cuda.launch(saxpy, grid, block, 0, a, dx, dy, n));
                }
                float batch = cuda.timeMs(() -> {
                    for (int i = 0; i < 100; i++) {
                        cuda.launch(saxpy, grid, block, 0, a, dx, dy, n);
                    }
                }) / 100;
                Arrays.sort(ms);
                float median = ms[ms.length / 2];
                double bytes = 12.0 * n;
                System.out.printf("[ffm] saxpy n=2^26: median %.4f ms = %.0f GB/s (min %.4f ms; 100 back to back "
                                + "%.4f ms each = %.0f GB/s); %d registers, %d local bytes%n", median,
                        bytes / median / 1e6, ms[0], batch, bytes / batch / 1e6, saxpy.registers(), saxpy.localBytes());
                System.out.printf("[ffm] NVRTC compile of saxpy: first %.1f ms, again %.1f ms; cubin %d B, PTX %d B%n",
                        first.compileTime().toNanos() / 1e6, again.compileTime().toNanos() / 1e6, first.cubin().length,
                        first.ptx().length);
            }
        }
    }

    @Test
    void ptxIsCompiledByTheDriverAtLoad() {
        String source = """
                extern "C" __global__ void scale(float* out, const float* in, float s, int n) {
                    int i = blockIdx.x * blockDim.x + threadIdx.x;
                    if (i < n) out[i] = s * in[i];
                }
                """;
        CompiledKernel compiled = nvrtc.compile(source, "scale.cu",
                List.of("--gpu-architecture=" + cuda.device().computeArch()));
        assertEquals(0, compiled.cubin().length);
        assertTrue(new String(compiled.ptx(), StandardCharsets.UTF_8).contains(".entry scale"));
        CudaFunction scale = cuda.function(cuda.module(compiled.image()), "scale");
        int n = 1_000_003;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = randomFloats(arena, n), out = arena.allocate(JAVA_FLOAT, n);
            try (DeviceBuffer dIn = cuda.upload(in); DeviceBuffer dOut = cuda.alloc(4L * n)) {
                cuda.memset32(dOut, Float.floatToRawIntBits(Float.NaN));
                cuda.launch(scale, Dim3.of((n + 127) / 128), Dim3.of(128), 0, dOut, dIn, -3f, n);
                cuda.download(dOut, out);
            }
            for (int i = 0; i < n; i++) {
                assertEquals(-3f * in.getAtIndex(JAVA_FLOAT, i), out.getAtIndex(JAVA_FLOAT, i), "out[" + i + "]");
            }
        }
    }

    @Test
    void compileErrorCarriesTheNvrtcLog() {
        String broken = "extern \"C\" __global__ void k(float* p) { p[0] = undefined_thing; }\n";
        DeviceException e = assertThrows(DeviceException.class,
                () -> nvrtc.compile(broken, "broken.cu", List.of("--gpu-architecture=" + cuda.device().smArch())));
        System.out.println("[ffm] compile error: " + e.getMessage().replace("\n", " | "));
        assertTrue(e.getMessage().startsWith("nvrtcCompileProgram(broken.cu): NVRTC_ERROR_COMPILATION"));
        assertTrue(e.getMessage().contains("undefined_thing"), e.getMessage());
    }

    @Test
    void badPtxCarriesTheJitLog() {
        String ptx = ".version 8.0\n.target " + cuda.device().smArch() + "\n.address_size 64\n"
                + ".visible .entry broken()\n{\n    bogus.instruction;\n    ret;\n}\n";
        CudaException e = assertThrows(CudaException.class,
                () -> cuda.module(ptx.getBytes(StandardCharsets.US_ASCII)));
        System.out.println("[ffm] bad PTX: " + e.getMessage().replace("\n", " | "));
        assertEquals("cuModuleLoadDataEx", e.call());
        assertTrue(e.getMessage().lines().count() > 1, "no JIT log in: " + e.getMessage());
    }

    @Test
    void largeDynamicSharedMemoryNeedsTheOptIn() {
        String source = """
                extern "C" __global__ void reverse(float* out, const float* in, int n) {
                    extern __shared__ float s[];
                    for (int i = threadIdx.x; i < n; i += blockDim.x) s[i] = in[i];
                    __syncthreads();
                    for (int i = threadIdx.x; i < n; i += blockDim.x) out[i] = s[n - 1 - i];
                }
                """;
        CudaFunction reverse = build(source, "reverse", cuda.device().smArch());
        int shared = cuda.device().maxSharedPerBlockOptin() - reverse.staticSharedBytes();
        int n = shared / 4;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = randomFloats(arena, n), out = arena.allocate(JAVA_FLOAT, n);
            try (DeviceBuffer dIn = cuda.upload(in); DeviceBuffer dOut = cuda.alloc(4L * n)) {
                CudaException e = assertThrows(CudaException.class,
                        () -> cuda.launch(reverse, Dim3.of(1), Dim3.of(1024), shared, dOut, dIn, n));
                System.out.println("[ffm] launch without opt-in: " + e.getMessage());
                assertTrue(e.getMessage().startsWith("cuLaunchKernel: CUDA_ERROR_INVALID_VALUE (invalid argument)"));
                reverse.maxDynamicSharedBytes(shared);
                cuda.launch(reverse, Dim3.of(1), Dim3.of(1024), shared, dOut, dIn, n);
                cuda.download(dOut, out);
            }
            for (int i = 0; i < n; i++) {
                assertEquals(in.getAtIndex(JAVA_FLOAT, n - 1 - i), out.getAtIndex(JAVA_FLOAT, i), "out[" + i + "]");
            }
        }
    }

    @Test
    void tensorMapIsPassedByValue() {
        String source = """
                struct alignas(64) TMap { unsigned long long q[16]; };
                extern "C" __global__ void echo(const __grid_constant__ TMap map, unsigned long long* out, int tail) {
                    int i = threadIdx.x;
                    if (i < 16) out[i] = map.q[i];
                    if (i == 0) out[16] = tail;
                }
                """;
        CudaFunction echo = build(source, "echo", cuda.device().smArch());
        try (Arena arena = Arena.ofConfined(); DeviceBuffer data = cuda.alloc(64 * 96 * 4);
                DeviceBuffer dOut = cuda.alloc(17 * 8)) {
            TensorMap map = floatMap(data, 96, 64);
            cuda.launch(echo, Dim3.of(1), Dim3.of(32), 0, map, dOut, 12345);
            MemorySegment out = arena.allocate(JAVA_LONG, 17);
            cuda.download(dOut, out);
            long[] want = new long[16];
            ByteBuffer.wrap(map.bytes()).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(want);
            assertArrayEquals(want, Arrays.copyOf(out.toArray(JAVA_LONG), 16));
            assertEquals(12345, out.getAtIndex(JAVA_LONG, 16));
        }
    }

    /** A row-major float matrix {@code rows × cols} as a TMA map with 16-row × 32-column boxes. */
    private static TensorMap floatMap(DeviceBuffer data, int cols, int rows) {
        return TensorMap.encodeTiled(TensorMap.DataType.FLOAT32, data.address(), new long[] {cols, rows},
                new long[] {4L * cols}, new int[] {32, 16}, new int[] {1, 1}, TensorMap.Swizzle.NONE,
                TensorMap.L2Promotion.B128);
    }

    @Test
    void tmaCopiesTilesThroughSharedMemory() {
        String source = """
                struct alignas(64) TMap { unsigned long long q[16]; };
                __device__ unsigned smem(const void* p) {
                    unsigned r;
                    asm volatile("{ .reg .u64 t; cvta.to.shared.u64 t, %1; cvt.u32.u64 %0, t; }" : "=r"(r) : "l"(p));
                    return r;
                }
                extern "C" __global__ void tile_copy(const __grid_constant__ TMap map, float* out, int cols) {
                    __shared__ alignas(128) float tile[16][32];
                    __shared__ alignas(8) unsigned long long bar;
                    unsigned b = smem(&bar);
                    int x = blockIdx.x * 32, y = blockIdx.y * 16;
                    if (threadIdx.x == 0) {
                        asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" :: "r"(b));
                        asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
                        asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;"
                                     :: "r"(b), "r"(16 * 32 * 4) : "memory");
                        asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
                                     " [%0], [%1, {%2, %3}], [%4];"
                                     :: "r"(smem(tile)), "l"(reinterpret_cast<unsigned long long>(&map)),
                                        "r"(x), "r"(y), "r"(b) : "memory");
                    }
                    __syncthreads();
                    unsigned done = 0;
                    while (!done) {
                        asm volatile("{ .reg .pred p; mbarrier.try_wait.parity.shared::cta.b64 p, [%1], 0;"
                                     " selp.u32 %0, 1, 0, p; }" : "=r"(done) : "r"(b) : "memory");
                    }
                    for (int i = threadIdx.x; i < 16 * 32; i += blockDim.x)
                        out[(y + i / 32) * cols + x + i % 32] = tile[i / 32][i % 32];
                }
                """;
        if (cuda.device().major() < 9) {
            System.out.println("[ffm] TMA needs compute capability 9.0; skipped on " + cuda.device().name());
            return;
        }
        CudaFunction copy = build(source, "tile_copy", cuda.device().smArch());
        int cols = 96, rows = 64;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = randomFloats(arena, (long) cols * rows), out = arena.allocate(JAVA_FLOAT, cols * rows);
            try (DeviceBuffer dIn = cuda.upload(in); DeviceBuffer dOut = cuda.alloc(4L * cols * rows)) {
                cuda.memset32(dOut, Float.floatToRawIntBits(Float.NaN));
                cuda.launch(copy, Dim3.of(cols / 32, rows / 16), Dim3.of(128), 0, floatMap(dIn, cols, rows), dOut,
                        cols);
                cuda.download(dOut, out);
            }
            assertArrayEquals(in.toArray(JAVA_FLOAT), out.toArray(JAVA_FLOAT));
        }
    }
}
