package dev.attnc.tests.robustness;

import static dev.attnc.tests.robustness.Cli.attnc;
import static dev.attnc.tests.robustness.Cli.sample;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.cli.Main;
import dev.attnc.io.Npy;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * `attnc run --layout bshd`: Q, K, V and dO files in [B, S, H, D] pass --check, and O, dq, dk, dv come
 * back in [B, S, H, D] holding what the same data in [B, H, S, D] files give.
 */
class LayoutOptionTest {
    @TempDir
    Path dir;

    static Stream<String> targets() {
        return Backends.available().map(t -> t.name().toLowerCase(java.util.Locale.ROOT));
    }

    /** Writes t ([B, H, S, D]) to name.npy in both layouts: name.npy as it is and name_bshd.npy transposed. */
    private void writeBoth(String name, Tensor t) {
        Npy.write(dir.resolve(name + ".npy"), t);
        Npy.write(dir.resolve(name + "_bshd.npy"), t.permute(0, 2, 1, 3).contiguous());
    }

    private Path file(String name) {
        return dir.resolve(name + ".npy");
    }

    @ParameterizedTest
    @MethodSource("targets")
    void bshdFilesGiveBshdOutputsOfTheSameValues(String target) {
        int b = 2, h = 4, hkv = 2, q = 19, kv = 27, d = 16;
        writeBoth("q", Tensor.random(DType.F32, 1, b, h, q, d));
        writeBoth("k", Tensor.random(DType.F32, 2, b, hkv, kv, d));
        writeBoth("v", Tensor.random(DType.F32, 3, b, hkv, kv, d));
        writeBoth("do", Tensor.random(DType.F32, 4, b, h, q, d));
        for (String layout : new String[] {"bhsd", "bshd"}) {
            String tag = layout.equals("bshd") ? "_bshd" : "";
            Path grads = dir.resolve("grads" + tag);
            Cli r = attnc("run", sample("gqa_causal.attn"), "--target", target, "--layout", layout, "--q", file("q" + tag).toString(),
                    "--k", file("k" + tag).toString(), "--v", file("v" + tag).toString(), "--dout", file("do" + tag).toString(),
                    "--grads", grads.toString(), "--out", file("o" + tag).toString(), "--check");
            assertEquals(Main.OK, r.code(), r.out() + r.err());
            assertTrue(r.out().contains(": ok"), r.out());
        }
        Tensor o = Npy.read(file("o"));
        Tensor oBshd = Npy.read(file("o_bshd"));
        assertArrayEquals(new long[] {b, q, h, d}, oBshd.shape());
        assertArrayEquals(o.permute(0, 2, 1, 3).contiguous().toFloatArray(), oBshd.toFloatArray());
        for (String g : new String[] {"dq", "dk", "dv"}) {
            Tensor dense = Npy.read(dir.resolve("grads").resolve(g + ".npy"));
            Tensor bshd = Npy.read(dir.resolve("grads_bshd").resolve(g + ".npy"));
            assertArrayEquals(dense.permute(0, 2, 1, 3).contiguous().toFloatArray(), bshd.toFloatArray(), g);
        }
    }

    @Test
    void anUnknownLayoutIsAUsageError() {
        Cli r = attnc("run", sample("causal.attn"), "--shape", "1,1,1,8,8,16", "--layout", "sbhd");
        assertEquals(Main.USAGE, r.code(), r.err());
        assertTrue(r.err().contains("--layout is bhsd or bshd"), r.err());
    }

    @Test
    void randomInputsRunInTheBshdLayoutToo() {
        Cli r = attnc("run", sample("sliding_window.attn"), "--shape", "2,4,2,33,41,16", "--layout", "bshd", "--check");
        assertEquals(Main.OK, r.code(), r.out() + r.err());
    }
}
