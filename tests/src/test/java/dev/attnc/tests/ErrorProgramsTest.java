package dev.attnc.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.CompileException;
import dev.attnc.compiler.diag.Diagnostic;
import dev.attnc.compiler.diag.DiagnosticRenderer;
import dev.attnc.compiler.diag.Messages;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.testkit.Golden;
import dev.attnc.testkit.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every program under tests/errors/ gives exactly the diagnostics in its .expected file, in raw
 * form ({@code file:line:col: key}); its first line ({@code # expect: KEY, ...}) says which keys it
 * is about. Every diagnostic key of the front end has at least one example.
 */
class ErrorProgramsTest {
    /** Keys about the command line, not a program's text: tested through the CLI. */
    private static final Set<String> COMMAND_LINE_KEYS = Set.of("def.no-attention", "def.unknown-attention", "def.ambiguous-attention");

    @TestFactory
    Stream<DynamicTest> eachErrorProgram() throws IOException {
        return Repo.files("tests/errors", ".attn").stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> check(p)));
    }

    private static void check(Path program) throws IOException {
        byte[] bytes = Files.readAllBytes(program);
        // Read as the command reads files: a file that is not UTF-8 is a diagnostic too.
        String text = new String(bytes, StandardCharsets.UTF_8);
        List<Diagnostic> diagnostics;
        try {
            diagnostics = Compilation.of(SourceFile.decode(program.getFileName().toString(), bytes)).diagnostics();
        } catch (CompileException e) {
            diagnostics = e.diagnostics();
        }
        List<String> keys = diagnostics.stream().map(Diagnostic::key).toList();
        List<String> intended = Arrays.stream(text.lines().findFirst().orElse("").replace("# expect:", "").split(","))
                .map(String::trim).toList();
        assertEquals(intended, keys, "the keys named on line 1 of " + program.getFileName());
        String raw = diagnostics.stream().map(d -> d.raw() + "\n").collect(Collectors.joining());
        Golden.check(program.resolveSibling(Repo.stem(program) + ".expected"), raw);
        for (Diagnostic d : diagnostics) {
            String rendered = DiagnosticRenderer.render(d);
            assertTrue(rendered.contains("^"), "a caret under the place: " + rendered);
            assertTrue(!rendered.contains("Exception"), rendered);
        }
    }

    @Test
    void everyKeyHasAnExample() throws IOException {
        Set<String> covered = new TreeSet<>();
        for (Path p : Repo.files("tests/errors", ".attn")) {
            String first = new String(Files.readAllBytes(p), StandardCharsets.UTF_8).lines().findFirst().orElse("");
            Arrays.stream(first.replace("# expect:", "").split(",")).map(String::trim).forEach(covered::add);
        }
        Set<String> missing = new TreeSet<>(Messages.keys());
        missing.removeAll(covered);
        missing.removeAll(COMMAND_LINE_KEYS);
        assertEquals(Set.of(), missing, "diagnostic keys with no example program under tests/errors/");
    }
}
