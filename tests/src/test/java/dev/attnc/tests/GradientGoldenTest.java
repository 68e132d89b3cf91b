package dev.attnc.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.codegen.Placement;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.grad.Gradient;
import dev.attnc.compiler.grad.GradientPrinter;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.passes.Exprs;
import dev.attnc.testkit.Golden;
import dev.attnc.testkit.Repo;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each sample's optimized IR and the derivatives of its score as {@code attnc ir --grad} prints
 * them ({@link GradientPrinter}), in {@code tests/golden/grad/<sample>.grad}; and the dump's %N is
 * the node a backward kernel's {@link Placement#of(Gradient)} numbers N, so the IR and the
 * generated code's tN name the same values. Regenerate with {@code -Dattnc.golden.update=true}.
 */
class GradientGoldenTest {
    @TestFactory
    Stream<DynamicTest> eachSample() throws IOException {
        return Repo.samples().stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            Compilation c = Compilation.of(SourceFile.read(p)).orThrow();
            StringBuilder out = new StringBuilder();
            for (String name : c.attentionNames()) {
                Gradient g = Gradient.of(c.optimized(name));
                String dump = GradientPrinter.print(g);
                numberedAsPlaced(g, dump);
                out.append(dump);
            }
            Golden.check(Repo.root().resolve("tests/golden/grad").resolve(Repo.stem(p) + ".grad"), out.toString());
        }));
    }

    private static void numberedAsPlaced(Gradient g, String dump) {
        Placement placement = Placement.of(g);
        List<String> defined = dump.lines().filter(l -> l.matches(" {2}%\\d+ = .*")).toList();
        assertEquals(placement.nodes().size(), defined.size(), "one line per placed node\n" + dump);
        for (int n = 0; n < defined.size(); n++) assertTrue(defined.get(n).startsWith("  %" + n + " = "), defined.get(n));
        String last = dump.lines().reduce((x, y) -> y).orElseThrow();
        List<String> results = dump.lines().dropWhile(l -> !l.equals("gradient")).filter(l -> l.startsWith("  d ")).toList();
        assertTrue(results.contains(last), "the results close the dump");
        Expr dScore = g.dScore();
        String expected = Exprs.isLeaf(dScore) ? null : "%" + placement.number(dScore);
        if (expected != null) assertEquals("  d score = " + expected, results.getFirst());
        for (int i = 0; i < g.scalars().size(); i++) {
            Expr d = g.scalars().get(i).derivative();
            if (!Exprs.isLeaf(d)) assertTrue(results.get(1 + i).endsWith(" = %" + placement.number(d)), results.get(1 + i));
        }
    }
}
