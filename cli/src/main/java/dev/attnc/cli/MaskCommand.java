package dev.attnc.cli;

import dev.attnc.AttnInputException;
import dev.attnc.Attnc;
import dev.attnc.Inputs;
import dev.attnc.cli.mask.MaskReport;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import java.io.PrintWriter;
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

/** {@code attnc mask}: the block plan of an attention's mask, as a picture, JSON or PNG. */
@Command(mixinStandardHelpOptions = true, name = "mask", description = "Show which tiles the mask keeps (EMPTY, FULL, PARTIAL), found by analysis.")
final class MaskCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--attention", paramLabel = "NAME")
    String attention;

    @Option(names = "--q-len", required = true, paramLabel = "N")
    int qLen;

    @Option(names = "--kv-len", required = true, paramLabel = "M")
    int kvLen;

    @Option(names = "--block", paramLabel = "BMxBN", defaultValue = "128x128")
    String block;

    @Option(names = "--heads", paramLabel = "B,H,H_KV", defaultValue = "1,1,1",
            description = "batch size and heads, for masks that read b or h (default 1,1,1)")
    String heads;

    @Option(names = "--at", paramLabel = "b,h", defaultValue = "0,0", description = "which batch element and head to show")
    String at;

    @Option(names = "--arg", paramLabel = "NAME=VALUE")
    List<String> args = new ArrayList<>();

    @Option(names = "--random-args", description = "fill tensor arguments that are not given with random data of their shape")
    boolean randomArgs;

    @Option(names = "--json", description = "print JSON: block, method, counts, grid")
    boolean json;

    @Option(names = "--png", paramLabel = "OUT.png", description = "draw the tile grid (and, for small sizes, the pairs)")
    Path png;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        int[] bhk = ints("--heads", heads, 3);
        int[] where = ints("--at", at, 2);
        int[] bn = ints("--block", block.replace('x', ','), 2);
        Sizes sizes;
        try {
            sizes = new Sizes(bhk[0], bhk[1], bhk[2], qLen, kvLen, 64);
        } catch (IllegalArgumentException e) {
            throw new AttnInputException(e.getMessage());
        }
        if (where[0] >= sizes.B() || where[1] >= sizes.H()) throw new AttnInputException("--at " + at + " is outside B=" + sizes.B() + ", H=" + sizes.H());
        if (bn[0] < 1 || bn[1] < 1) throw new AttnInputException("--block needs positive sizes, but got " + block);
        Attention a = Attnc.compile(file).ir(attention);
        Map<String, Object> arguments = new LinkedHashMap<>(Args.parse(args));
        if (randomArgs) RandomInputs.fillTensors(a, sizes, arguments, 1);
        Inputs.Bound bound = Inputs.bind(a, sizes, arguments);
        MaskReport report = MaskReport.of(a, sizes, bound.bindings(), bn[0], bn[1], where[0], where[1]);
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? report.json() + "\n" : report.text());
        if (png != null) {
            report.writePng(png);
            if (!json) out.println("wrote " + png);
        }
        out.flush();
        return Main.OK;
    }

    private static int[] ints(String option, String text, int n) {
        String[] parts = text.split(",");
        if (parts.length != n) throw new AttnInputException(option + " needs " + n + " comma-separated integers, but got '" + text + "'");
        int[] v = new int[n];
        try {
            for (int i = 0; i < n; i++) v[i] = Integer.parseInt(parts[i].trim());
        } catch (NumberFormatException e) {
            throw new AttnInputException(option + " needs integers, but got '" + text + "'");
        }
        return v;
    }
}
