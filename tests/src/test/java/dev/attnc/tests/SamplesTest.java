package dev.attnc.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.DiagnosticRenderer;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.IrPrinter;
import dev.attnc.testkit.Golden;
import dev.attnc.testkit.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every sample checks clean, opens with a comment saying what it is, and dumps its IR as the golden file says. */
class SamplesTest {
    @TestFactory
    Stream<DynamicTest> eachSample() throws IOException {
        return Repo.samples().stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> check(p)));
    }

    private static void check(Path sample) throws IOException {
        SourceFile source = new SourceFile(sample.getFileName().toString(), Files.readString(sample));
        assertTrue(source.text().startsWith("#"), "a sample opens with a comment saying what it is");
        Compilation c = Compilation.of(source);
        assertEquals("", c.diagnostics().stream().map(DiagnosticRenderer::render).collect(Collectors.joining()));
        StringBuilder dump = new StringBuilder();
        for (String name : c.attentionNames()) {
            dump.append("# after lowering\n").append(IrPrinter.print(c.lowered(name)));
            dump.append("# after all passes\n").append(IrPrinter.print(c.optimized(name)));
        }
        Golden.check("tests/golden/ir/" + Repo.stem(sample) + ".ir", dump.toString());
    }
}
