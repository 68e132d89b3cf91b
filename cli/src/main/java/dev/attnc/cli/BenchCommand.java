package dev.attnc.cli;

import dev.attnc.AttnInputException;
import dev.attnc.Attnc;
import dev.attnc.DType;
import dev.attnc.Program;
import dev.attnc.Target;
import dev.attnc.cli.bench.BenchChart;
import dev.attnc.cli.bench.BenchConfig;
import dev.attnc.cli.bench.BenchJson;
import dev.attnc.cli.bench.BenchJsonReader;
import dev.attnc.cli.bench.BenchReport;
import dev.attnc.cli.bench.BenchRunner;
import dev.attnc.cli.bench.BenchTable;
import dev.attnc.cli.bench.Peers;
import dev.attnc.cli.bench.Variant;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.ParamDecl;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code attnc bench}: attnc's kernels against the handwritten ones of the same target and against
 * PyTorch's (from a peers file), each checked against the reference before it is timed; a table on
 * stdout, progress on stderr, and optionally JSON and a chart. docs/bench.md shows it in use.
 * Exit 3 when any check failed, 1 when a variant could not run at all.
 */
@Command(mixinStandardHelpOptions = true, name = "bench", sortOptions = false,
        description = {"Time attention variants: attnc's kernels, the handwritten baselines (--baselines) and PyTorch (--peers).",
            "Every output is checked against the reference interpreter before it is timed."})
public final class BenchCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "FILE", description = "attention files; every attention of each is benchmarked")
    List<Path> files = new ArrayList<>();

    @Option(names = "--attention", paramLabel = "NAME", description = "only this attention of the files")
    String attention;

    @Option(names = "--target", paramLabel = "TARGET", defaultValue = "java", description = "java (default), opencl or cuda")
    String target;

    @Option(names = "--device", paramLabel = "N", defaultValue = "0", description = "device number, as `attnc devices` lists them")
    int device;

    @Option(names = "--shapes", paramLabel = "B,H,H_KV,Q_LEN,KV_LEN,D;...", defaultValue = "1,4,4,1024,1024,64",
            description = "shapes separated by ';' (default ${DEFAULT-VALUE})")
    String shapes;

    @Option(names = "--dtype", paramLabel = "DTYPE", description = "f32, f16 or bf16 (default f32; bf16 on cuda)")
    String dtype;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "3", description = "untimed runs first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--warmup-time", paramLabel = "SECONDS",
            description = "and warm up for at least this long (default 1 on java, where the JIT needs it; 0.2 elsewhere)")
    Double warmupTime;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "10", description = "timed runs (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--arg", paramLabel = "NAME=VALUE", description = "an argument for the variants that take it: a number, true/false or a .npy file")
    List<String> args = new ArrayList<>();

    @Option(names = "--random-args", description = "fill tensor arguments not given with random data of their shape "
            + "(bench does so anyway, and without this flag says so on stderr)")
    boolean randomArgs;

    @Option(names = "--baselines", description = "also run the handwritten kernel of the target for full and causal variants")
    boolean baselines;

    @Option(names = "--peers", paramLabel = "PEERS.json", description = "merge PyTorch's results (bench/peers/torch_peers.py)")
    Path peers;

    @Option(names = "--dump-inputs", paramLabel = "DIR", description = "write the inputs and attnc's outputs for bench/peers/torch_peers.py")
    Path dumpInputs;

    @Option(names = "--results", paramLabel = "RESULTS.json",
            description = "run nothing: show the results of an earlier --json (with --peers, --json, --png as usual)")
    Path results;

    @Option(names = "--json", paramLabel = "OUT", description = "write every result as JSON")
    Path json;

    @Option(names = "--png", paramLabel = "OUT", description = "draw GFLOP/s (TFLOP/s) per variant and contender")
    Path png;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the random inputs (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--check-limit", paramLabel = "N", defaultValue = "268435456",
            description = "largest B*H*Q_LEN*KV_LEN*D checked at full size; larger shapes are checked at --check-length (default ${DEFAULT-VALUE})")
    long checkLimit;

    @Option(names = "--backward", description = "also time the backward pass and forward + backward (gradients checked against the reference)")
    boolean backward;

    @Option(names = "--check-length", paramLabel = "N", defaultValue = "256",
            description = "Q_LEN and KV_LEN of the reduced check (default ${DEFAULT-VALUE})")
    int checkLength;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BenchReport report;
        if (results != null) {
            if (!files.isEmpty()) throw new CommandLine.ParameterException(spec.commandLine(), "--results shows earlier results: give no FILE with it");
            report = BenchJsonReader.read(results);
        } else {
            if (files.isEmpty()) throw new CommandLine.ParameterException(spec.commandLine(), "give at least one FILE (or --results)");
            report = new BenchRunner(config(), err).run();
        }
        if (peers != null) {
            Peers.Loaded p = Peers.read(peers, report.rows());
            report = report.withPeers(p.rows(), p.device());
        }
        out.print(BenchTable.render(report));
        out.flush();
        if (json != null) {
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.writeString(json, BenchJson.of(report));
        }
        if (png != null) BenchChart.write(report, png);
        if (dumpInputs != null) err.println("inputs and attnc's outputs for the peers: " + dumpInputs.resolve("manifest.json"));
        err.flush();
        if (report.anyCheckFailed()) return Main.CHECK_FAILED;
        return report.anyError() ? Main.USER_ERROR : Main.OK;
    }

    private BenchConfig config() throws java.io.IOException {
        if (runs < 1 || warmup < 0 || checkLength < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--runs must be at least 1, --warmup and --check-length not negative");
        }
        Target t = Target.parse(target);
        DType dt = DType.parse(dtype != null ? dtype : t == Target.CUDA ? "bf16" : "f32");
        if (!dt.isFloat()) throw new AttnInputException("--dtype must be f32, f16 or bf16, not " + dtype);
        List<Variant> variants = variants();
        Map<String, Object> arguments = Args.parse(args);
        for (String name : arguments.keySet()) {
            boolean used = variants.stream().anyMatch(v -> v.ir().params().stream().map(ParamDecl::name).anyMatch(name::equals));
            if (!used) throw new AttnInputException("--arg " + name + ": none of the benchmarked attentions takes an argument '" + name + "'");
        }
        List<Sizes> sizes = Arrays.stream(shapes.split(";")).map(String::trim).filter(x -> !x.isEmpty()).map(RandomInputs::parseShape).toList();
        double warmupSeconds = warmupTime != null ? warmupTime : t == Target.JAVA ? 1.0 : 0.2;
        return new BenchConfig(variants, sizes, t, device, dt, warmup, warmupSeconds, runs, arguments,
                RandomInputs::fillTensors, randomArgs, baselines, seed, checkLimit, checkLength, dumpInputs, backward);
    }

    private List<Variant> variants() throws java.io.IOException {
        List<Variant> variants = new ArrayList<>();
        for (Path f : files) {
            Program p = Attnc.compile(f);
            for (String name : p.attentions()) {
                if (attention == null || attention.equals(name)) variants.add(new Variant(f.toString(), p, name));
            }
        }
        if (variants.isEmpty()) {
            throw new AttnInputException(attention == null ? "the files define no attention" : "no file defines an attention '" + attention + "'");
        }
        return variants;
    }
}
