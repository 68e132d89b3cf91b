package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Attention;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The order of the optimizing passes, written once. {@code attnc ir --after NAME} prints the IR
 * after any of them ("lower" is the IR as lowering left it). The facts that later stages read
 * (dependence, ranges, sparsity class) are computed from the final IR by their own analyses.
 */
public final class Pipeline {
    public record Pass(String name, String purpose, UnaryOperator<Attention> run) {}

    public static final List<Pass> PASSES = List.of(
            new Pass("fold", "constant folding and algebraic simplification", Fold::run),
            new Pass("cse", "equal subtrees become one node", Cse::run),
            new Pass("ranges", "indices proven in bounds lose their clamp; floor division on non-negatives becomes truncation", UseRanges::run),
            new Pass("refold", "fold what the range facts exposed", Fold::run),
            new Pass("recse", "re-intern after rewriting", Cse::run));

    private Pipeline() {}

    public static List<String> passNames() {
        List<String> names = new ArrayList<>(List.of("lower"));
        PASSES.forEach(p -> names.add(p.name()));
        return names;
    }

    public static Attention run(Attention lowered) {
        return runUntil(lowered, PASSES.getLast().name());
    }

    /** The IR after the pass named {@code last} ("lower" for none). */
    public static Attention runUntil(Attention lowered, String last) {
        if (!passNames().contains(last)) throw new IllegalArgumentException("no pass named " + last + "; passes: " + passNames());
        Attention a = lowered;
        if (last.equals("lower")) return a;
        for (Pass p : PASSES) {
            a = p.run().apply(a);
            if (p.name().equals(last)) break;
        }
        return a;
    }
}
