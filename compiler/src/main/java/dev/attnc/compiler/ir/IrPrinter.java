package dev.attnc.compiler.ir;

import dev.attnc.compiler.passes.Dependence;
import dev.attnc.compiler.passes.IndexDependence;
import dev.attnc.compiler.passes.Interval;
import dev.attnc.compiler.passes.RangeAnalysis;
import dev.attnc.compiler.passes.Exprs;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The stable text form of an attention's IR, compared by golden tests: each interior node once,
 * in dependency order, as {@code %n = op args : type @dependence [range]}; leaves inline.
 * <pre>
 * attention alibi(slopes: float[H])
 *   %0 = load slopes[h]         : float @head
 *   ...
 *   score = %4
 *   mask  = %6
 * </pre>
 */
public final class IrPrinter {
    private final StringBuilder out = new StringBuilder();
    private final Map<Expr, String> names = new HashMap<>();
    private final Map<Expr, Dependence> deps;
    private final Map<Expr, Interval> ranges;

    private IrPrinter(Map<Expr, Dependence> deps, Map<Expr, Interval> ranges) {
        this.deps = deps;
        this.ranges = ranges;
    }

    public static String print(Attention a) {
        IrPrinter p = new IrPrinter(IndexDependence.analyze(a), RangeAnalysis.analyze(a));
        p.attention(a);
        return p.text();
    }

    /**
     * A printer for an attention followed by more roots over its nodes (a backward's derivatives):
     * {@link #attention} first, then {@link #name} of each further root in {@code roots}' order,
     * so that the numbers continue from the forward's as a placement numbers them.
     */
    public static IrPrinter over(Attention a, List<Expr> roots) {
        Map<Expr, Interval> ranges = new HashMap<>();
        for (Expr r : roots) ranges.putAll(RangeAnalysis.analyze(r));
        return new IrPrinter(IndexDependence.analyze(roots), ranges);
    }

    /**
     * The attention's header, its nodes, and its score and mask lines; a normalize line where the
     * normalisation is not plain softmax (so a softmax attention prints what it always printed).
     */
    public void attention(Attention a) {
        out.append("attention ").append(a.name()).append('(')
                .append(a.params().stream().map(IrPrinter::param).collect(Collectors.joining(", "))).append(")\n");
        String score = emit(a.score());
        String mask = emit(a.mask());
        String normalize = switch (a.normalization()) {
            case Normalization.Softmax s -> null;
            case Normalization.SoftmaxSink s -> "softmax(sink = " + emit(s.logit()) + ")";
            case Normalization.Sigmoid s -> "sigmoid(bias = " + emit(s.bias()) + ")";
        };
        out.append("  score = ").append(score).append('\n');
        out.append("  mask  = ").append(mask).append('\n');
        if (normalize != null) out.append("  normalize = ").append(normalize).append('\n');
    }

    /** The name of a node ({@code %n}, or a leaf's text), printing the lines of its definition first where not printed yet. */
    public String name(Expr e) {
        return emit(e);
    }

    /** Appends a line of text as it is. */
    public void line(String text) {
        out.append(text).append('\n');
    }

    public String text() {
        return out.toString();
    }

    private static String param(ParamDecl p) {
        return switch (p) {
            case ParamDecl.Scalar s -> s.name() + ": " + s.type().word + (s.defaultValue() == null ? "" : " = " + s.defaultValue());
            case ParamDecl.Tensor t -> t.name() + ": " + t.tensor().elementType().word + "["
                    + t.tensor().dims().stream().map(IrPrinter::dim).collect(Collectors.joining(", ")) + "]";
        };
    }

    /** The name of a node, printing its definition (and its operands') first if needed. */
    private String emit(Expr e) {
        if (Exprs.isLeaf(e)) return leaf(e);
        String known = names.get(e);
        if (known != null) return known;
        String rhs = switch (e) {
            case Expr.Unary u -> u.op().word + " " + emit(u.operand());
            case Expr.Binary b -> b.op().word + " " + emit(b.left()) + ", " + emit(b.right());
            case Expr.Select s -> "select " + emit(s.condition()) + ", " + emit(s.then()) + ", " + emit(s.otherwise());
            case Expr.Load l -> "load " + l.tensor().name() + "["
                    + l.indices().stream().map(this::emit).collect(Collectors.joining(", ")) + "]" + (l.clamped() ? " clamped" : "");
            default -> throw new IllegalStateException("leaf " + e);
        };
        String name = "%" + names.size();
        names.put(e, name);
        StringBuilder line = new StringBuilder("  ").append(name).append(" = ").append(rhs);
        pad(line, 44);
        line.append(" : ").append(e.type().word);
        pad(line, 54);
        line.append(" @").append(deps.get(e).word);
        Interval r = ranges.get(e);
        if (r != null && !r.equals(Interval.UNKNOWN)) {
            pad(line, 66);
            line.append(' ').append(r);
        }
        out.append(line.toString().stripTrailing()).append('\n');
        return name;
    }

    /** A tensor dimension in its polynomial normal form, as declared shapes are compared. */
    private static String dim(Expr d) {
        return RangeAnalysis.dimension(d).toString();
    }

    private static void pad(StringBuilder s, int column) {
        while (s.length() < column) s.append(' ');
    }

    private static String leaf(Expr e) {
        return inline(e);
    }

    /** A leaf, or a small size expression (tensor dimensions), as text. */
    static String inline(Expr e) {
        return switch (e) {
            case Expr.IntConst c -> Integer.toString(c.value());
            case Expr.FloatConst c -> floatText(c.value());
            case Expr.BoolConst c -> Boolean.toString(c.value());
            case Expr.Index i -> i.axis().word;
            case Expr.Size s -> s.size().word();
            case Expr.Param p -> "$" + p.name();
            case Expr.Score s -> "score";
            case Expr.Binary b when b.op().symbol != null -> "(" + inline(b.left()) + " " + b.op().symbol + " " + inline(b.right()) + ")";
            default -> e.toString();
        };
    }

    static String floatText(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.format(Locale.ROOT, "%.1f", v);
        return Double.toString(v);
    }
}
