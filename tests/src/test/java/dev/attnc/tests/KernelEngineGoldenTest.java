package dev.attnc.tests;

import dev.attnc.testkit.Repo;
import dev.attnc.testkit.Golden;
import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaBackwardCodegen;
import dev.attnc.compiler.codegen.cuda.DqForm;
import dev.attnc.compiler.codegen.cuda.CudaCodegen;
import dev.attnc.compiler.codegen.cuda.CudaCodegen.Options;
import dev.attnc.compiler.codegen.java.JavaBackwardGenerator;
import dev.attnc.compiler.codegen.java.JavaKernelGenerator;
import dev.attnc.compiler.codegen.opencl.OpenClCodegen;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * One whole kernel per engine, for one variant (alibi_softcap: a per-head tensor, a parameter, a
 * tanh and a causal mask), D = 128, bf16 storage where the engine reads it, with fixed tile plans
 * (so a golden changes only when code generation does): the Java kernel, the OpenCL kernel, and
 * two of the CUDA engines (the FA2 loop on wgmma, the warp-specialized Hopper kernel with two
 * stages), the Java backward kernel, the CUDA backward program in both forms of dQ (deterministic, atomic)
 * on mma.sync, in the atomic form on wgmma, and warp-specialized (sm_90a's default), and the CUDA decode program, in
 * {@code tests/golden/kernels/}; the third, mma.sync, is CudaGoldenTest's
 * {@code compiler/src/test/resources/golden/cuda/alibi_softcap.cu}. CUDA cannot run here; these
 * goldens are how its text is checked.
 * <p>
 * Regenerate every golden with one command from the repository root:
 * {@code ./run-tests -Dattnc.golden.update=true} (then read the diff before committing it).
 */
class KernelEngineGoldenTest {
    static final String SAMPLE = "alibi_softcap";
    static final int D = 128;
    /** The sm_90 plan (two consumer warpgroups, 128 keys). */
    static final TilePlan SM90_TILES = new TilePlan(128, 128, 8);

    @TestFactory
    Stream<DynamicTest> eachEngine() throws IOException {
        Attention a = Compilation.of(SourceFile.read(Repo.root().resolve("samples/" + SAMPLE + ".attn"))).orThrow().optimized(null);
        Map<String, Supplier<String>> engines = new LinkedHashMap<>();
        engines.put("java.java.txt", () -> JavaKernelGenerator.generate(a, "bf16", D, new TilePlan(64, 64, 1)).toString());
        engines.put("java_backward.java.txt", () -> JavaBackwardGenerator.generate(a, "bf16", D, new TilePlan(64, 64, 1)).toString());
        engines.put("opencl.cl", () -> OpenClCodegen.generate(a, Storage.BF16, D, new TilePlan(32, 32, 1)).source());
        // mma.sync at 128 x 64 / 4 warps: compiler/src/test/resources/golden/cuda/alibi_softcap.cu (CudaGoldenTest)
        engines.put("cuda_wgmma.cu", () -> CudaCodegen.generate(a, Storage.BF16, D, SM90_TILES, Options.wgmma(D, SM90_TILES)).text());
        engines.put("cuda_hopper.cu", () -> CudaCodegen.generate(a, Storage.BF16, D, SM90_TILES, Options.hopper(2)).text());
        engines.put("cuda_backward.cu", () -> CudaBackwardCodegen.generate(a, Storage.BF16, D, DqForm.DETERMINISTIC).text());
        // mma.sync's default form: dQ through float atomics in the dK/dV kernel, the parameters' terms there too
        engines.put("cuda_backward_atomic_dq.cu", () -> CudaBackwardCodegen.generate(a, Storage.BF16, D, DqForm.ATOMIC).text());
        // the FA2-style kernels with their products on wgmma (-Dattnc.cuda.engine=wgmma), dQ through atomics
        engines.put("cuda_backward_wgmma.cu", () -> CudaBackwardCodegen.generate(a, Storage.BF16, D, DqForm.ATOMIC, true).text());
        // sm_90a's default (TargetPolicy.cudaBackward): the dK/dV kernel warp-specialized, dQ through atomics, fast math
        engines.put("cuda_backward_hopper.cu", () -> CudaBackwardCodegen.generate(a, Storage.BF16, D, D, DqForm.ATOMIC,
                CudaCodegen.Engine.HOPPER, true).text());
        engines.put("cuda_decode.cu", () -> dev.attnc.compiler.codegen.cuda.CudaDecodeCodegen.generate(a, Storage.BF16, D, 64, 3, true).text());
        return engines.entrySet().stream().map(e -> DynamicTest.dynamicTest(SAMPLE + " " + e.getKey(),
                () -> Golden.check(Repo.root().resolve("tests/golden/kernels").resolve(SAMPLE + "." + e.getKey()), e.getValue().get())));
    }

    /**
     * The warp-specialized backward's two other forms of pairs: ALiBi's in two passes (P while dP^T runs), the
     * relative bias's table gradient summed along the tile's diagonals (from dS, two shuffles, one atomic a diagonal).
     */
    @TestFactory
    Stream<DynamicTest> theHopperBackwardsOtherPairs() {
        return Stream.of("alibi", "relative_bias").map(sample -> DynamicTest.dynamicTest(sample + " cuda_backward_hopper.cu", () -> {
            Attention a = Compilation.of(SourceFile.read(Repo.root().resolve("samples/" + sample + ".attn"))).orThrow().optimized(null);
            String text = CudaBackwardCodegen.generate(a, Storage.BF16, D, D, DqForm.ATOMIC, CudaCodegen.Engine.HOPPER, true).text();
            Golden.check(Repo.root().resolve("tests/golden/kernels").resolve(sample + ".cuda_backward_hopper.cu"), text);
        }));
    }
}
