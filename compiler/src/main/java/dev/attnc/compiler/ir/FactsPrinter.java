package dev.attnc.compiler.ir;

import dev.attnc.compiler.passes.Dependence;
import dev.attnc.compiler.passes.Exprs;
import dev.attnc.compiler.passes.IndexDependence;
import dev.attnc.compiler.passes.Interval;
import dev.attnc.compiler.passes.RangeAnalysis;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The facts the analyses give about an attention, as stable text for per-pass tests: one line per
 * distinct node (leaves included), written as the language writes it, in the order of the IR dump
 * (operands first, score before mask). {@link IrPrinter} shows the facts of interior nodes beside
 * their definitions; this shows them for every node, readably, without the %N indirection.
 * <pre>
 * h                          @head
 * slopes[h]                  @head
 * kv - q                     @element
 * </pre>
 * Integer {@code /} and {@code %} are floor division (the language's meaning); their truncating
 * forms, which only {@code UseRanges} introduces, print as {@code truncdiv(x, y)} and {@code truncmod(x, y)};
 * a tensor read that still clamps its indices prints as {@code clamped(t[i])}.
 */
public final class FactsPrinter {
    private FactsPrinter() {}

    /** {@link IndexDependence}: the loop level of every node. */
    public static String dependence(Attention a) {
        Map<Expr, Dependence> deps = IndexDependence.analyze(a);
        return table(nodes(a), e -> "@" + deps.get(e).word);
    }

    /** {@link RangeAnalysis}: the interval of every int node ([-inf, inf] where nothing is known). */
    public static String ranges(Attention a) {
        Map<Expr, Interval> ranges = RangeAnalysis.analyze(a);
        List<Expr> ints = nodes(a).stream().filter(e -> e.type() == Type.INT).toList();
        return table(ints, e -> ranges.getOrDefault(e, Interval.UNKNOWN).toString());
    }

    /**
     * Interior nodes present as more than one object (equal subtrees that are not yet one node),
     * with how many objects each has; "none" once CSE has interned the IR.
     */
    public static String copies(Attention a) {
        Map<Expr, Set<Expr>> objects = new LinkedHashMap<>();
        Set<Expr> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Expr root : a.roots()) collectObjects(root, seen, objects);
        List<Expr> copied = objects.entrySet().stream().filter(x -> x.getValue().size() > 1).map(Map.Entry::getKey).toList();
        if (copied.isEmpty()) return "none\n";
        return table(copied, e -> objects.get(e).size() + " objects");
    }

    private static void collectObjects(Expr e, Set<Expr> seen, Map<Expr, Set<Expr>> objects) {
        if (Exprs.isLeaf(e) || !seen.add(e)) return;
        for (Expr c : e.children()) collectObjects(c, seen, objects);
        objects.computeIfAbsent(e, k -> Collections.newSetFromMap(new IdentityHashMap<>())).add(e);
    }

    /** Every distinct node, operands first, the score's before the mask's (and the normalisation's last). */
    private static List<Expr> nodes(Attention a) {
        SequencedSet<Expr> order = new LinkedHashSet<>();
        for (Expr root : a.roots()) visit(root, order);
        return new ArrayList<>(order);
    }

    private static void visit(Expr e, SequencedSet<Expr> order) {
        if (order.contains(e)) return;
        for (Expr c : e.children()) visit(c, order);
        order.add(e);
    }

    /** Each node's text, padded to one column, then its fact. */
    private static String table(List<Expr> nodes, Function<Expr, String> fact) {
        List<String> texts = nodes.stream().map(FactsPrinter::text).toList();
        int width = texts.stream().mapToInt(String::length).max().orElse(0) + 2;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++) {
            out.append(texts.get(i)).append(" ".repeat(width - texts.get(i).length())).append(fact.apply(nodes.get(i))).append('\n');
        }
        return out.toString();
    }

    /** A node as the language writes it; operands that are operations get parentheses. */
    public static String text(Expr e) {
        return switch (e) {
            case Expr.IntConst c -> Integer.toString(c.value());
            case Expr.FloatConst c -> IrPrinter.floatText(c.value());
            case Expr.BoolConst c -> Boolean.toString(c.value());
            case Expr.Index i -> i.axis().word;
            case Expr.Size s -> s.size().word();
            case Expr.Param p -> p.name();
            case Expr.Score s -> "score";
            case Expr.Unary u -> switch (u.op()) {
                case NEG -> "-" + operand(u.operand());
                case NOT -> "!" + operand(u.operand());
                default -> u.op().word + "(" + text(u.operand()) + ")";
            };
            case Expr.Binary b -> switch (b.op()) {
                case MIN, MAX, TRUNC_DIV, TRUNC_MOD -> b.op().word + "(" + text(b.left()) + ", " + text(b.right()) + ")";
                default -> operand(b.left()) + " " + b.op().symbol + " " + operand(b.right());
            };
            case Expr.Select s -> operand(s.condition()) + " ? " + operand(s.then()) + " : " + operand(s.otherwise());
            case Expr.Load l -> {
                String read = l.tensor().name() + "[" + l.indices().stream().map(FactsPrinter::text).collect(Collectors.joining(", ")) + "]";
                yield l.clamped() ? "clamped(" + read + ")" : read;
            }
        };
    }

    private static String operand(Expr e) {
        boolean infix = e instanceof Expr.Binary b && b.op().symbol != null && b.op() != BinaryOp.TRUNC_DIV && b.op() != BinaryOp.TRUNC_MOD
                || e instanceof Expr.Select;
        return infix ? "(" + text(e) + ")" : text(e);
    }
}
