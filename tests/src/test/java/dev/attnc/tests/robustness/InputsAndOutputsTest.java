package dev.attnc.tests.robustness;

import static dev.attnc.tests.robustness.Cli.attnc;
import static dev.attnc.tests.robustness.Cli.sample;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.AttnInputException;
import dev.attnc.DType;
import dev.attnc.Target;
import dev.attnc.Tensor;
import dev.attnc.cli.Main;
import dev.attnc.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad inputs and unwritable outputs: a one-line error and exit 1, never a stack trace, an
 * OutOfMemoryError or a silently replaced value; a failed run leaves every existing file as it was.
 */
class InputsAndOutputsTest {
    @TempDir
    Path dir;

    static Stream<String> targets() {
        return Backends.available().map(t -> t.name().toLowerCase(java.util.Locale.ROOT));
    }

    private static void assertUserError(Cli r, String expected) {
        assertEquals(Main.USER_ERROR, r.code(), r.err());
        assertTrue(r.err().contains(expected), "expected \"" + expected + "\" in: " + r.err());
    }

    @Test
    void aNonFiniteScaleIsRefusedNotReplaced() {
        for (String s : new String[] {"NaN", "Infinity", "-Infinity"}) {
            assertUserError(attnc("run", sample("causal.attn"), "--shape", "1,1,1,8,8,16", "--scale", s), "--scale must be a finite number");
        }
    }

    @ParameterizedTest
    @MethodSource("targets")
    void inputsBeyondMemoryAreTooLargeBeforeAllocating(String target) {
        assertUserError(attnc("run", sample("full.attn"), "--target", target, "--shape", "65536,65536,1,1,1,16"), "too large: ");
    }

    /** The optimizer's range facts assume sizes up to 2^30 (SizeBounds); a larger one is refused by name, before allocating. */
    @Test
    void sizesAbove2To30AreRefused() {
        assertUserError(attnc("run", sample("causal.attn"), "--shape", "1,1,1,1073741825,4,16"),
                "Q_LEN = 1073741825 is too large: attnc takes sizes up to 2^30 = 1073741824");
        assertUserError(attnc("run", sample("causal.attn"), "--shape", "1,1,1,4,2147483647,16"), "KV_LEN = 2147483647 is too large");
    }

    @ParameterizedTest
    @MethodSource("targets")
    void aHeadDimensionNoBackendSupportsIsRefusedUpFront(String target) {
        assertUserError(attnc("run", sample("full.attn"), "--target", target, "--shape", "1,1,1,4,4,7000000"),
                "head dimension D = 7000000 is not supported: the " + target + " backend supports D from 1 to ");
    }

    @Test
    void aRandomTensorArgumentBeyondMemoryIsTooLarge() throws IOException {
        Path p = Files.writeString(dir.resolve("cube.attn"), "attention cube(x: float[KV_LEN, KV_LEN, KV_LEN]) { score = score + x[q, kv, 0] }");
        assertUserError(attnc("run", p.toString(), "--shape", "1,1,1,65536,65536,16", "--random-args"), "too large: ");
        assertThrows(AttnInputException.class, () -> Tensor.allocate(DType.F32, 1L << 40, 1L << 20));
    }

    @Test
    void aFailedRunLeavesExistingOutputsAsTheyWere() throws IOException {
        Path out = Files.write(dir.resolve("o.npy"), new byte[] {1, 2, 3});
        String[] unwritable = {dir.resolve("missing/lse.npy").toString(), dir.toString(), out.resolve("lse.npy").toString(), out.toString()};
        String[] why = {"does not exist", "is a folder", "does not exist", "name the same file"};
        for (int i = 0; i < unwritable.length; i++) {
            assertUserError(attnc("run", sample("causal.attn"), "--shape", "1,1,1,8,8,16", "--out", out.toString(), "--lse", unwritable[i]), why[i]);
            assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(out), "--out untouched");
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(1, left.count(), "no temporary files left behind");
        }
        Path lse = dir.resolve("lse.npy");
        assertEquals(Main.OK, attnc("run", sample("causal.attn"), "--shape", "1,1,1,8,8,16", "--out", out.toString(), "--lse", lse.toString()).code());
        assertEquals("[1, 1, 8, 16]", Npy.read(out).shapeString());
        assertEquals("[1, 1, 8]", Npy.read(lse).shapeString());
    }

    @Test
    void errorsNameTypesAndRangesAsGiven() throws IOException {
        Path q = dir.resolve("q.npy");
        Files.write(q, int8Npy(1, 1, 4, 8));
        Path k = dir.resolve("k.npy");
        Npy.write(k, Tensor.random(DType.F32, 1, 1, 1, 4, 8));
        assertUserError(attnc("run", sample("full.attn"), "--q", q.toString(), "--k", k.toString(), "--v", k.toString()),
                "Q must be float32, float16 or bfloat16, but is int8");
        assertUserError(attnc("run", sample("sliding_window.attn"), "--shape", "1,1,1,8,8,16", "--arg", "window=99999999999"),
                "99999999999 is outside that range");
    }

    /** An .npy file of int8 zeros ({@code |i1}), which attnc widens to int32 on reading. */
    private static byte[] int8Npy(long... shape) {
        String dims = String.join(", ", java.util.Arrays.stream(shape).mapToObj(Long::toString).toList());
        String dict = "{'descr': '|i1', 'fortran_order': False, 'shape': (" + dims + "), }";
        int pad = 64 - (10 + dict.length() + 1) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        long count = java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        byte[] file = new byte[10 + header.length() + (int) count];
        byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), (byte) (header.length() >> 8)};
        System.arraycopy(magic, 0, file, 0, 10);
        System.arraycopy(header.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, file, 10, header.length());
        return file;
    }
}
