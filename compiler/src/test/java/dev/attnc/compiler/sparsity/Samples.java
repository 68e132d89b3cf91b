package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The optimized IR of the attention in samples/NAME.attn (tests run in the module folder). */
final class Samples {
    private Samples() {}

    static Attention attention(String name) {
        try {
            return Compilation.of(SourceFile.read(Path.of("..", "samples", name + ".attn"))).orThrow().optimized(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
