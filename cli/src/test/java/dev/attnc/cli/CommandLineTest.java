package dev.attnc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.io.Npy;
import dev.attnc.testkit.Repo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command as other tools call it: exit codes, outputs, and no stack trace for a user's mistake. */
class CommandLineTest {
    @TempDir
    Path dir;

    private record Outcome(int code, String out, String err) {}

    private static Outcome attnc(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertFalse(err.toString().contains("\tat "), "a stack trace for: " + String.join(" ", args) + "\n" + err);
        return new Outcome(code, out.toString(), err.toString());
    }

    private Path program(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private static String sample(String name) {
        return Repo.path("samples").resolve(name).toString();
    }

    @Test
    void runChecksAndWritesOutputsAsNpy() {
        Path o = dir.resolve("o.npy");
        Path lse = dir.resolve("lse.npy");
        Outcome r = attnc("run", sample("alibi.attn"), "--shape", "2,4,2,37,53,16", "--random-args", "--check",
                "--out", o.toString(), "--lse", lse.toString());
        assertEquals(Main.OK, r.code(), r.err());
        assertTrue(r.out().contains("check against the reference") && r.out().contains(": ok"), r.out());
        Tensor out = Npy.read(o);
        assertEquals(DType.F32, out.dtype());
        assertEquals("[2, 4, 37, 16]", out.shapeString());
        assertEquals("[2, 4, 37]", Npy.read(lse).shapeString());
    }

    @Test
    void runWithDoutWritesCheckedGradients() {
        Path grads = dir.resolve("grads");
        Path dout = dir.resolve("dout.npy");
        Npy.write(dout, Tensor.random(DType.F32, 9, 2, 4, 37, 16));
        Outcome r = attnc("run", sample("alibi.attn"), "--shape", "2,4,2,37,53,16", "--random-args", "--check",
                "--dout", dout.toString(), "--grads", grads.toString());
        assertEquals(Main.OK, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("check dq against the reference backward") && r.out().contains("check d_slopes"), r.out());
        assertEquals("[2, 4, 37, 16]", Npy.read(grads.resolve("dq.npy")).shapeString());
        assertEquals("[2, 2, 53, 16]", Npy.read(grads.resolve("dk.npy")).shapeString());
        assertEquals("[2, 2, 53, 16]", Npy.read(grads.resolve("dv.npy")).shapeString());
        assertEquals("[4]", Npy.read(grads.resolve("d_slopes.npy")).shapeString());
        assertEquals(DType.F32, Npy.read(grads.resolve("d_slopes.npy")).dtype());
    }

    /** --no-grad: a fixed parameter gets no gradient file and no check; a name with no gradient, or no --dout, is a one-line error. */
    @Test
    void noGradLeavesAParameterFixed() {
        Path grads = dir.resolve("grads");
        Outcome r = attnc("run", sample("alibi.attn"), "--shape", "1,4,2,37,53,16", "--random-args", "--check", "--dout", "random",
                "--no-grad", "slopes", "--grads", grads.toString());
        assertEquals(Main.OK, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("check dk against the reference backward") && !r.out().contains("d_slopes"), r.out());
        assertTrue(Files.exists(grads.resolve("dq.npy")) && !Files.exists(grads.resolve("d_slopes.npy")));
        r = attnc("run", sample("alibi.attn"), "--shape", "1,4,2,37,53,16", "--random-args", "--dout", "random", "--no-grad", "slope");
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().contains("no gradient to leave out for 'slope' in alibi: those with one are slopes") && !r.err().contains("at dev."), r.err());
        r = attnc("run", sample("alibi.attn"), "--shape", "1,4,2,37,53,16", "--random-args", "--no-grad", "slopes");
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().contains("--no-grad needs --dout"), r.err());
        r = attnc("compile", sample("alibi.attn"), "--target", "java", "--no-grad", "slopes");
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().contains("--no-grad needs --backward"), r.err());
    }

    /** --shape's seventh number is V's last dimension DV (O's too): DeepSeek's MLA shape in small, forward and backward checked. */
    @Test
    void runTakesAValueDimensionOtherThanD() {
        Path grads = dir.resolve("grads");
        Path o = dir.resolve("o.npy");
        Outcome r = attnc("run", sample("alibi.attn"), "--shape", "1,4,2,37,53,24,16", "--random-args", "--check",
                "--dout", "random", "--grads", grads.toString(), "--out", o.toString());
        assertEquals(Main.OK, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("D=24 DV=16") && r.out().contains(": ok") && !r.out().contains("FAILED"), r.out());
        assertEquals("[1, 4, 37, 16]", Npy.read(o).shapeString());
        assertEquals("[1, 4, 37, 24]", Npy.read(grads.resolve("dq.npy")).shapeString());
        assertEquals("[1, 2, 53, 16]", Npy.read(grads.resolve("dv.npy")).shapeString());
        r = attnc("run", sample("causal.attn"), "--shape", "1,1,1,8,8,8,8,8");
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().contains("B,H,H_KV,Q_LEN,KV_LEN,D[,DV]"), r.err());
    }

    /** A sink's parameter gets a gradient file too (the normalisation's parameters, not only the score's). */
    @Test
    void runWithDoutWritesTheSinksGradient() {
        Path grads = dir.resolve("grads");
        Outcome r = attnc("run", sample("gpt_oss.attn"), "--attention", "gpt_oss_global", "--shape", "1,4,2,37,53,16", "--random-args",
                "--check", "--dout", "random",
                "--grads", grads.toString());
        assertEquals(Main.OK, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("check d_sinks"), r.out());
        assertEquals("[4]", Npy.read(grads.resolve("d_sinks.npy")).shapeString());
    }

    @Test
    void backwardOptionsWithoutDoutAndAWrongDoutAreOneLineErrors() {
        Outcome r = attnc("run", sample("causal.attn"), "--shape", "1,1,1,8,8,8", "--grads", dir.toString());
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().contains("need --dout"), r.err());
        Npy.write(dir.resolve("wrong.npy"), Tensor.random(DType.F32, 1, 1, 1, 7, 8));
        r = attnc("run", sample("causal.attn"), "--shape", "1,1,1,8,8,8", "--dout", dir.resolve("wrong.npy").toString());
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().contains("dO must have shape [1, 1, 8, 8] [B, H, Q_LEN, DV]"), r.err());
    }

    @Test
    void runReadsNpyInputsAndKeepsTheirDtype() {
        Npy.write(dir.resolve("q.npy"), Tensor.random(DType.F16, 1, 1, 2, 9, 8));
        Npy.write(dir.resolve("k.npy"), Tensor.random(DType.F16, 2, 1, 1, 11, 8));
        Npy.write(dir.resolve("v.npy"), Tensor.random(DType.F16, 3, 1, 1, 11, 8));
        Outcome r = attnc("run", sample("causal.attn"), "--q", dir.resolve("q.npy").toString(), "--k", dir.resolve("k.npy").toString(),
                "--v", dir.resolve("v.npy").toString(), "--check", "--out", dir.resolve("o.npy").toString());
        assertEquals(Main.OK, r.code(), r.err());
        assertEquals(DType.F16, Npy.read(dir.resolve("o.npy")).dtype());
    }

    /**
     * --pages, --page-table and --kv-lens: a paged cache of 4-row pages behind a reversed page table,
     * lengths 6 and 0, checked against the reference; O equals the run on the same rows contiguous.
     */
    @Test
    void runReadsPagedCachesAndSequenceLengths() {
        Tensor k = Tensor.random(DType.F32, 2, 2, 1, 8, 8);
        Tensor v = Tensor.random(DType.F32, 3, 2, 1, 8, 8);
        Tensor table = Tensor.ofInts(new int[] {3, 2, 1, 0}, 2, 2); // sequence 0: pages 3, 2; sequence 1: pages 1, 0
        Tensor kPages = Tensor.allocate(DType.F32, 4, 4, 1, 8), vPages = Tensor.allocate(DType.F32, 4, 4, 1, 8);
        for (int b = 0; b < 2; b++) {
            for (int kv = 0; kv < 8; kv++) {
                long page = table.getLong(b * 2 + kv / 4);
                for (int x = 0; x < 8; x++) {
                    kPages.setFloat((page * 4 + kv % 4) * 8 + x, k.getFloat((b * 8 + kv) * 8 + x));
                    vPages.setFloat((page * 4 + kv % 4) * 8 + x, v.getFloat((b * 8 + kv) * 8 + x));
                }
            }
        }
        Npy.write(dir.resolve("q.npy"), Tensor.random(DType.F32, 1, 2, 2, 3, 8));
        Npy.write(dir.resolve("k.npy"), k);
        Npy.write(dir.resolve("v.npy"), v);
        Npy.write(dir.resolve("kp.npy"), kPages);
        Npy.write(dir.resolve("vp.npy"), vPages);
        Npy.write(dir.resolve("t.npy"), table);
        Npy.write(dir.resolve("lens.npy"), Tensor.ofInts(new int[] {6, 0}, 2));
        String q = dir.resolve("q.npy").toString(), lens = dir.resolve("lens.npy").toString();
        Outcome paged = attnc("run", sample("causal.attn"), "--q", q, "--pages", dir.resolve("kp.npy") + "," + dir.resolve("vp.npy"),
                "--page-table", dir.resolve("t.npy").toString(), "--kv-lens", lens, "--check", "--out", dir.resolve("paged.npy").toString());
        assertEquals(Main.OK, paged.code(), paged.err() + paged.out());
        assertTrue(paged.out().contains(": ok"), paged.out());
        // causal over 3 queries and 6 keys: 1 + 2 + 3 pairs in each of 2 heads; the empty sequence none
        assertTrue(paged.out().contains(", 12 kept pairs"), paged.out());
        Outcome dense = attnc("run", sample("causal.attn"), "--q", q, "--k", dir.resolve("k.npy").toString(), "--v",
                dir.resolve("v.npy").toString(), "--kv-lens", lens, "--out", dir.resolve("dense.npy").toString());
        assertEquals(Main.OK, dense.code(), dense.err());
        org.junit.jupiter.api.Assertions.assertArrayEquals(Npy.read(dir.resolve("dense.npy")).toFloatArray(),
                Npy.read(dir.resolve("paged.npy")).toFloatArray());
        Outcome both = attnc("run", sample("causal.attn"), "--q", q, "--k", dir.resolve("k.npy").toString(), "--v",
                dir.resolve("v.npy").toString(), "--pages", dir.resolve("kp.npy") + "," + dir.resolve("vp.npy"), "--page-table",
                dir.resolve("t.npy").toString());
        assertEquals(Main.USER_ERROR, both.code());
        assertTrue(both.err().contains("not both"), both.err());
        Npy.write(dir.resolve("long.npy"), Tensor.ofInts(new int[] {6, 9}, 2));
        Outcome tooLong = attnc("run", sample("causal.attn"), "--q", q, "--k", dir.resolve("k.npy").toString(), "--v",
                dir.resolve("v.npy").toString(), "--kv-lens", dir.resolve("long.npy").toString());
        assertEquals(Main.USER_ERROR, tooLong.code());
        assertTrue(tooLong.err().contains("kvLens[1] = 9"), tooLong.err());
    }

    @Test
    void mistakesInInputsAreOneLineAndExitOne() throws IOException {
        Files.write(dir.resolve("bad.npy"), new byte[] {1, 2, 3});
        String bad = dir.resolve("bad.npy").toString();
        assertEquals(Main.USER_ERROR, attnc("run", sample("causal.attn"), "--q", bad, "--k", bad, "--v", bad).code());
        Outcome missing = attnc("run", sample("alibi.attn"), "--shape", "1,2,1,4,4,8");
        assertEquals(Main.USER_ERROR, missing.code());
        assertTrue(missing.err().contains("missing argument 'slopes"), missing.err());
        assertEquals(Main.USER_ERROR, attnc("run", sample("causal.attn"), "--shape", "1,3,2,4,4,8").code());
        assertEquals(Main.USER_ERROR, attnc("run", dir.resolve("none.attn").toString(), "--shape", "1,1,1,4,4,8").code());
        assertEquals(Main.USAGE, attnc("run", sample("causal.attn")).code());
    }

    @Test
    void checkReportsEveryErrorWithACaret() throws IOException {
        Path p = program("two.attn", "mask m = q >= kvv\nattention a { mask = m && causal }\n");
        Outcome r = attnc("check", p.toString());
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().contains("two.attn:1:15: error: unknown name 'kvv'; did you mean 'kv'?"), r.err());
        assertTrue(r.err().contains("two.attn:2:27: error: unknown name 'causal'"), r.err());
        assertTrue(r.err().contains("^^^"), r.err());
        assertEquals(Main.OK, attnc("check", sample("gemma2.attn"), sample("t5_bias.attn")).code());
    }

    @Test
    void checkGoesOnPastAFileThatIsNotUtf8OrMissing() throws IOException {
        Path latin1 = dir.resolve("latin1.attn");
        Files.write(latin1, "# caf\u00e9\nattention a { mask = q >= kv }\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Path good = program("good.attn", "attention good { mask = q >= kv }\n");
        Outcome r = attnc("check", latin1.toString(), dir.resolve("missing.attn").toString(), good.toString());
        assertEquals(Main.USER_ERROR, r.code());
        assertTrue(r.err().contains("latin1.attn:1:6: error: this file is not UTF-8 text: byte 0xE9"), r.err());
        assertTrue(r.err().contains("missing.attn: no such file"), r.err());
        assertTrue(r.out().contains("good.attn: ok (good)"), r.out());
    }

    @Test
    void choosingAnAttentionIsCheckedToo() throws IOException {
        Path two = program("two.attn", "attention full {}\nattention causal { mask = q >= kv }\n");
        Outcome ambiguous = attnc("ir", two.toString());
        assertEquals(Main.USER_ERROR, ambiguous.code());
        assertTrue(ambiguous.err().contains("several attentions (full, causal)"), ambiguous.err());
        Outcome unknown = attnc("ir", two.toString(), "--attention", "casual");
        assertTrue(unknown.err().contains("no attention named 'casual'; did you mean 'causal'?"), unknown.err());
        Outcome none = attnc("ir", program("none.attn", "mask m = q >= kv\n").toString());
        assertTrue(none.err().contains("defines no attention"), none.err());
        assertEquals(Main.OK, attnc("ir", two.toString(), "--attention", "causal", "--after", "all").code());
    }

    @Test
    void irGradPrintsTheForwardThenTheDerivatives() {
        Outcome r = attnc("ir", sample("softcap.attn"), "--grad");
        assertEquals(Main.OK, r.code(), r.err());
        assertTrue(r.out().startsWith("attention softcap("), r.out());
        assertTrue(r.out().contains("\ngradient\n") && r.out().contains("  d score = %"), r.out());
        assertEquals(Main.USAGE, attnc("ir", sample("softcap.attn"), "--grad", "--after", "fold").code());
        Outcome sinks = attnc("ir", sample("gpt_oss.attn"), "--attention", "gpt_oss_local", "--grad");
        assertTrue(sinks.out().contains("  d E: sinks[h] = 1.0"), sinks.out());
    }

    @Test
    void maskJsonIsTheDocumentedShape() {
        Outcome r = attnc("mask", sample("causal.attn"), "--q-len", "300", "--kv-len", "300", "--block", "128x128", "--json");
        assertEquals(Main.OK, r.code(), r.err());
        assertEquals("{\"block\":[128,128],\"method\":\"affine\",\"counts\":{\"empty\":3,\"full\":3,\"partial\":3},"
                + "\"grid\":[\"PEE\",\"FPE\",\"FFP\"]}", r.out().strip());
    }

    @Test
    void compileWritesSourceForEachTarget() {
        for (String target : new String[] {"java", "opencl", "cuda"}) {
            Outcome r = attnc("compile", sample("softcap.attn"), "--target", target, "-o", dir.toString());
            assertEquals(Main.OK, r.code(), r.err());
        }
        assertTrue(Files.exists(dir.resolve("softcap.cl")) && Files.exists(dir.resolve("softcap.cu")));
        assertEquals(Main.USER_ERROR, attnc("compile", sample("softcap.attn"), "--target", "java", "--emit", "ptx").code());
    }

    @Test
    void devicesNeverFails() {
        Outcome r = attnc("devices");
        assertEquals(Main.OK, r.code(), r.err());
        assertTrue(r.out().startsWith("java"), r.out());
    }
}
