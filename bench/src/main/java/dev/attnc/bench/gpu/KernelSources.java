package dev.attnc.bench.gpu;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaCodegen;
import dev.attnc.compiler.diag.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the CUDA source of samples for one tile spec (as {@link CudaBench} reads them, e.g.
 * {@code 128x128/8h}), bf16, so that nvcc on the GPU machine can report registers, spills and
 * SASS: {@code KernelSources OUT_DIR D SPEC sample.attn...}.
 */
public final class KernelSources {
    private KernelSources() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int d = Integer.parseInt(args[1]);
        String spec = args[2];
        Files.createDirectories(out);
        for (int i = 3; i < args.length; i++) {
            Path file = Path.of(args[i]);
            var attention = Compilation.of(SourceFile.read(file)).orThrow().optimized(null);
            var src = CudaCodegen.generate(attention, Storage.BF16, d, CudaBench.tilePlan(spec), CudaBench.options(spec, d));
            Files.writeString(out.resolve(file.getFileName().toString().replace(".attn", ".cu")), src.text());
        }
    }
}
