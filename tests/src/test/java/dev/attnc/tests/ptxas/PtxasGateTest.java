package dev.attnc.tests.ptxas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnc.DType;
import dev.attnc.backend.BackendPolicy;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.cuda.CudaStages;
import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.target.BackendOptions;
import dev.attnc.compiler.target.Decision;
import dev.attnc.compiler.target.DeviceCaps;
import dev.attnc.compiler.target.TargetPolicy;
import dev.attnc.testkit.Golden;
import dev.attnc.testkit.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every sample's CUDA programs, as the runtime builds them by default (the policy's first build of the forward
 * kernel, which the runtime replaces by the next where it spills, and the backward program; bf16, D = 64 and 128,
 * on sm_90a and on sm_80's mma.sync engine), compiled by nvcc's ptxas where nvcc is installed (CI
 * machines of this project's kind have it; no GPU is needed): each compiles, no wgmma is serialized (a
 * C75xx "serialized" warning: ptxas then waits for every wgmma, and the kernel runs at a fraction of its
 * speed), and each kernel's registers and spills are those of {@code tests/golden/ptxas/kernels.txt}
 * (its first line names the nvcc they were read with; another nvcc skips that comparison). A template
 * change that makes a kernel spill shows in that file's diff: regenerate it with
 * {@code -Dattnc.golden.update=true}, as every golden.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PtxasGateTest {
    static final Path GOLDEN = Path.of("tests/golden/ptxas/kernels.txt");
    static final int[] HEAD_DIMS = {64, 128};
    static final String[] ARCHS = {"sm_90a", "sm_80"};

    /** A program to compile: its name in the table, its text, NVRTC's flags. */
    record Program(String name, String text, List<String> flags) {}

    private String nvcc;
    private final List<Program> programs = new ArrayList<>();
    private final List<Ptxas.Result> results = new ArrayList<>();

    @BeforeAll
    void compileEveryProgram(@TempDir Path dir) throws Exception {
        nvcc = Ptxas.version().orElse(null);
        Assumptions.assumeTrue(nvcc != null, "no nvcc on the PATH (or $ATTNC_NVCC): ptxas's checks skipped");
        for (Path sample : Repo.samples()) {
            Compilation c = Compilation.of(SourceFile.read(sample)).orThrow();
            for (String name : c.attentionNames()) {
                String stem = c.attentionNames().size() == 1 ? Repo.stem(sample) : Repo.stem(sample) + "_" + name;
                programs.addAll(programs(stem, c.optimized(name)));
            }
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors())) {
            List<Future<Ptxas.Result>> futures = new ArrayList<>();
            for (Program p : programs) futures.add(pool.submit(() -> Ptxas.compile(p.text(), p.name().replace(' ', '_'), p.flags(), dir)));
            for (Future<Ptxas.Result> f : futures) results.add(f.get());
        }
    }

    /** The default forward kernel and backward program of one attention at each architecture and head dimension. */
    private static List<Program> programs(String stem, Attention attention) {
        List<Program> out = new ArrayList<>();
        for (String arch : ARCHS) {
            DeviceCaps.Cuda caps = DeviceCaps.Cuda.parse(arch);
            BackendPolicy policy = BackendPolicy.untuned(caps, BackendOptions.NONE);
            for (int d : HEAD_DIMS) {
                var request = new KernelRequest(attention, DType.BF16, d, policy.defaultTiles(d));
                Decision.Cuda forward = (Decision.Cuda) policy.decisions(request).getFirst();
                out.add(new Program(stem + " " + arch + " D" + d + " forward", CudaStages.source(request, Storage.BF16, forward).text(),
                        forward.nvrtcFlags()));
                Decision.Cuda backward = TargetPolicy.cudaBackward(caps, d, d, BackendOptions.NONE);
                out.add(new Program(stem + " " + arch + " D" + d + " backward",
                        CudaStages.backwardSource(request, Storage.BF16, backward, BackendOptions.NONE).text(), backward.nvrtcFlags()));
            }
        }
        return out;
    }

    @Test
    void everyProgramCompiles() {
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < programs.size(); i++) {
            String error = results.get(i).error();
            if (error != null) failed.add(programs.get(i).name() + ":\n" + error.lines().limit(20).collect(Collectors.joining("\n")));
        }
        assertEquals("", String.join("\n\n", failed));
    }

    @Test
    void noWgmmaIsSerialized() {
        List<String> serialized = new ArrayList<>();
        for (int i = 0; i < programs.size(); i++) {
            for (Ptxas.Kernel k : results.get(i).kernels()) {
                if (k.serialized()) serialized.add(programs.get(i).name() + " " + k.line());
            }
        }
        assertEquals("", String.join("\n", serialized));
    }

    @Test
    void registersAndSpillsAreTheGoldens() throws java.io.IOException {
        String header = "# ptxas of nvcc " + nvcc + ": every kernel's registers, spills (stores / loads) and stack frame\n";
        StringBuilder table = new StringBuilder(header);
        for (int i = 0; i < programs.size(); i++) {
            for (Ptxas.Kernel k : results.get(i).kernels()) table.append(programs.get(i).name()).append(' ').append(k.line()).append('\n');
        }
        Path file = Repo.root().resolve(GOLDEN);
        if (!Golden.updating() && Files.exists(file)) {
            String recorded = Files.readString(file).lines().findFirst().orElse("");
            Assumptions.assumeTrue(recorded.equals(header.strip()),
                    "the goldens were read with another nvcc (" + recorded + "); this one is " + nvcc);
        }
        Golden.check(GOLDEN, table.toString());
    }
}
