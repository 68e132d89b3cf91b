package dev.attnc.cli.bench;

import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import java.util.Map;

/** Fills the tensor arguments not given with random data of their shape ({@code --random-args}). */
@FunctionalInterface
public interface ArgFiller {
    void fill(Attention a, Sizes sizes, Map<String, Object> args, long seed);
}
