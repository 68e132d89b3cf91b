package dev.attnc.cli;

import dev.attnc.AttentionKernel;
import dev.attnc.Attnc;
import dev.attnc.Autotuner;
import dev.attnc.Backends;
import dev.attnc.DType;
import dev.attnc.Inputs;
import dev.attnc.KeptPairs;
import dev.attnc.Program;
import dev.attnc.Target;
import dev.attnc.Tensor;
import dev.attnc.kernel.Sizes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code attnc tune}: times the backend's candidate tile plans for an attention on random inputs
 * of a shape and remembers the winner for the attention's variant class, head dimension and
 * dtype on this device (later runs of every attention of that class use it).
 */
@Command(mixinStandardHelpOptions = true, name = "tune",
        description = "Time the candidate tile plans on random inputs of a shape; remember the fastest for this variant class and device.")
final class TuneCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--attention", paramLabel = "NAME")
    String attention;

    @Option(names = "--target", paramLabel = "TARGET", defaultValue = "cuda", description = "cuda (default), opencl or java")
    String target;

    @Option(names = "--device", paramLabel = "N", defaultValue = "0")
    int device;

    @Option(names = "--shape", required = true, paramLabel = RandomInputs.SHAPE, description = "random inputs of this shape")
    String shape;

    @Option(names = "--dtype", paramLabel = "DTYPE", defaultValue = "bf16", description = "f32, f16, bf16 (default bf16)")
    String dtype;

    @Option(names = "--arg", paramLabel = "NAME=VALUE", description = "an argument: a number, true/false, or a .npy file for a tensor")
    List<String> args = new ArrayList<>();

    @Option(names = "--random-args", description = "fill arguments that are not given, as attnc run does")
    boolean randomArgs;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "20", description = "timed launches per candidate, after two warm-ups (median)")
    int runs;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws java.io.IOException {
        Program program = Attnc.compile(file);
        Tensor[] qkv = RandomInputs.qkv(RandomInputs.parseShape(shape), DType.parse(dtype), seed);
        Map<String, Object> arguments = new LinkedHashMap<>(Args.parse(args));
        PrintWriter o = spec.commandLine().getOut();
        try (AttentionKernel kernel = program.kernel(attention, Backends.open(Target.parse(target), device))) {
            Sizes sizes = Inputs.sizes(qkv[0], qkv[1], qkv[2]);
            if (randomArgs) RandomInputs.fillTensors(kernel.attention(), sizes, arguments, seed);
            AttentionKernel.Prepared prepared = kernel.prepare(qkv[0], qkv[1], qkv[2], arguments, Double.NaN);
            long kept = KeptPairs.count(kernel.attention(), sizes,
                    new Inputs.Bound(prepared.inputs().scalars(), prepared.inputs().tensors()).bindings(), prepared.inputs().plan());
            Autotuner.Outcome out = kernel.tune(qkv[0], qkv[1], qkv[2], arguments, runs);
            o.printf(Locale.ROOT, "%s (%s) on %s, %s %s%n", kernel.attention().name(), out.variantClass().word(),
                    kernel.backend().device(), qkv[0].dtype().displayName(), RunCommand.shapeText(sizes));
            o.printf(Locale.ROOT, "%-14s %10s %14s %12s  %s%n", "tiles", "median ms", "rate", "max |dO|", "");
            for (Autotuner.Trial t : out.trials()) {
                if (t.medianNanos() < 0) {
                    o.printf(Locale.ROOT, "%-14s %10s %14s %12s  failed: %s%n", t.tiles().describe(), "-", "-", "-", t.error());
                } else {
                    o.printf(Locale.ROOT, "%-14s %10.3f %14s %12.2e  %s%n", t.tiles().describe(), t.medianNanos() / 1e6,
                            RunCommand.rate(2.0 * (sizes.D() + sizes.DV()) * kept, t.medianNanos()), t.maxDiff(),
                            t.ok() ? (t.tiles().equals(out.winner()) ? "<- fastest" : "") : "WRONG: " + t.error());
                }
            }
            if (out.remembered()) {
                o.printf(Locale.ROOT, "remembered: %s runs %s-class attentions with D=%d (%s) in %s tiles from now on%n", kernel.backend().name(),
                        out.variantClass().word(), sizes.D(), qkv[0].dtype().displayName(), out.winner().describe());
            } else {
                o.printf(Locale.ROOT, "the %s backend has one tile plan for D=%d and keeps no tuning table%n", kernel.backend().name(), sizes.D());
            }
        }
        o.flush();
        return Main.OK;
    }
}
