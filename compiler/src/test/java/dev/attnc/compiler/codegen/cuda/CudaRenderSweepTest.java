package dev.attnc.compiler.codegen.cuda;

import dev.attnc.testkit.Repo;
import dev.attnc.compiler.TestPrograms;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaCodegen.Options;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.plan.TilePlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Renders every sample through every CUDA engine over a spread of head dimensions, storages and
 * tile plans: each kernel must render (a template error throws) and be one whole translation unit.
 * With {@code -Dattnc.cuda.sweep=DIR} the sources are also written to DIR, one file per
 * (sample, engine, storage, D, plan), so that a change to the templates can be diffed against the
 * sources of the commit before it.
 */
class CudaRenderSweepTest {
    private record Engine(String name, List<Integer> headDims, BiPredicate<Integer, TilePlan> fits,
            BiFunction<Integer, TilePlan, Options> options) {}

    private static boolean mmaFits(int d, TilePlan plan) {
        return CudaCodegen.unsupported(d, plan) == null;
    }

    private static final List<Engine> ENGINES = List.of(
            new Engine("mma", List.of(16, 32, 40, 64, 80, 96, 112, 128, 160, 256), CudaRenderSweepTest::mmaFits, Options::defaults),
            new Engine("wgmma", List.of(64, 128), CudaCodegen::wgmmaFits, Options::wgmma),
            new Engine("hopper2", List.of(64, 80, 128, 192), CudaCodegen::hopperFits, (d, t) -> Options.hopper(2)),
            new Engine("hopper3", List.of(64, 80, 128, 192), CudaCodegen::hopperFits, (d, t) -> Options.hopper(3)),
            new Engine("hopper2seq", List.of(64, 128), CudaCodegen::hopperFits,
                    (d, t) -> Options.hopper(2).withSchedule(CudaCodegen.Schedule.ALL.sequential())));
    private static final List<TilePlan> PLANS =
            List.of(new TilePlan(128, 64, 4), new TilePlan(128, 128, 8), new TilePlan(192, 128, 12), new TilePlan(64, 64, 4));

    @Test
    void everySampleRendersOnEveryEngine() throws IOException {
        String dir = System.getProperty("attnc.cuda.sweep");
        Path out = dir == null ? null : Files.createDirectories(Path.of(dir));
        List<Path> samples;
        samples = Repo.samples();
        List<String> rendered = new ArrayList<>();
        for (Path sample : samples) {
            var attention = TestPrograms.sample(Repo.stem(sample));
            String stem = sample.getFileName().toString().replace(".attn", "");
            for (Engine engine : ENGINES) {
                for (int d : engine.headDims()) {
                    for (TilePlan plan : PLANS) {
                        if (!engine.fits().test(d, plan)) continue;
                        for (Storage storage : List.of(Storage.BF16, Storage.F16)) {
                            String text = CudaCodegen.generate(attention, storage, d, plan, engine.options().apply(d, plan)).text();
                            String file = "%s_%s_%s_d%d_%dx%d_%d.cu".formatted(stem, engine.name(), storage, d, plan.blockM(),
                                    plan.blockN(), plan.warps());
                            assertTrue(text.contains("__global__") && text.strip().endsWith("}"), file);
                            if (out != null) Files.writeString(out.resolve(file), text);
                            rendered.add(file);
                        }
                    }
                }
            }
        }
        assertTrue(rendered.size() > samples.size() * 10, "rendered " + rendered.size());
    }

    /** The decode program and the backward of every sample at every head dimension they take, written beside the forward's. */
    @Test
    void everySampleRendersItsDecodeAndBackwardPrograms() throws IOException {
        String dir = System.getProperty("attnc.cuda.sweep");
        Path out = dir == null ? null : Files.createDirectories(Path.of(dir));
        int rendered = 0;
        for (Path sample : Repo.samples()) {
            var attention = TestPrograms.sample(Repo.stem(sample));
            String stem = sample.getFileName().toString().replace(".attn", "");
            for (int d = 8; d <= 256; d += 8) {
                for (Storage storage : List.of(Storage.BF16, Storage.F16)) {
                    if (CudaDecodeCodegen.unsupported(d, 128) == null) {
                        String text = CudaDecodeCodegen.generate(attention, storage, d, 128, 3, true).text();
                        rendered += write(out, "%s_decode_%s_d%d.cu".formatted(stem, storage, d), text);
                    }
                    if (CudaBackwardCodegen.unsupported(d) == null) {
                        String text = CudaBackwardCodegen.generate(attention, storage, d).text();
                        rendered += write(out, "%s_backward_%s_d%d.cu".formatted(stem, storage, d), text);
                    }
                }
            }
        }
        assertTrue(rendered > Repo.samples().size() * 8, "rendered " + rendered);
    }

    private static int write(Path out, String file, String text) throws IOException {
        assertTrue(text.contains("__global__") && text.strip().endsWith("}"), file);
        if (out != null) Files.writeString(out.resolve(file), text);
        return 1;
    }
}
