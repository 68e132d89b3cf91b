package dev.attnc;

import dev.attnc.backend.Backend;
import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.ir.Attention;
import java.util.List;

/** A checked program: its attentions, each of which becomes a kernel on a backend. */
public final class Program {
    private final Compilation compilation;

    Program(Compilation compilation) {
        this.compilation = compilation;
    }

    public List<String> attentions() {
        return compilation.attentionNames();
    }

    /** The optimized IR of an attention (name may be null when the program has one). */
    public Attention ir(String attention) {
        return compilation.optimized(attention);
    }

    /** A kernel on a backend this kernel opens (and closes with it), on device 0. */
    public AttentionKernel kernel(String attention, Target target) {
        return new AttentionKernel(ir(attention), Backends.open(target, 0), true);
    }

    /** A kernel on a backend the caller owns (and may share between kernels). */
    public AttentionKernel kernel(String attention, Backend backend) {
        return new AttentionKernel(ir(attention), backend, false);
    }
}
