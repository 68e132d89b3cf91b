package dev.attnc.bench.gpu;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the CUDA source of samples for one tile spec (as {@link CudaBench} reads them, e.g.
 * {@code 128x128/8h}, or {@code auto} for the policy's dense choice, or {@code backward} for the
 * policy's backward program), bf16, for an sm_90a GPU, through the CUDA backend's own source stage
 * ({@link CudaStages}), so that nvcc on the GPU machine can report registers, spills and SASS:
 * {@code KernelSources OUT_DIR D SPEC sample.attn...}. {@code -Dattnc.kernelSources.noGrad=P,...}: no gradient for
 * those parameters where an attention has them ({@link Attention#withoutGradients}), as the backward benchmark times
 * the constants PyTorch takes no gradient of (ALiBi's slopes, the soft-cap).
 */
public final class KernelSources {
    /** The spec that writes the backward program instead of a forward kernel. */
    static final String BACKWARD = "backward";

    private KernelSources() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int d = Integer.parseInt(args[1]);
        String spec = args[2];
        BackendPolicy policy = BackendPolicy.untuned(DeviceCaps.Cuda.DEFAULT, BackendOptions.fromSystemProperties());
        Files.createDirectories(out);
        for (int i = 3; i < args.length; i++) {
            Path file = Path.of(args[i]);
            Compilation compilation = Compilation.of(SourceFile.read(file)).orThrow();
            String stem = file.getFileName().toString().replace(".attn", "");
            // a file with several attentions (gpt_oss.attn): each one, named after it
            List<String> names = compilation.attentionNames();
            for (String name : names) {
                String base = names.size() == 1 ? stem : stem + "_" + name;
                write(out, base, withoutGradients(compilation.optimized(name)), d, spec, policy);
            }
        }
    }

    private static Attention withoutGradients(Attention attention) {
        String names = System.getProperty("attnc.kernelSources.noGrad", "");
        List<String> fixed = java.util.Arrays.stream(names.split(",")).filter(n -> attention.params().stream().anyMatch(p -> p.name().equals(n))).toList();
        return fixed.isEmpty() ? attention : attention.withoutGradients(fixed);
    }

    private static void write(Path out, String base, Attention attention, int d, String spec, BackendPolicy policy) throws Exception {
        if (spec.equals(BACKWARD)) {
            var request = new KernelRequest(attention, DType.BF16, d, policy.defaultTiles(d));
            Decision.Cuda decision = TargetPolicy.cudaBackward(DeviceCaps.Cuda.DEFAULT, d, d, policy.options());
            var src = CudaStages.backwardSource(request, Storage.BF16, decision, policy.options());
            Files.writeString(out.resolve(base + "_backward.cu"), src.text());
            return;
        }
        boolean auto = spec.equals(CudaBench.AUTO);
        var request = new KernelRequest(attention, DType.BF16, d, auto ? policy.defaultTiles(d) : CudaBench.tilePlan(spec));
        Decision.Cuda decision = auto ? (Decision.Cuda) policy.decisions(request).getFirst()
                : TargetPolicy.cuda(DeviceCaps.Cuda.DEFAULT, request.tiles(), CudaBench.options(spec, d));
        var src = CudaStages.source(request, Storage.BF16, decision);
        Files.writeString(out.resolve(base + ".cu"), src.text());
    }
}
