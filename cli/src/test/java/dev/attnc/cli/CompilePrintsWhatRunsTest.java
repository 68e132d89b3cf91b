package dev.attnc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.Attnc;
import dev.attnc.DType;
import dev.attnc.Inputs;
import dev.attnc.backend.BackendPolicy;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.cpu.CpuBackend;
import dev.attnc.backend.cpu.JavaStages;
import dev.attnc.backend.cpu.KernelCache;
import dev.attnc.backend.cuda.CudaStages;
import dev.attnc.backend.opencl.OpenClBackend;
import dev.attnc.backend.opencl.OpenClStages;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaBackwardCodegen;
import dev.attnc.compiler.codegen.cuda.CudaBackwardSource;
import dev.attnc.compiler.codegen.cuda.CudaCodegen.Engine;
import dev.attnc.compiler.codegen.cuda.DqForm;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import dev.attnc.compiler.target.BackendOptions;
import dev.attnc.compiler.target.Decision;
import dev.attnc.compiler.target.DeviceCaps;
import dev.attnc.compiler.target.TargetPolicy;
import dev.attnc.ffm.cuda.Nvrtc;
import dev.attnc.ffm.opencl.OpenCl;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code attnc compile} prints exactly the kernel the backend would build for the same request:
 * for every sample, the CUDA kernels for sm_90a and sm_80 (no GPU needed), the Java and the OpenCL
 * kernels, against each backend's own stages (and, where the machine has them, the backends).
 */
class CompilePrintsWhatRunsTest {
    private static final List<Integer> HEAD_DIMS = List.of(64, 128);

    private static String compile(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(Main.OK, code, String.join(" ", args) + "\n" + err);
        return out.toString();
    }

    private static List<Path> samples() throws IOException {
        Path here = Path.of("").toAbsolutePath();
        Path root = Files.exists(here.resolve("samples")) ? here : here.getParent();
        try (Stream<Path> s = Files.list(root.resolve("samples"))) {
            List<Path> all = s.filter(p -> p.toString().endsWith(".attn")).sorted().toList();
            assertTrue(all.size() > 20, "the samples: " + all);
            return all;
        }
    }

    /** The request run makes without --shape: the policy's tiles for D and the dtype. */
    private static KernelRequest request(BackendPolicy policy, Attention a, DType dtype, int d) {
        return new KernelRequest(a, dtype, d, policy.tiles(a, dtype, d, Double.NaN));
    }

    @Test
    void cudaForEverySampleOnHopperAndAmpere() throws IOException {
        for (String arch : List.of("sm_90a", "sm_80")) {
            BackendPolicy policy = BackendPolicy.untuned(DeviceCaps.Cuda.parse(arch), BackendOptions.NONE);
            for (Path sample : samples()) for (String name : Attnc.compile(sample).attentions()) {
                Attention a = Attnc.compile(sample).ir(name);
                for (int d : HEAD_DIMS) {
                    var built = CudaStages.sources(policy, request(policy, a, DType.BF16, d), Storage.BF16).getFirst();
                    String printed = compile("compile", sample.toString(), "--attention", name, "--target", "cuda", "--arch", arch, "--head-dim", "" + d);
                    assertEquals(built.source().text(), printed, sample + " " + arch + " D=" + d);
                    Engine expected = arch.equals("sm_90a") ? Engine.HOPPER : Engine.MMA_SYNC;
                    assertEquals(expected, built.decision().options().engine(), sample + " " + arch);
                    assertEquals(expected == Engine.HOPPER, printed.contains("setmaxnreg"), sample + " " + arch);
                }
            }
        }
    }

    @Test
    void fp32RunsAsFp16OnTheGpuAndCompileSaysSo() throws IOException {
        Path sample = samples().getFirst();
        BackendPolicy policy = BackendPolicy.untuned(DeviceCaps.Cuda.DEFAULT, BackendOptions.NONE);
        Attention a = Attnc.compile(sample).ir(null);
        var built = CudaStages.sources(policy, request(policy, a, DType.F32, 128), CudaStages.storage(DType.F32)).getFirst();
        assertEquals(built.source().text(), compile("compile", sample.toString(), "--target", "cuda", "--dtype", "f32", "--arch", "sm_90a"));
    }

    @Test
    void theMaskDensityUnderTheShapeChoosesTheTilesAsRunDoes() throws IOException {
        Path sample = samples().stream().filter(p -> p.getFileName().toString().equals("sliding_window.attn")).findFirst().orElseThrow();
        Attention a = Attnc.compile(sample).ir(null);
        BackendPolicy policy = BackendPolicy.untuned(DeviceCaps.Cuda.DEFAULT, BackendOptions.NONE);
        Sizes sizes = RandomInputs.parseShape("1,2,2,2048,2048,64");
        var bound = Inputs.bind(a, sizes, Map.of("window", 64));
        TilePlan tiles = policy.plan(a, DType.BF16, 64, t -> BlockPlanner.plan(a, sizes, bound.bindings(), t.blockM(), t.blockN())).tiles();
        assertEquals(new TilePlan(128, 128, 8), tiles, "a narrow window keeps few tiles: two consumer warpgroups");
        String expected = CudaStages.sources(policy, new KernelRequest(a, DType.BF16, 64, tiles), Storage.BF16).getFirst().source().text();
        String dense = compile("compile", sample.toString(), "--target", "cuda", "--head-dim", "64", "--arch", "sm_90a");
        String windowed = compile("compile", sample.toString(), "--target", "cuda", "--arch", "sm_90a", "--shape", "1,2,2,2048,2048,64",
                "--arg", "window=64");
        assertEquals(expected, windowed);
        assertFalse(dense.equals(windowed), "the dense default is 192x128");
    }

    /** With few query rows run launches the decode program; compile with that --shape prints it. */
    @Test
    void fewQueryRowsPrintTheDecodeProgram() throws IOException {
        Path sample = samples().stream().filter(p -> p.getFileName().toString().equals("alibi.attn")).findFirst().orElseThrow();
        Attention a = Attnc.compile(sample).ir(null);
        BackendPolicy policy = BackendPolicy.untuned(DeviceCaps.Cuda.DEFAULT, BackendOptions.NONE);
        Sizes sizes = RandomInputs.parseShape("2,8,2,1,4096,128");
        var bound = Inputs.bind(a, sizes, Map.of("slopes", dev.attnc.Tensor.ofFloats(new float[8], 8)));
        TilePlan tiles = policy.plan(a, DType.BF16, 128, t -> BlockPlanner.plan(a, sizes, bound.bindings(), t.blockM(), t.blockN())).tiles();
        var caps = (DeviceCaps.Cuda) policy.caps();
        var decode = dev.attnc.compiler.target.TargetPolicy.cudaDecode(caps, 128, 1, 4, tiles, false);
        String expected = CudaStages.decodeSource(new KernelRequest(a, DType.BF16, 128, tiles), Storage.BF16, decode,
                dev.attnc.compiler.target.TargetPolicy.cudaDecodeBuild(caps, tiles)).text();
        assertEquals(expected, compile("compile", sample.toString(), "--target", "cuda", "--arch", "sm_90a", "--dtype", "bf16",
                "--shape", "2,8,2,1,4096,128", "--random-args"));
        assertFalse(expected.equals(compile("compile", sample.toString(), "--target", "cuda", "--arch", "sm_90a", "--dtype", "bf16",
                "--shape", "2,8,2,64,4096,128", "--random-args")), "64 query rows: the forward kernel");
    }

    /**
     * A value dimension other than D (--shape's seventh number): on Hopper the Hopper forward (V's tiles
     * as wide as DV padded) and the mma.sync backward (the wgmma backward takes DV = D only); with one
     * query row the decode program, which takes any DV.
     */
    @Test
    void aValueDimensionPrintsTheHopperForwardOnHopper() throws IOException {
        Path sample = samples().stream().filter(p -> p.getFileName().toString().equals("causal.attn")).findFirst().orElseThrow();
        Attention a = Attnc.compile(sample).ir(null);
        BackendPolicy policy = BackendPolicy.untuned(DeviceCaps.Cuda.parse("sm_90a"), BackendOptions.NONE);
        String decode = compile("compile", sample.toString(), "--target", "cuda", "--arch", "sm_90a", "--shape", "2,8,2,1,4096,192,128");
        assertTrue(decode.contains("a decode program") && decode.contains("#define VALUE_DIM 128"), decode);
        for (String shape : List.of("1,4,4,512,512,192,128", "8,16,4,512,4096,192,128")) {
            Sizes sizes = RandomInputs.parseShape(shape);
            var bound = Inputs.bind(a, sizes, Map.of());
            TilePlan tiles = policy.plan(a, DType.BF16, 192, t -> BlockPlanner.plan(a, sizes, bound.bindings(), t.blockM(), t.blockN())).tiles();
            var built = CudaStages.sources(policy, new KernelRequest(a, DType.BF16, 192, 128, tiles), Storage.BF16).getFirst();
            assertEquals(Engine.HOPPER, built.decision().options().engine(), shape);
            String printed = compile("compile", sample.toString(), "--target", "cuda", "--arch", "sm_90a", "--shape", shape);
            assertEquals(built.source().text(), printed, shape);
            assertTrue(printed.contains("#define VALUE_DIM 128"), shape);
        }
        // the backward on mma.sync (the wgmma backward takes DV = D only), with V's and dO's rows of DV
        String backward = compile("compile", sample.toString(), "--target", "cuda", "--arch", "sm_90a", "--dtype", "bf16",
                "--shape", "1,4,4,512,512,192,128", "--backward");
        assertTrue(backward.contains("#define VALUE_DIM 128") && backward.contains("mma.sync") && !backward.contains("wgmma_abt("), backward);
    }

    @Test
    void javaForEverySampleAndTheCpuBackendBuildsTheSame() throws IOException {
        BackendPolicy policy = BackendPolicy.untuned(new DeviceCaps.Cpu(), BackendOptions.NONE);
        for (Path sample : samples()) for (String name : Attnc.compile(sample).attentions()) {
            Attention a = Attnc.compile(sample).ir(name);
            String printed = compile("compile", sample.toString(), "--attention", name, "--target", "java", "--head-dim", "64");
            assertEquals(JavaStages.source(request(policy, a, DType.BF16, 64)).toString(), printed, sample.toString());
        }
        Path first = samples().getFirst();
        Attention a = Attnc.compile(first).ir(null);
        try (CpuBackend cpu = new CpuBackend(new KernelCache(null), 1)) {
            assertEquals(cpu.compile(request(cpu.policy(), a, DType.F32, 64)).source(),
                    compile("compile", first.toString(), "--target", "java", "--head-dim", "64", "--dtype", "f32"));
        }
    }

    @Test
    void openClForEverySampleWithStatedLimits() throws IOException {
        BackendPolicy policy = BackendPolicy.untuned(DeviceCaps.OpenCl.parse("64,16384"), BackendOptions.NONE);
        for (Path sample : samples()) for (String name : Attnc.compile(sample).attentions()) {
            Attention a = Attnc.compile(sample).ir(name);
            String printed = compile("compile", sample.toString(), "--attention", name, "--target", "opencl", "--opencl-limits", "64,16384");
            assertEquals(OpenClStages.source(request(policy, a, DType.BF16, 128)).source(), printed, sample.toString());
        }
    }

    @Test
    void openClOnTheDeviceAtHandIsWhatTheBackendBuilds() throws IOException {
        assumeTrue(OpenCl.isAvailable() && !OpenCl.devices().isEmpty(), "no OpenCL device");
        Path first = samples().getFirst();
        Attention a = Attnc.compile(first).ir(null);
        try (OpenClBackend backend = new OpenClBackend(0, null)) {
            assertEquals(backend.compile(request(backend.policy(), a, DType.F32, 64)).source(),
                    compile("compile", first.toString(), "--target", "opencl", "--head-dim", "64", "--dtype", "f32"));
        }
    }

    @Test
    void backwardIsWhatEachBackendBuilds() throws IOException {
        Path first = samples().getFirst();
        Attention a = Attnc.compile(first).ir(null);
        try (CpuBackend cpu = new CpuBackend(new KernelCache(null), 1)) {
            assertEquals(cpu.compileBackward(request(cpu.policy(), a, DType.F32, 64)).source(),
                    compile("compile", first.toString(), "--target", "java", "--head-dim", "64", "--dtype", "f32", "--backward"));
        }
        if (OpenCl.isAvailable() && !OpenCl.devices().isEmpty()) {
            try (OpenClBackend backend = new OpenClBackend(0, null)) {
                assertEquals(backend.compileBackward(request(backend.policy(), a, DType.F32, 64)).source(),
                        compile("compile", first.toString(), "--target", "opencl", "--head-dim", "64", "--dtype", "f32", "--backward"));
            }
        }
        // CUDA with no GPU: the program of the stages, on the policy's engine (wgmma for sm_90a at D = 64 and 128 unless
        // mma.sync is forced) and in its form of dQ for the variant on that engine
        BackendOptions options = BackendOptions.fromSystemProperties();
        for (String arch : List.of("sm_90a", "sm_86")) {
            for (int d : new int[] {64, 80, 128}) {
                String cuda = compile("compile", first.toString(), "--target", "cuda", "--arch", arch, "--head-dim", Integer.toString(d),
                        "--dtype", "bf16", "--backward");
                Decision.Cuda build = TargetPolicy.cudaBackward(DeviceCaps.Cuda.parse(arch), d, d, options);
                assertEquals(CudaStages.backwardSource(new KernelRequest(a, DType.BF16, d, CudaBackwardCodegen.TILES), Storage.BF16, build,
                        options).text(), cuda, arch + " D=" + d);
                assertEquals(TargetPolicy.cudaBackwardForm(a, d, build, options) == DqForm.DETERMINISTIC, cuda.contains(CudaBackwardSource.DQ + "("), "the dQ kernel only in the deterministic form");
                boolean hopper = arch.equals("sm_90a") && d % 64 == 0 && options.cudaEngine() != Engine.MMA_SYNC;
                assertEquals(hopper, cuda.contains("wgmma_abt("), arch + " D=" + d + ": the dK/dV kernel's products on wgmma");
                assertEquals(hopper ? "sm_90a" : DeviceCaps.Cuda.parse(arch).smArch(), build.arch());
            }
        }
    }

    /** compile --backward --no-grad prints the backward run --no-grad launches: the attention without those gradients. */
    @Test
    void backwardWithoutAGradientIsWhatRunBuilds() throws IOException {
        Path alibi = samples().stream().filter(p -> p.getFileName().toString().equals("alibi.attn")).findFirst().orElseThrow();
        Attention fixed = Attnc.compile(alibi).ir(null).withoutGradients(List.of("slopes"));
        try (CpuBackend cpu = new CpuBackend(new KernelCache(null), 1)) {
            assertEquals(cpu.compileBackward(request(cpu.policy(), fixed, DType.F32, 64)).source(),
                    compile("compile", alibi.toString(), "--target", "java", "--head-dim", "64", "--dtype", "f32", "--backward", "--no-grad", "slopes"));
        }
        BackendOptions options = BackendOptions.fromSystemProperties();
        Decision.Cuda build = TargetPolicy.cudaBackward(DeviceCaps.Cuda.parse("sm_90a"), 128, 128, options);
        String cuda = compile("compile", alibi.toString(), "--target", "cuda", "--arch", "sm_90a", "--head-dim", "128", "--dtype", "bf16",
                "--backward", "--no-grad", "slopes");
        assertEquals(CudaStages.backwardSource(new KernelRequest(fixed, DType.BF16, 128, CudaBackwardCodegen.TILES), Storage.BF16, build,
                options).text(), cuda);
        assertFalse(cuda.contains("attn_grad_add(grad_"), "no gradient code for the slopes");
    }

    @Test
    void ptxWithoutNvrtcIsAOneLineError() throws IOException {
        assumeTrue(!Nvrtc.isAvailable(), "NVRTC is here");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"compile", samples().getFirst().toString(), "--target", "cuda", "--emit", "ptx"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(Main.USER_ERROR, code);
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().contains("NVRTC"), err.toString());
    }
}
