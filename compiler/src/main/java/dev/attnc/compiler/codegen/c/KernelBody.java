package dev.attnc.compiler.codegen.c;

import dev.attnc.compiler.codegen.Placement;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Normalization;
import dev.attnc.compiler.passes.Exprs;
import dev.attnc.compiler.passes.RangeAnalysis;
import java.util.List;
import java.util.function.Function;

/**
 * An attention's score and mask as C statements, where {@link Placement} put them: every interior
 * node is computed once into its local {@code tN} (N is its number in the IR dump), in the
 * outermost loop where its value is fixed. A C-family template pastes the parts in:
 * <ul>
 * <li>{@link #prologue}: constant and per-(b, h) values, once per work-group (b and h declared);
 * <li>{@link #row}: per query row (q declared and inside [0, Q_LEN));
 * <li>{@link #full}: per (row, key) on FULL tiles: the score only, no mask code;
 * <li>{@link #partial}: on PARTIAL tiles: the mask first, and the score only for kept pairs.
 * </ul>
 * Element code runs only for kv inside [0, KV_LEN): indices proven in bounds rely on it.
 * The score statements read the incoming score from a float named {@link Names#SCORE}.
 * {@link #sink} and {@link #sigmoidBias}: the normalisation's per-row value, valid after the row
 * code, or null where the attention has no such normalisation.
 */
public record KernelBody(List<String> prologue, List<String> row, Element full, Element partial, String sink, String sigmoidBias) {
    public KernelBody {
        prologue = List.copyOf(prologue);
        row = List.copyOf(row);
    }

    public KernelBody(List<String> prologue, List<String> row, Element full, Element partial) {
        this(prologue, row, full, partial, null, null);
    }

    /**
     * The code for one (row, key) pair: {@code maskLines}, then {@code mask} (a bool expression),
     * then — only if it is true — {@code scoreLines} and {@code score} (a float expression).
     */
    public record Element(List<String> maskLines, String mask, List<String> scoreLines, String score) {
        public Element {
            maskLines = List.copyOf(maskLines);
            scoreLines = List.copyOf(scoreLines);
        }
    }

    public static KernelBody of(Attention a, Dialect d, boolean fastMath) {
        return of(a, Placement.of(a), new CPrinter(d, new Names(a), RangeAnalysis.analyze(a), fastMath));
    }

    /** Prints what {@code placement} decided, each node into its local. */
    static KernelBody of(Attention a, Placement placement, CPrinter printer) {
        Function<Expr, String> value = e -> value(e, placement, printer);
        Function<List<Expr>, List<String>> statements = nodes -> statements(nodes, placement, printer);
        Element full = new Element(List.of(), "true", statements.apply(placement.full()), value.apply(a.score()));
        Element partial = new Element(statements.apply(placement.partialMask()), value.apply(a.mask()),
                statements.apply(placement.partialScore()), value.apply(a.score()));
        String sink = a.normalization() instanceof Normalization.SoftmaxSink s ? value.apply(s.logit()) : null;
        String bias = a.normalization() instanceof Normalization.Sigmoid s ? value.apply(s.bias()) : null;
        return new KernelBody(statements.apply(placement.prologue()), statements.apply(placement.row()), full, partial, sink, bias);
    }

    /** A node's value where {@code placement} put it: a leaf's own text, an interior node's local. */
    static String value(Expr e, Placement placement, CPrinter printer) {
        return Exprs.isLeaf(e) ? printer.leaf(e) : placement.local(e);
    }

    /** One {@code const T tN = ...;} per node, in order (operands first). */
    static List<String> statements(List<Expr> nodes, Placement placement, CPrinter printer) {
        return nodes.stream()
                .map(e -> "const " + printer.type(e.type()) + " " + placement.local(e) + " = " + printer.rhs(e, placement::local) + ";")
                .toList();
    }
}
