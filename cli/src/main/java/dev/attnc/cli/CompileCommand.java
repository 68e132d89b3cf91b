package dev.attnc.cli;

import dev.attnc.AttnInputException;
import dev.attnc.Attnc;
import dev.attnc.DType;
import dev.attnc.Target;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaCodegen;
import dev.attnc.compiler.codegen.cuda.CudaKernelSource;
import dev.attnc.compiler.codegen.java.JavaKernelGenerator;
import dev.attnc.compiler.codegen.opencl.OpenClCodegen;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.plan.TilePlans;
import dev.attnc.ffm.cuda.Cuda;
import dev.attnc.ffm.cuda.CudaDevice;
import dev.attnc.ffm.cuda.Nvrtc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code attnc compile}: writes the kernel attnc generates for a target (source, or PTX for CUDA). */
@Command(mixinStandardHelpOptions = true, name = "compile", description = "Generate a kernel's source (or CUDA PTX) without running it.")
final class CompileCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--attention", paramLabel = "NAME")
    String attention;

    @Option(names = "--target", required = true, paramLabel = "TARGET", description = "java, opencl or cuda")
    String target;

    @Option(names = "--emit", defaultValue = "source", paramLabel = "WHAT", description = "source (default), or ptx for cuda")
    String emit;

    @Option(names = "--dtype", defaultValue = "bf16", paramLabel = "DTYPE", description = "storage of Q, K, V, O: f32, f16, bf16 (default bf16)")
    String dtype;

    @Option(names = "--head-dim", defaultValue = "128", paramLabel = "D")
    int headDim;

    @Option(names = "--tiles", paramLabel = "BMxBN[/W]", description = "tile plan (default: the target's)")
    String tiles;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "write the file here (default: print it)")
    Path outputDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Attention a = Attnc.compile(file).ir(attention);
        Target t = Target.parse(target);
        DType d = DType.parse(dtype);
        if (!d.isFloat()) throw new AttnInputException("--dtype must be f32, f16 or bf16");
        if (headDim < 1) throw new AttnInputException("--head-dim must be at least 1");
        if (!emit.equals("source") && !(emit.equals("ptx") && t == Target.CUDA)) {
            throw new AttnInputException("--emit " + emit + " is not available for --target " + t.word() + "; use source" + (t == Target.CUDA ? " or ptx" : ""));
        }
        TilePlan plan;
        try {
            plan = tiles != null ? TilePlans.parse(tiles) : switch (t) {
                case JAVA -> TilePlans.java(headDim);
                case OPENCL -> TilePlans.opencl(headDim, 1024, 48 * 1024);
                case CUDA -> TilePlans.cuda(headDim, Cuda.devices().isEmpty() ? 9 : Cuda.devices().getFirst().major());
            };
        } catch (IllegalArgumentException e) {
            throw new AttnInputException("--tiles: " + e.getMessage());
        }
        Storage storage = Storage.valueOf(d.name());
        String name;
        byte[] text;
        switch (t) {
            case JAVA -> {
                var javaFile = JavaKernelGenerator.generate(a, d.name(), headDim, plan);
                name = javaFile.typeSpec().name() + ".java";
                text = javaFile.toString().getBytes(StandardCharsets.UTF_8);
            }
            case OPENCL -> {
                name = a.name() + ".cl";
                text = OpenClCodegen.generate(a, storage, headDim, plan).source().getBytes(StandardCharsets.UTF_8);
            }
            case CUDA -> {
                String unsupported = CudaCodegen.unsupported(headDim, plan);
                if (unsupported != null) throw new AttnInputException(unsupported);
                CudaKernelSource src = CudaCodegen.generate(a, storage, headDim, plan);
                if (emit.equals("ptx")) {
                    List<CudaDevice> gpus = Cuda.devices();
                    String arch = gpus.isEmpty() ? "compute_90" : gpus.getFirst().computeArch();
                    name = a.name() + ".ptx";
                    text = Nvrtc.get().compile(src.text(), a.name() + ".cu", List.of("--gpu-architecture=" + arch, "-std=c++17")).ptx();
                } else {
                    name = a.name() + ".cu";
                    text = src.text().getBytes(StandardCharsets.UTF_8);
                }
            }
            default -> throw new IllegalStateException();
        }
        if (outputDir == null) {
            spec.commandLine().getOut().print(new String(text, StandardCharsets.UTF_8));
            spec.commandLine().getOut().flush();
        } else {
            Files.createDirectories(outputDir);
            Files.write(outputDir.resolve(name), text);
            spec.commandLine().getOut().println("wrote " + outputDir.resolve(name) + " (" + t.word() + ", " + d.displayName() + ", D=" + headDim + ", tiles " + plan.describe() + ")");
            spec.commandLine().getOut().flush();
        }
        return Main.OK;
    }
}
