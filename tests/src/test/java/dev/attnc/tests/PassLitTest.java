package dev.attnc.tests;

import dev.attnc.testkit.Repo;
import dev.attnc.testkit.Golden;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.DiagnosticRenderer;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.grad.Gradient;
import dev.attnc.compiler.grad.GradientPrinter;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.FactsPrinter;
import dev.attnc.compiler.ir.IrPrinter;
import dev.attnc.compiler.passes.Pipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Per-pass tests in the style of LLVM's lit: each {@code tests/passes/<dir>/*.attn} is a small
 * program followed by the text the compiler must print for it, after the marker line
 * {@value #MARKER} and commented out line by line (so the whole file stays a program that
 * {@code attnc ir} reads). The directory says what is printed (tests/passes/README.md):
 * a pass name of {@link Pipeline} ({@code fold}, {@code cse}, {@code ranges}, {@code refold},
 * {@code recse}) prints the IR after that pass, {@code dependence} and {@code range-facts} print
 * {@link FactsPrinter}'s facts of the fully optimized IR, {@code grad} prints the optimized IR and
 * its derivatives ({@link GradientPrinter}, what {@code attnc ir --grad} prints). A file with a line
 * {@code # DISABLED: reason} is skipped, with the reason, and never rewritten.
 * <p>
 * Regenerate every expectation, these and all other goldens, with one command from the repository
 * root: {@code ./run-tests -Dattnc.golden.update=true} (then read the diff before committing it).
 */
class PassLitTest {
    static final String MARKER = "# ---- expected";
    private static final String DISABLED = "# DISABLED:";
    /** The passes whose work is interning: their dump also lists the copies before and after. */
    private static final Set<String> INTERNING = Set.of("cse", "recse");
    private static final Map<String, Function<Attention, String>> FACTS = Map.of(
            "dependence", FactsPrinter::dependence,
            "range-facts", FactsPrinter::ranges);
    /** Folders whose printer dumps the optimized IR whole, header included. */
    private static final Map<String, Function<Attention, String>> DUMPS = Map.of(
            "grad", a -> GradientPrinter.print(Gradient.of(a)));

    @TestFactory
    Stream<DynamicTest> everyCase() throws IOException {
        Path dir = Repo.root().resolve("tests/passes");
        List<Path> cases;
        try (Stream<Path> s = Files.walk(dir)) {
            cases = s.filter(p -> p.toString().endsWith(".attn")).sorted().toList();
        }
        assertTrue(cases.size() > 0, "no cases under " + dir);
        // no test source URI: with one, surefire's -Dtest=PassLitTest filter runs none of the cases
        return cases.stream().map(p -> DynamicTest.dynamicTest(Repo.root().relativize(p).toString(), () -> check(p)));
    }

    /** A pass added to the pipeline comes with cases of its own. */
    @Test
    void everyPassHasCases() throws IOException {
        for (Pipeline.Pass pass : Pipeline.PASSES) {
            Path dir = Repo.root().resolve("tests/passes").resolve(pass.name());
            try (Stream<Path> s = Files.exists(dir) ? Files.list(dir) : Stream.empty()) {
                assertTrue(s.anyMatch(p -> p.toString().endsWith(".attn")), "no cases for the pass " + pass.name() + " in " + dir);
            }
        }
    }

    private static void check(Path file) throws IOException {
        String text = Files.readString(file);
        int marker = text.indexOf(MARKER);
        String program = (marker < 0 ? text : text.substring(0, marker)).stripTrailing() + "\n";
        String reason = program.lines().filter(l -> l.startsWith(DISABLED)).findFirst().orElse(null);
        Assumptions.assumeTrue(reason == null, () -> reason.substring(DISABLED.length()).strip());
        String pass = file.getParent().getFileName().toString();
        String actual = dump(pass, new SourceFile(file.getFileName().toString(), program));
        if (Boolean.getBoolean("attnc.golden.update")) {
            Files.writeString(file, program + "\n" + MARKER + " (" + pass + ")\n" + commented(actual));
            return;
        }
        String expected = marker < 0 ? "<no '" + MARKER + "' line>" : uncommented(text.substring(text.indexOf('\n', marker) + 1));
        assertEquals(expected, actual, Repo.root().relativize(file) + " (regenerate with -Dattnc.golden.update=true)");
    }

    /** What the directory {@code pass} prints for every attention of the program. */
    static String dump(String pass, SourceFile source) {
        Compilation c = Compilation.of(source);
        assertEquals("", c.diagnostics().stream().map(DiagnosticRenderer::render).collect(Collectors.joining()), "a test program checks clean");
        StringBuilder out = new StringBuilder();
        for (String name : c.attentionNames()) {
            Attention lowered = c.lowered(name);
            Function<Attention, String> facts = FACTS.get(pass);
            if (facts != null) {
                out.append("attention ").append(name).append('\n').append(facts.apply(Pipeline.run(lowered)));
                continue;
            }
            if (DUMPS.containsKey(pass)) {
                out.append(DUMPS.get(pass).apply(Pipeline.run(lowered)));
                continue;
            }
            if (!Pipeline.passNames().contains(pass)) {
                throw new IllegalArgumentException("tests/passes/" + pass + ": neither a pass " + Pipeline.passNames() + " nor facts "
                        + FACTS.keySet() + " nor dumps " + DUMPS.keySet());
            }
            Attention after = Pipeline.runUntil(lowered, pass);
            out.append(IrPrinter.print(after));
            if (INTERNING.contains(pass)) {
                String previous = Pipeline.passNames().get(Pipeline.passNames().indexOf(pass) - 1);
                out.append("copies before:\n").append(FactsPrinter.copies(Pipeline.runUntil(lowered, previous)).indent(2))
                        .append("copies after:\n").append(FactsPrinter.copies(after).indent(2));
            }
        }
        return out.toString();
    }

    private static String commented(String text) {
        return text.lines().map(l -> l.isEmpty() ? "#" : "# " + l).collect(Collectors.joining("\n", "", "\n"));
    }

    private static String uncommented(String block) {
        return block.lines().map(l -> l.startsWith("# ") ? l.substring(2) : l.equals("#") ? "" : l)
                .collect(Collectors.joining("\n", "", "\n"));
    }
}
