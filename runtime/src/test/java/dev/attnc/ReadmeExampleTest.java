package dev.attnc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.diag.CompileException;
import dev.attnc.io.Npy;
import dev.attnc.testkit.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The Java example of the README, as written there (inputs made here instead of read). */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void theReadmeExampleRunsAndIsRight() throws Exception {
        Npy.write(dir.resolve("q.npy"), Tensor.random(DType.F32, 1, 2, 4, 50, 32));
        Npy.write(dir.resolve("k.npy"), Tensor.random(DType.F32, 2, 2, 2, 70, 32));
        Npy.write(dir.resolve("v.npy"), Tensor.random(DType.F32, 3, 2, 2, 70, 32));

        Program program = Attnc.compile(Repo.sample("alibi"));
        Tensor q = Npy.read(dir.resolve("q.npy")), k = Npy.read(dir.resolve("k.npy")), v = Npy.read(dir.resolve("v.npy"));
        Tensor slopes = Tensor.ofFloats(new float[] {0.5f, 0.25f, 0.125f, 0.0625f}, 4);
        try (AttentionKernel kernel = program.kernel("alibi", Target.JAVA)) {
            AttentionKernel.Prepared p = kernel.prepare(q, k, v, Map.of("slopes", slopes), Double.NaN);
            Result r = kernel.run(p);
            Npy.write(dir.resolve("o.npy"), r.o());
            assertEquals("[2, 4, 50, 32]", Npy.read(dir.resolve("o.npy")).shapeString());
            assertTrue(Check.against(kernel.attention(), p.inputs(), r).passed());
        }
    }

    @Test
    void programErrorsComeBackTogether() {
        CompileException e = assertThrows(CompileException.class, () -> Attnc.compile("bad.attn", "mask m = q >= kvv\nattention a { mask = m && nope }\n"));
        assertEquals(2, e.diagnostics().size());
        assertTrue(e.getMessage().contains("bad.attn:1:15: error: unknown name 'kvv'"), e.getMessage());
    }
}
