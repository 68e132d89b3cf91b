package dev.attnc;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The entry point from Java:
 * <pre>{@code
 * Program p = Attnc.compile(Path.of("samples/alibi.attn"));
 * try (AttentionKernel k = p.kernel("alibi", Target.JAVA)) {
 *     Result r = k.run(q, k, v, Map.of("slopes", slopes));
 *     Tensor o = r.o();
 * }
 * }</pre>
 * Errors in the program come back as one {@link dev.attnc.compiler.diag.CompileException} holding
 * every diagnostic; bad inputs as an {@link AttnInputException} saying what and where.
 */
public final class Attnc {
    private Attnc() {}

    public static Program compile(Path file) throws IOException {
        return new Program(Compilation.of(SourceFile.read(file)).orThrow());
    }

    public static Program compile(String name, String source) {
        return new Program(Compilation.of(new SourceFile(name, source)).orThrow());
    }
}
