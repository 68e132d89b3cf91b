package dev.attnc.compiler.codegen.c;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.passes.Dependence;
import dev.attnc.compiler.passes.Exprs;
import dev.attnc.compiler.passes.IndexDependence;
import dev.attnc.compiler.passes.RangeAnalysis;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;

/**
 * An attention's score and mask as C statements, placed where their {@link Dependence} says:
 * every interior node is computed once into a local {@code tN} (N is its number in the IR dump),
 * in the outermost loop where its value is fixed. A C-family template pastes the parts in:
 * <ul>
 * <li>{@link #prologue}: constant and per-(b, h) values, once per work-group (b and h declared);
 * <li>{@link #row}: per query row (q declared and inside [0, Q_LEN));
 * <li>{@link #full}: per (row, key) on FULL tiles: the score only, no mask code;
 * <li>{@link #partial}: on PARTIAL tiles: the mask first, and the score only for kept pairs.
 * </ul>
 * Element code runs only for kv inside [0, KV_LEN): indices proven in bounds rely on it.
 * The score statements read the incoming score from a float named {@link Names#SCORE}.
 */
public record KernelBody(List<String> prologue, List<String> row, Element full, Element partial) {
    public KernelBody {
        prologue = List.copyOf(prologue);
        row = List.copyOf(row);
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
        return new Builder(a, new CPrinter(d, new Names(a), RangeAnalysis.analyze(a), fastMath)).build();
    }

    private static final class Builder {
        private final Attention a;
        private final CPrinter printer;
        private final Map<Expr, Dependence> deps;
        /** Interior nodes in IR-dump order (post-order, score before mask) and their locals. */
        private final Map<Expr, String> locals = new HashMap<>();
        private final List<Expr> order = new ArrayList<>();

        Builder(Attention a, CPrinter printer) {
            this.a = a;
            this.printer = printer;
            this.deps = IndexDependence.analyze(a);
            number(a.score());
            number(a.mask());
        }

        private void number(Expr e) {
            if (Exprs.isLeaf(e) || locals.containsKey(e)) return;
            for (Expr c : e.children()) number(c);
            locals.put(e, Names.TEMP_PREFIX + order.size());
            order.add(e);
        }

        KernelBody build() {
            List<String> prologue = new ArrayList<>();
            List<String> row = new ArrayList<>();
            for (Expr e : order) {
                switch (deps.get(e)) {
                    case CONSTANT, HEAD -> prologue.add(statement(e));
                    case ROW -> row.add(statement(e));
                    case COLUMN, ELEMENT -> {} // per pair, below
                }
            }
            SequencedSet<Expr> maskNodes = perPair(a.mask(), new LinkedHashSet<>());
            SequencedSet<Expr> scoreOnly = perPair(a.score(), new LinkedHashSet<>());
            SequencedSet<Expr> scoreAll = new LinkedHashSet<>(scoreOnly);
            scoreOnly.removeAll(maskNodes);
            Element full = new Element(List.of(), "true", statements(scoreAll), value(a.score()));
            Element partial = new Element(statements(maskNodes), value(a.mask()), statements(scoreOnly), value(a.score()));
            return new KernelBody(prologue, row, full, partial);
        }

        /** The per-pair interior nodes that {@code e} needs, operands first. */
        private SequencedSet<Expr> perPair(Expr e, SequencedSet<Expr> into) {
            if (Exprs.isLeaf(e) || into.contains(e)) return into;
            Dependence dep = deps.get(e);
            if (dep != Dependence.COLUMN && dep != Dependence.ELEMENT) return into;
            for (Expr c : e.children()) perPair(c, into);
            into.add(e);
            return into;
        }

        private List<String> statements(SequencedSet<Expr> nodes) {
            // IR-dump order is a topological order; keep it so the code reads like the dump
            return order.stream().filter(nodes::contains).map(this::statement).toList();
        }

        private String statement(Expr e) {
            return "const " + printer.type(e.type()) + " " + locals.get(e) + " = " + printer.rhs(e, locals::get) + ";";
        }

        private String value(Expr e) {
            return Exprs.isLeaf(e) ? printer.leaf(e) : locals.get(e);
        }
    }
}
