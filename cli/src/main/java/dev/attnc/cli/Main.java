package dev.attnc.cli;

import dev.attnc.AttnInputException;
import dev.attnc.DeviceException;
import dev.attnc.compiler.diag.CompileException;
import dev.attnc.compiler.diag.DiagnosticRenderer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code attnc} command. Exit codes: 0 success, 1 an error in the user's program or inputs
 * (a diagnostic, never a stack trace), 2 bad usage, 3 a {@code --check} that failed, 4 an internal
 * error (a bug in attnc: that one does print its stack trace).
 */
@Command(name = "attnc", mixinStandardHelpOptions = true, version = "attnc 0.1.0",
        description = "A compiler for attention variants: one fused kernel per variant for CPU, OpenCL and CUDA.",
        subcommands = {CheckCommand.class, IrCommand.class, CompileCommand.class, RunCommand.class, TuneCommand.class, MaskCommand.class,
                BenchCommand.class, DevicesCommand.class})
public final class Main implements Runnable {
    public static final int OK = 0;
    public static final int USER_ERROR = 1;
    public static final int USAGE = 2;
    public static final int CHECK_FAILED = 3;
    public static final int INTERNAL = 4;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams (tests call this) and returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out).setErr(err);
        cli.setExecutionExceptionHandler((e, line, parsed) -> report(e, line.getErr()));
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** User mistakes become one clear message and exit 1; anything else is a bug and says so. */
    static int report(Exception e, PrintWriter err) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        switch (t) {
            case CompileException c -> c.diagnostics().forEach(d -> err.print(DiagnosticRenderer.render(d)));
            case AttnInputException a -> err.println("error: " + a.getMessage());
            case DeviceException d -> err.println("error: " + d.getMessage());
            case NoSuchFileException n -> err.println("error: no such file: " + n.getFile());
            case IOException io -> err.println("error: " + io.getMessage());
            default -> {
                err.println("internal error in attnc (please report it):");
                e.printStackTrace(err);
                err.flush();
                return INTERNAL;
            }
        }
        err.flush();
        return USER_ERROR;
    }
}
