package dev.attnc.tests;

import dev.attnc.testkit.Repo;
import dev.attnc.testkit.Golden;
import com.palantir.javapoet.MethodSpec;
import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.KernelBody;
import dev.attnc.compiler.codegen.cuda.CudaBody;
import dev.attnc.compiler.codegen.java.JavaKernelGenerator;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each sample's variant code as the printers place it, without the kernel around it: the C
 * statements per dependence level (OpenCL's {@link KernelBody}, CUDA's {@link CudaBody}) and the
 * Java kernel's {@code tile} method, in {@code tests/golden/variants/<sample>.txt}. A change in
 * placement or in the expression printers shows here as a small diff per sample; a change in a
 * kernel skeleton shows in {@link KernelEngineGoldenTest}.
 * <p>
 * Regenerate every golden with one command from the repository root:
 * {@code ./run-tests -Dattnc.golden.update=true} (then read the diff before committing it).
 */
class VariantCodeGoldenTest {
    @TestFactory
    Stream<DynamicTest> eachSample() throws IOException {
        return Repo.files("samples", ".attn").stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            StringBuilder out = new StringBuilder();
            Compilation c = Compilation.of(SourceFile.read(p)).orThrow();
            for (String name : c.attentionNames()) placed(c.optimized(name), out);
            Golden.check(Repo.root().resolve("tests/golden/variants").resolve(Repo.stem(p) + ".txt"), out.toString());
        }));
    }

    private static void placed(Attention a, StringBuilder out) {
        KernelBody c = KernelBody.of(a, Dialect.OPENCL, false);
        out.append("# attention ").append(a.name()).append("\n## C (KernelBody, OpenCL dialect)\n");
        section(out, "prologue", c.prologue());
        section(out, "row", c.row());
        element(out, "full", c.full());
        element(out, "partial", c.partial());

        CudaBody cuda = new CudaBody(a, true);
        out.append("## CUDA (CudaBody, fast math)\n");
        section(out, "prologue", cuda.prologue);
        section(out, "row declarations", cuda.rowDecls);
        section(out, "row code", cuda.rowCode);
        section(out, "row stores", cuda.rowStores);
        tile(out, "full", cuda.full);
        tile(out, "partial", cuda.partial);

        MethodSpec tile = JavaKernelGenerator.generate(a, "float32", 64, new TilePlan(64, 64, 1)).typeSpec().methodSpecs().stream()
                .filter(m -> m.name().equals("tile")).findFirst().orElseThrow();
        out.append("## Java (the kernel's tile method)\n").append(tile);
    }

    private static void element(StringBuilder out, String name, KernelBody.Element e) {
        section(out, name + ": mask lines", e.maskLines());
        out.append(name).append(": mask = ").append(e.mask()).append('\n');
        section(out, name + ": score lines", e.scoreLines());
        out.append(name).append(": score = ").append(e.score()).append('\n');
    }

    private static void tile(StringBuilder out, String name, CudaBody.Tile t) {
        section(out, name + ": column declarations", t.colDecls());
        section(out, name + ": column code", t.colCode());
        section(out, name + ": column stores", t.colStores());
        out.append(name).append(": needs q ").append(t.needQ()).append(", needs kv ").append(t.needKv()).append('\n');
        section(out, name + ": mask lines", t.maskLines());
        out.append(name).append(": mask = ").append(t.maskValue()).append('\n');
        section(out, name + ": score lines", t.scoreLines());
        out.append(name).append(": score = ").append(t.scoreValue()).append('\n');
    }

    private static void section(StringBuilder out, String name, List<String> lines) {
        out.append(name).append(':').append(lines.isEmpty() ? " (none)" : "").append('\n');
        for (String l : lines) out.append(l.indent(4));
    }
}
