package dev.attnc.compiler.codegen.c;

import dev.attnc.compiler.codegen.Placement;
import dev.attnc.compiler.grad.Gradient;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Normalization;
import dev.attnc.compiler.passes.RangeAnalysis;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A backward kernel's per-pair code, printed by the C printer from {@link Placement#of(Gradient)}:
 * the forward's score and mask exactly as {@link KernelBody} prints them (the same locals tN), then
 * the derivatives' nodes. A C-family backward template pastes, for one kept pair:
 * <ul>
 * <li>{@link #prologue} once per (b, h), {@link #row} once per query row;
 * <li>FULL tiles: {@code full}'s score lines, then {@link #fullGradient};
 * <li>PARTIAL tiles: {@code partial}'s mask lines and mask, and for a kept pair its score lines,
 *     then {@link #partialGradient} (the derivatives' nodes less those the mask computed);
 * <li>{@link #dScore} (∂s/∂s0) and, per parameter with a gradient, its {@link ParamGrad#terms};
 * <li>with a sink, once per row (after the row code), the sink's logit {@link #sink} and each
 *     parameter's {@link ParamGrad#sinkTerms}; with a sigmoid, the row's {@link #sigmoidBias}.
 * </ul>
 * A sigmoid's bias E reads no key, so its derivatives join the pair terms (∂E/∂p gets the same dS
 * as ∂s/∂p); a sink's are taken once per row, scaled by the sink's own gradient.
 */
public record BackwardBody(List<String> prologue, List<String> row, KernelBody.Element full, KernelBody.Element partial,
        List<String> fullGradient, List<String> partialGradient, String dScore, List<ParamGrad> params, String sink,
        String sigmoidBias) {
    public BackwardBody {
        prologue = List.copyOf(prologue);
        row = List.copyOf(row);
        fullGradient = List.copyOf(fullGradient);
        partialGradient = List.copyOf(partialGradient);
        params = List.copyOf(params);
    }

    /**
     * The gradient of one float parameter: for each kept pair, {@code dS * derivative} is added at
     * each term's element ({@code "0"} for a scalar).
     *
     * @param identifier the parameter's mangled C name (a tensor's argument; a scalar's value)
     * @param elements the element count as a C expression of the sizes ({@code "1"} for a scalar)
     */
    public record ParamGrad(String identifier, String elements, List<Term> terms, List<Term> sinkTerms) {
        public ParamGrad {
            terms = List.copyOf(terms);
            sinkTerms = List.copyOf(sinkTerms);
        }
    }

    /** One derivative of a parameter: {@code index} is the flat element it adds to, {@code derivative} the float to scale by dS. */
    public record Term(String index, String derivative) {}

    public static BackwardBody of(Attention a, Dialect d) {
        Gradient g = Gradient.ofBackward(a);
        boolean sinkRows = a.normalization() instanceof Normalization.SoftmaxSink;
        Placement placement = Placement.of(g);
        Names names = new Names(a);
        CPrinter printer = new CPrinter(d, names, RangeAnalysis.analyze(a), false);
        KernelBody forward = KernelBody.of(a, placement, printer);
        Function<Expr, String> value = e -> KernelBody.value(e, placement, printer);
        List<ParamGrad> params = new ArrayList<>();
        for (String p : g.parameters()) {
            List<Term> terms = new ArrayList<>(), sinkTerms = new ArrayList<>();
            String elements = "1";
            // with a sink, E's derivatives are added once per row (sinkTerms), the score's per pair
            for (Gradient.ScalarGrad s : g.scalars()) {
                if (!s.param().equals(p)) continue;
                (sinkRows && s.ofNormalization() ? sinkTerms : terms).add(new Term("0", value.apply(s.derivative())));
            }
            for (Gradient.TensorGrad t : g.tensors()) {
                if (!t.param().equals(p)) continue;
                Term term = new Term(printer.flatIndex(t.load(), placement::local), value.apply(t.derivative()));
                (sinkRows && t.ofNormalization() ? sinkTerms : terms).add(term);
                elements = String.join(" * ", t.load().tensor().dims().stream().map(e -> "(long)" + printer.inline(e)).toList());
            }
            params.add(new ParamGrad(names.param(p), elements, terms, sinkTerms));
        }
        return new BackwardBody(forward.prologue(), forward.row(), forward.full(), forward.partial(),
                KernelBody.statements(placement.gradient(), placement, printer),
                KernelBody.statements(placement.gradientAfterMask(), placement, printer), value.apply(g.dScore()), params,
                forward.sink(), forward.sigmoidBias());
    }
}
