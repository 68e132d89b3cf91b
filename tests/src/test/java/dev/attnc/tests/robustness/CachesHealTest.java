package dev.attnc.tests.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.AttentionKernel;
import dev.attnc.Attnc;
import dev.attnc.DType;
import dev.attnc.Inputs;
import dev.attnc.Program;
import dev.attnc.Result;
import dev.attnc.Target;
import dev.attnc.Tensor;
import dev.attnc.backend.opencl.OpenClBackend;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.kernel.Sizes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenCL program cache on disk never trusts a file's name: another shape's or another
 * variant's binary copied under this program's key is noticed (each entry holds its full key),
 * rebuilt from source and overwritten, and the run is right. (The CUDA cubin cache shares the
 * entry format: runtime's CubinCacheTest checks the same rule without a GPU.)
 */
class CachesHealTest {
    @TempDir
    Path cache;

    private static final String CAUSAL = "attention causal { mask = q >= kv }";
    private static final String ALIBI = "attention alibi { score = score - float(q - kv) * 0.5 }";

    @Test
    void anotherShapesOrVariantsBinaryUnderThisKeyIsRebuilt() throws IOException {
        assumeTrue(Backends.available().anyMatch(t -> t == Target.OPENCL), "no OpenCL device");
        Path mine = compileAndFind(CAUSAL, 16, Set.of());
        Path otherShape = compileAndFind(CAUSAL, 32, Set.of(mine));
        Path otherVariant = compileAndFind(ALIBI, 16, Set.of(mine, otherShape));
        for (Path impostor : List.of(otherShape, otherVariant)) {
            Files.copy(impostor, mine, StandardCopyOption.REPLACE_EXISTING);
            assertCorrect(CAUSAL, 16);
            assertTrue(Files.mismatch(impostor, mine) != -1, "the entry was rewritten with this program's binary");
        }
    }

    /** Compiles and runs an attention with a fresh backend on the test's cache; returns the one new entry. */
    private Path compileAndFind(String source, int d, Set<Path> known) throws IOException {
        assertCorrect(source, d);
        try (Stream<Path> files = Files.list(cache)) {
            List<Path> added = files.filter(p -> p.toString().endsWith(".bin") && !known.contains(p)).collect(Collectors.toList());
            assertEquals(1, added.size(), "one new entry: " + added);
            return added.getFirst();
        }
    }

    private void assertCorrect(String source, int d) {
        Program program = Attnc.compile("t.attn", source);
        Tensor q = Tensor.random(DType.F32, 1, 1, 2, 64, d), k = Tensor.random(DType.F32, 2, 1, 2, 64, d), v = Tensor.random(DType.F32, 3, 1, 2, 64, d);
        Sizes sizes = Inputs.sizes(q, k, v);
        Reference.Output want = Reference.run(program.ir(null), sizes, q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(),
                Inputs.bind(program.ir(null), sizes, Map.of()).bindings(), Reference.defaultScale(sizes));
        Result got;
        try (OpenClBackend backend = new OpenClBackend(0, cache); AttentionKernel kernel = program.kernel(null, backend)) {
            got = kernel.run(q, k, v);
        }
        float[] o = got.o().toFloatArray();
        for (int i = 0; i < o.length; i++) assertEquals(want.o()[i], o[i], 1e-4, "O[" + i + "]");
    }
}
