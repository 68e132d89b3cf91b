package dev.attnc.cli;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.DiagnosticRenderer;
import dev.attnc.compiler.diag.SourceFile;
import java.io.IOException;
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
    public Integer call() throws IOException {
        boolean clean = true;
        for (Path f : files) {
            Compilation c = Compilation.of(SourceFile.read(f));
            c.diagnostics().forEach(d -> spec.commandLine().getErr().print(DiagnosticRenderer.render(d)));
            clean &= !c.hasErrors();
            if (!c.hasErrors()) {
                spec.commandLine().getOut().println(f + ": ok (" + String.join(", ", c.attentionNames()) + ")");
            }
        }
        spec.commandLine().getErr().flush();
        return clean ? Main.OK : Main.USER_ERROR;
    }
}
