package dev.attnc.ffm.opencl;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.DeviceException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs on whatever OpenCL device comes first (PoCL in CI); skipped where there is none. */
class ClContextTest {
    private static final String VADD = """
            __kernel void vadd(__global const float* a, __global const float* b,
                               __global float* c, const int n, const float scale) {
                int i = get_global_id(0);
                if (i < n) c[i] = scale * (a[i] + b[i]);
            }
            """;
    private static final int N = 1000;

    private static ClDevice device;
    private ClContext cl;

    /** Here, not in {@code @BeforeEach}, so that a skip skips the class and no {@code @AfterEach} runs. */
    @BeforeAll
    static void findDevice() {
        assumeTrue(OpenCl.isAvailable(), "libOpenCL is not installed");
        var devices = OpenCl.devices();
        assumeTrue(!devices.isEmpty(), "no OpenCL platform is installed");
        device = devices.getFirst();
    }

    @BeforeEach
    void open() {
        cl = ClContext.open(device);
    }

    @AfterEach
    void close() {
        cl.close();
    }

    @Test
    void vectorAdd() {
        float[] a = new float[N];
        float[] b = new float[N];
        for (int i = 0; i < N; i++) {
            a[i] = i;
            b[i] = 0.5f * i;
        }
        ClKernel kernel = cl.build(VADD, "-cl-std=CL1.2").kernel("vadd");
        assertTrue(kernel.maxWorkGroupSize() >= 64, "work-group size " + kernel.maxWorkGroupSize());
        assertTrue(kernel.preferredWorkGroupSizeMultiple() >= 1);
        float[] c = runVadd(cl, kernel, a, b, new long[] {64});

        float[] expected = new float[N];
        for (int i = 0; i < N; i++) {
            expected[i] = 2 * (a[i] + b[i]);
        }
        assertArrayEquals(expected, c);
    }

    @Test
    void syntaxErrorReportsTheBuildLog() {
        String source = """
                __kernel void broken(__global float* out) {
                    out[get_global_id(0)] = undefined_value;
                }
                """;
        var e = assertThrows(DeviceException.class, () -> cl.build(source, null));
        String message = e.getMessage();
        assertTrue(message.startsWith("clBuildProgram: CL_BUILD_PROGRAM_FAILURE\n"), message);
        assertTrue(message.contains("undefined_value"), message);
        assertTrue(message.contains(":2:"), "the log names line 2: " + message);
    }

    @Test
    void binaryRoundTrip() {
        byte[] binary = cl.build(VADD, null).binary();
        assertTrue(binary.length > 0);
        try (ClContext other = ClContext.open(cl.device())) {
            ClKernel kernel = other.fromBinary(binary).kernel("vadd");
            float[] ones = new float[N];
            Arrays.fill(ones, 1f);
            float[] c = runVadd(other, kernel, ones, ones, null);
            for (float v : c) {
                assertEquals(4f, v);
            }
        }
    }

    @Test
    void garbageBinaryIsADeviceException() {
        assertThrows(DeviceException.class, () -> cl.fromBinary(new byte[] {1, 2, 3, 4}));
    }

    @Test
    void localMemoryArgument() {
        String source = """
                __kernel void groupSums(__global const float* x, __global float* sums, __local float* tile) {
                    int l = get_local_id(0);
                    tile[l] = x[get_global_id(0)];
                    barrier(CLK_LOCAL_MEM_FENCE);
                    if (l == 0) {
                        float s = 0;
                        for (int i = 0; i < get_local_size(0); i++) s += tile[i];
                        sums[get_group_id(0)] = s;
                    }
                }
                """;
        float[] x = new float[256];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        ClKernel kernel = cl.build(source, null).kernel("groupSums");
        ClBuffer sums = cl.allocate(4 * 4);
        kernel.setArg(0, cl.upload(MemorySegment.ofArray(x))).setArg(1, sums).setLocal(2, 64 * 4);
        cl.launch(kernel, new long[] {256}, new long[] {64});
        float[] out = new float[4];
        cl.download(sums, MemorySegment.ofArray(out));
        // group g sums 64g .. 64g+63
        assertArrayEquals(new float[] {2016, 6112, 10208, 14304}, out);
    }

    @Test
    void allocateZeroFillsAndNativeSegmentsRoundTrip() {
        try (Arena arena = Arena.ofConfined()) {
            ClBuffer buffer = cl.allocate(4 * 1000 + 6);
            MemorySegment host = arena.allocate(buffer.byteSize()).fill((byte) 7);
            cl.download(buffer, host);
            assertEquals(-1, host.mismatch(arena.allocate(buffer.byteSize())), "allocate zero-fills");

            MemorySegment data = arena.allocateFrom(JAVA_FLOAT, 1f, 2f, 3f);
            MemorySegment back = arena.allocate(data.byteSize());
            cl.download(cl.upload(data), back);
            assertEquals(-1, data.mismatch(back));
        }
    }

    @Test
    void misuseFailsInJavaNotInTheDriver() {
        ClKernel kernel = cl.build(VADD, null).kernel("vadd");
        ClBuffer buffer = cl.allocate(4 * N);
        kernel.setArg(0, buffer).setArg(1, buffer).setArg(2, buffer).setArg(3, N).setArg(4, 1f);
        buffer.close();
        buffer.close();
        assertThrows(IllegalStateException.class, () -> cl.launch(kernel, new long[] {N}, null));
        assertThrows(IllegalArgumentException.class, () -> cl.allocate(0));
        assertThrows(IllegalArgumentException.class, () -> cl.launch(kernel, new long[] {N}, new long[] {1, 1}));
        var e = assertThrows(DeviceException.class, () -> cl.build(VADD, null).kernel("missing"));
        assertEquals("clCreateKernel: CL_INVALID_KERNEL_NAME", e.getMessage());
        try (ClContext other = ClContext.open(cl.device())) {
            ClBuffer foreign = other.allocate(4);
            assertThrows(IllegalArgumentException.class, () -> kernel.setArg(0, foreign));
        }
        cl.close();
        assertDoesNotThrow(cl::close);
        assertThrows(IllegalStateException.class, () -> cl.allocate(4));
        assertThrows(IllegalStateException.class, () -> kernel.setArg(3, 1));
    }

    /** Runs vadd with scale 2 on heap arrays, which exercises the staging copy of heap segments. */
    private static float[] runVadd(ClContext cl, ClKernel kernel, float[] a, float[] b, long[] local) {
        ClBuffer da = cl.upload(MemorySegment.ofArray(a));
        ClBuffer db = cl.upload(MemorySegment.ofArray(b));
        ClBuffer dc = cl.allocate(4L * a.length);
        kernel.setArg(0, da).setArg(1, db).setArg(2, dc).setArg(3, a.length).setArg(4, 2f);
        long global = (a.length + 63) / 64 * 64;
        long nanos = cl.launch(kernel, new long[] {global}, local);
        assertTrue(nanos > 0, "kernel time " + nanos + " ns");
        float[] c = new float[a.length];
        cl.download(dc, MemorySegment.ofArray(c));
        return c;
    }
}
