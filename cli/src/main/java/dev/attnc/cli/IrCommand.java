package dev.attnc.cli;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.grad.GradientPrinter;
import dev.attnc.compiler.ir.IrPrinter;
import dev.attnc.compiler.passes.Pipeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code attnc ir FILE [--attention NAME] [--after PASS|all] [--grad]}: the IR as text (with --grad, and its derivatives). */
@Command(mixinStandardHelpOptions = true, name = "ir", description = "Print an attention's IR (after all passes, or after one).")
final class IrCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--attention", paramLabel = "NAME", description = "which attention (may be left out when the file has one)")
    String attention;

    @Option(names = "--after", paramLabel = "PASS", defaultValue = "recse",
            description = "print after this pass: lower, fold, cse, ranges, refold, recse, or all (default: after the last)")
    String after;

    @Option(names = "--grad", description = "print the optimized IR and then the derivatives of the score and of a sink or sigmoid bias (the backward pass's)")
    boolean grad;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Compilation c = Compilation.of(SourceFile.read(file)).orThrow();
        String name = c.resolve(attention);
        PrintWriter out = spec.commandLine().getOut();
        if (grad) {
            if (!after.equals(Pipeline.PASSES.getLast().name())) {
                spec.commandLine().getErr().println("error: --grad prints the IR after all passes; leave out --after");
                return Main.USAGE;
            }
            out.print(GradientPrinter.print(c.optimized(name)));
        } else if (after.equals("all")) {
            for (String pass : Pipeline.passNames()) {
                out.println("# after " + pass);
                out.print(IrPrinter.print(Pipeline.runUntil(c.lowered(name), pass)));
            }
        } else if (Pipeline.passNames().contains(after)) {
            out.print(IrPrinter.print(Pipeline.runUntil(c.lowered(name), after)));
        } else {
            spec.commandLine().getErr().println("error: no pass named '" + after + "'; passes: " + String.join(", ", Pipeline.passNames()) + ", all");
            return Main.USAGE;
        }
        out.flush();
        return Main.OK;
    }
}
