package dev.attnc.cli;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.CompileException;
import dev.attnc.compiler.diag.DiagnosticRenderer;
import dev.attnc.compiler.diag.SourceFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code attnc check FILE...}: diagnostics only; exit 0 when every file is clean, 1 otherwise. */
@Command(mixinStandardHelpOptions = true, name = "check", description = "Check programs and print their diagnostics.")
final class CheckCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = ".attn files")
    List<Path> files;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        boolean clean = true;
        // Every file is checked, whatever happens to the one before it.
        for (Path f : files) clean &= check(f);
        spec.commandLine().getErr().flush();
        return clean ? Main.OK : Main.USER_ERROR;
    }

    /** Prints one file's diagnostics (or why it could not be read); true when it is clean. */
    private boolean check(Path f) {
        PrintWriter err = spec.commandLine().getErr();
        Compilation c;
        try {
            c = Compilation.of(SourceFile.read(f));
        } catch (CompileException e) {
            e.diagnostics().forEach(d -> err.print(DiagnosticRenderer.render(d)));
            return false;
        } catch (IOException e) {
            err.println("error: cannot read " + f + ": " + (e instanceof NoSuchFileException ? "no such file" : e.getMessage()));
            return false;
        }
        c.diagnostics().forEach(d -> err.print(DiagnosticRenderer.render(d)));
        if (c.hasErrors()) return false;
        spec.commandLine().getOut().println(f + ": ok (" + String.join(", ", c.attentionNames()) + ")");
        return true;
    }
}
