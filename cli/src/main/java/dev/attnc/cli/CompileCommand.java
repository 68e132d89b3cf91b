package dev.attnc.cli;

import dev.attnc.AttentionKernel;
import dev.attnc.AttnInputException;
import dev.attnc.Attnc;
import dev.attnc.DType;
import dev.attnc.Inputs;
import dev.attnc.Target;
import dev.attnc.backend.BackendPolicy;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.TuningTable;
import dev.attnc.backend.cpu.JavaStages;
import dev.attnc.backend.cuda.CubinCache;
import dev.attnc.backend.cuda.CudaStages;
import dev.attnc.backend.opencl.OpenClStages;
import dev.attnc.compiler.codegen.cuda.CudaBackwardCodegen;
import dev.attnc.compiler.codegen.cuda.CudaCodegen;
import dev.attnc.compiler.target.TargetPolicy;
import dev.attnc.compiler.codegen.cuda.CudaKernelSource;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.plan.TilePlans;
import dev.attnc.compiler.sparsity.BlockPlanner;
import dev.attnc.compiler.target.BackendOptions;
import dev.attnc.compiler.target.Decision;
import dev.attnc.compiler.target.DeviceCaps;
import dev.attnc.ffm.cuda.Cuda;
import dev.attnc.ffm.cuda.CudaDevice;
import dev.attnc.ffm.cuda.Nvrtc;
import dev.attnc.ffm.opencl.ClDevice;
import dev.attnc.ffm.opencl.OpenCl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code attnc compile}: any stage of exactly the kernel {@code attnc run} would launch for the
 * same request, through the same target policy and the same stages as the backends, with the
 * device's capabilities given on the command line or taken from the device at hand.
 */
@Command(mixinStandardHelpOptions = true, name = "compile",
        description = "Print (or write) the source, PTX or cubin of the kernel that run would launch, without running it.",
        footer = {"",
            "The kernel is chosen by the target policy (docs/architecture.md) from: the device (--arch or --opencl-limits, "
                    + "else the device at hand, else sm_90a and 1024,49152); D and the dtype; the mask's density under the first tiles "
                    + "(from --shape and the arguments, as run computes it; without --shape every tile counts as kept); the autotuner's "
                    + "table (for a CUDA GPU at hand, without --arch); and -Dattnc.cuda.* (tiles, engine, minBlocks; deterministic=true|false: the backward's dQ by a second pass or through atomics, else the policy's choice; decode=always|never: 17 to 64 query rows in the decode program or not).",
            "If that kernel spills registers, run falls back to the policy's next build, which only a GPU can tell."})
final class CompileCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--attention", paramLabel = "NAME")
    String attention;

    @Option(names = "--target", required = true, paramLabel = "TARGET", description = "java, opencl or cuda")
    String target;

    @Option(names = "--emit", defaultValue = "source", paramLabel = "WHAT",
            description = "source (default); for cuda also ptx or cubin (both need NVRTC, not a GPU)")
    String emit;

    @Option(names = "--dtype", defaultValue = "bf16", paramLabel = "DTYPE", description = "storage of Q, K, V, O: f32, f16, bf16 (default bf16)")
    String dtype;

    @Option(names = "--head-dim", defaultValue = "128", paramLabel = "D", description = "head dimension (default 128; --shape's D wins)")
    int headDim;

    @Option(names = "--shape", paramLabel = RandomInputs.SHAPE,
            description = "the call's shape, as run takes it: the block plan under it tells the policy how sparse the mask is")
    String shape;

    @Option(names = "--arg", paramLabel = "NAME=VALUE", description = "an argument of the mask (with --shape), as run takes it")
    List<String> args = new ArrayList<>();

    @Option(names = "--random-args", description = "fill arguments that are not given, as run does (with --shape)")
    boolean randomArgs;

    @Option(names = "--seed", defaultValue = "1", description = "seed of random arguments (as run's)")
    long seed;

    @Option(names = "--tiles", paramLabel = "BMxBN[/W]", description = "tile plan (default: the policy's)")
    String tiles;

    @Option(names = "--arch", paramLabel = "ARCH",
            description = "cuda: the GPU to compile for, sm_80, sm_86, sm_89 or sm_90a (default: the GPU at hand, else sm_90a)")
    String arch;

    @Option(names = "--opencl-limits", paramLabel = "WG,LOCALBYTES",
            description = "opencl: the device's work-group size and local memory (default: the device at hand, else 1024,49152)")
    String openclLimits;

    @Option(names = "--device", defaultValue = "0", paramLabel = "N", description = "the device at hand to take limits from (as run's)")
    int device;

    @Option(names = "--backward", description = "the backward pass's source instead of the forward's")
    boolean backward;

    @Option(names = "--no-grad", paramLabel = "PARAM", split = ",",
            description = "with --backward: no gradient for these parameters, as run's --no-grad")
    List<String> noGrad = List.of();

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "write the file here (default: print it)")
    Path outputDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!backward && !noGrad.isEmpty()) throw new AttnInputException("--no-grad needs --backward");
        Attention a = AttentionKernel.withoutGradients(Attnc.compile(file).ir(attention), noGrad);
        Target t = Target.parse(target);
        DType d = DType.parse(dtype);
        if (!d.isFloat()) throw new AttnInputException("--dtype must be f32, f16 or bf16");
        if (!emit.equals("source") && !(t == Target.CUDA && (emit.equals("ptx") || emit.equals("cubin")))) {
            throw new AttnInputException("--emit " + emit + " is not available for --target " + t.word() + "; use source"
                    + (t == Target.CUDA ? ", ptx or cubin" : ""));
        }
        if (backward && !emit.equals("source")) throw new AttnInputException("--backward prints the backward pass's source; use --emit source");
        Sizes sizes = shape == null ? null : RandomInputs.parseShape(shape);
        int dim = sizes != null ? sizes.D() : headDim;
        if (dim < 1) throw new AttnInputException("--head-dim must be at least 1");
        BackendPolicy policy = policy(t);
        KernelRequest request = new KernelRequest(a, d, dim, sizes != null ? sizes.DV() : dim, tiles(a, d, dim, sizes, policy));
        String name;
        byte[] text;
        String decided;
        TilePlan printedTiles = request.tiles(); // the CUDA backward runs its own tiles
        switch (t) {
            case JAVA -> {
                var javaFile = backward ? JavaStages.backwardSource(request) : JavaStages.source(request);
                name = JavaStages.fileName(javaFile);
                text = bytes(javaFile.toString());
                decided = "java";
            }
            case OPENCL -> {
                name = a.name() + (backward ? "_backward.cl" : ".cl");
                text = bytes(backward ? OpenClStages.backwardSource(request).source() : OpenClStages.source(request).source());
                decided = "opencl " + ((Decision.OpenCl) policy.decisions(request).getFirst()).buildOptions();
            }
            case CUDA -> {
                if (backward) {
                    String unsupported = CudaBackwardCodegen.unsupported(dim, request.valueDim());
                    if (unsupported != null) throw new AttnInputException(unsupported);
                    Decision.Cuda decision = TargetPolicy.cudaBackward((DeviceCaps.Cuda) policy.caps(), dim, request.valueDim(), policy.options());
                    name = a.name() + "_backward.cu";
                    text = bytes(CudaStages.backwardSource(request, CudaStages.storage(d), decision, policy.options()).text());
                    decided = "cuda " + decision.arch() + " " + decision.options().engine().name().toLowerCase(java.util.Locale.ROOT) + " backward, dQ "
                            + TargetPolicy.cudaBackwardForm(a, dim, decision, policy.options()).name().toLowerCase(java.util.Locale.ROOT);
                    printedTiles = decision.tiles();
                    break;
                }
                DeviceCaps.Cuda caps = (DeviceCaps.Cuda) policy.caps();
                TargetPolicy.CudaDecode decode = sizes == null || !TargetPolicy.prefersDecode(sizes.Q_LEN(), false, policy.options()) ? null
                        : TargetPolicy.cudaDecode(caps, dim, sizes.DV(), sizes.Q_LEN(), sizes.H() / sizes.H_KV(), request.tiles(), false);
                if (decode != null) { // few query rows: run launches the decode program (its source does not depend on the packing)
                    Decision.Cuda build = TargetPolicy.cudaDecodeBuild(caps, request.tiles());
                    String source = CudaStages.decodeSource(request, CudaStages.storage(d), decode, build).text();
                    decided = "cuda " + build.arch() + " decode";
                    name = a.name() + "_decode." + (emit.equals("source") ? "cu" : emit);
                    text = emit.equals("source") ? bytes(source) : binary(source, "attnc_decode.cu", build);
                    break;
                }
                String unsupported = CudaCodegen.unsupported(dim, request.tiles());
                if (unsupported != null) throw new AttnInputException(unsupported);
                CudaStages.Built first = CudaStages.sources(policy, request, CudaStages.storage(d)).getFirst();
                Decision.Cuda decision = first.decision();
                CudaKernelSource src = first.source();
                decided = "cuda " + decision.arch() + " " + decision.options().engine().name().toLowerCase(java.util.Locale.ROOT);
                if (emit.equals("source")) {
                    name = a.name() + ".cu";
                    text = bytes(src.text());
                } else {
                    name = a.name() + "." + emit;
                    text = binary(src.text(), src.entry() + ".cu", decision);
                }
            }
            default -> throw new IllegalStateException();
        }
        if (outputDir == null && emit.equals("cubin")) {
            System.out.write(text); // binary: not through a Writer
            System.out.flush();
        } else if (outputDir == null) {
            spec.commandLine().getOut().print(new String(text, StandardCharsets.UTF_8));
            spec.commandLine().getOut().flush();
        } else {
            Files.createDirectories(outputDir);
            Files.write(outputDir.resolve(name), text);
            spec.commandLine().getOut().println("wrote " + outputDir.resolve(name) + " (" + decided + ", " + d.displayName() + ", D=" + dim
                    + ", tiles " + printedTiles.describe() + ")");
            spec.commandLine().getOut().flush();
        }
        return Main.OK;
    }

    /** The PTX or cubin (as --emit asks) of a CUDA program, through NVRTC. */
    private byte[] binary(String source, String fileName, Decision.Cuda decision) {
        if (!Nvrtc.isAvailable()) {
            throw new AttnInputException("--emit " + emit + " needs NVRTC, which was not found ("
                    + Nvrtc.unavailableReason().orElse("no libnvrtc") + "); --emit source needs none");
        }
        var binary = CudaStages.binary(source, fileName, decision);
        return emit.equals("ptx") ? binary.ptx() : binary.cubin();
    }

    /** The tiles run would take: --tiles, else the policy's, under the block plan of --shape when given (as Backend.plan). */
    private TilePlan tiles(Attention a, DType d, int dim, Sizes sizes, BackendPolicy policy) {
        if (tiles != null) {
            try {
                return TilePlans.parse(tiles);
            } catch (IllegalArgumentException e) {
                throw new AttnInputException("--tiles: " + e.getMessage());
            }
        }
        if (sizes == null) return policy.tiles(a, d, dim, Double.NaN);
        Map<String, Object> arguments = new LinkedHashMap<>(Args.parse(args));
        if (randomArgs) RandomInputs.fillTensors(a, sizes, arguments, seed);
        Inputs.Bound bound = Inputs.bind(a, sizes, arguments);
        return policy.plan(a, d, dim, x -> BlockPlanner.plan(a, sizes, bound.bindings(), x.blockM(), x.blockN())).tiles();
    }

    /** The policy on the device given on the command line, else the one at hand (as run opens it), else the default. */
    private BackendPolicy policy(Target t) {
        BackendOptions options = BackendOptions.fromSystemProperties();
        try {
            return switch (t) {
                case JAVA -> BackendPolicy.untuned(new DeviceCaps.Cpu(), options);
                case OPENCL -> {
                    if (openclLimits != null) yield BackendPolicy.untuned(DeviceCaps.OpenCl.parse(openclLimits), options);
                    List<ClDevice> devices = OpenCl.isAvailable() ? OpenCl.devices() : List.of();
                    yield BackendPolicy.untuned(device < devices.size() ? OpenClStages.caps(devices.get(device)) : DeviceCaps.OpenCl.DEFAULT,
                            options);
                }
                case CUDA -> {
                    if (arch != null) yield BackendPolicy.untuned(DeviceCaps.Cuda.parse(arch), options);
                    List<CudaDevice> gpus = Cuda.devices();
                    if (device >= gpus.size() || gpus.get(device).major() < 8) yield BackendPolicy.untuned(DeviceCaps.Cuda.DEFAULT, options);
                    yield CudaStages.policy(gpus.get(device), options, new TuningTable(CubinCache.defaultDir().resolve("tuning.properties")));
                }
            };
        } catch (IllegalArgumentException e) {
            throw new AttnInputException(e.getMessage());
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
