package dev.attnc.compiler.codegen;

import dev.attnc.compiler.grad.Gradient;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.passes.Dependence;
import dev.attnc.compiler.passes.Exprs;
import dev.attnc.compiler.passes.IndexDependence;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.Set;

/**
 * Where each IR node of an optimized attention is computed, decided once for every back end (the
 * Java, OpenCL and CUDA printers only print it). Every interior node has a number, its position in
 * the IR dump ({@code attnc ir} prints it as %N, generated code names its local tN), and a
 * {@link Level}: the outermost loop in which its value is fixed, from its {@link Dependence}.
 * The node lists are in IR-dump order, which is a topological order (operands first):
 * <ul>
 * <li>{@link #prologue}: per (b, h) and constant nodes, before any loop;
 * <li>{@link #row}: per query row;
 * <li>{@link #full}: FULL tiles: every per-pair (column or pair level) node the score needs, no mask code;
 * <li>{@link #partialMask}, then {@link #partialScore}: PARTIAL tiles: the mask's per-pair nodes
 *     first, then only the score's nodes the mask did not compute (so a node both read is computed once);
 * <li>{@link #gradient}: in a backward kernel's placement ({@link #of(Gradient)}), the per-pair nodes
 *     the derivatives need beyond the score's (after {@link #full} or the partial lists); empty otherwise.
 * </ul>
 *
 * @param nodes the interior nodes in IR-dump order (post-order, score before mask): node N is {@code nodes.get(N)}
 */
public record Placement(List<Expr> nodes, Map<Expr, Integer> numbers, Map<Expr, Level> levels, Map<Expr, Integer> uses,
        List<Expr> prologue, List<Expr> row, List<Expr> full, List<Expr> partialMask, List<Expr> partialScore,
        List<Expr> gradient) {

    /** A node's local in generated code: t3 holds the node the IR dump calls %3. */
    public static final String LOCAL_PREFIX = "t";

    /** The loop a node is computed in, outermost first. */
    public enum Level {
        /** Constant or fixed per (b, h): once, before the loops. */
        HEAD,
        /** Fixed per query row (reads q, not kv). */
        ROW,
        /** Fixed per key (reads kv, not q): a target with a loop over the keys of a tile may compute it there, others per pair. */
        COLUMN,
        /** Per (row, key) pair. */
        PAIR;

        static Level of(Dependence d) {
            return switch (d) {
                case CONSTANT, HEAD -> HEAD;
                case ROW -> ROW;
                case COLUMN -> COLUMN;
                case ELEMENT -> PAIR;
            };
        }

        /** Computed inside the loop over (row, key) pairs, or in a per-key loop beside it. */
        public boolean perPair() {
            return this == COLUMN || this == PAIR;
        }
    }

    public Placement {
        nodes = List.copyOf(nodes);
        numbers = Map.copyOf(numbers);
        levels = Map.copyOf(levels);
        uses = Map.copyOf(uses);
        prologue = List.copyOf(prologue);
        row = List.copyOf(row);
        full = List.copyOf(full);
        partialMask = List.copyOf(partialMask);
        partialScore = List.copyOf(partialScore);
        gradient = List.copyOf(gradient);
    }

    public static Placement of(Attention a) {
        return of(a, List.of(), false);
    }

    /**
     * A placement for a kernel whose rows belong to several heads of one (b, KV head) (a decode
     * kernel that packs the query heads of a group into one tile): what is fixed per (b, h) varies
     * from row to row there, so it is computed per row; only constants stay before the loops.
     */
    public static Placement packedHeads(Attention a) {
        return of(a, List.of(), true);
    }

    /**
     * A backward kernel's placement: the forward's nodes numbered as {@link #of(Attention)} numbers
     * them (so %N means the same node in both), then the derivatives' ({@link Gradient#roots()}).
     */
    public static Placement of(Gradient g) {
        List<Expr> roots = g.roots();
        return of(g.forward(), roots.subList(g.forward().roots().size(), roots.size()), false);
    }

    private static Placement of(Attention a, List<Expr> gradientRoots, boolean headsPerRow) {
        List<Expr> roots = new ArrayList<>(a.roots());
        roots.addAll(gradientRoots);
        Map<Expr, Dependence> deps = headsPerRow ? IndexDependence.analyzeHeadsPerRow(roots) : IndexDependence.analyze(roots);
        Map<Expr, Level> levels = new HashMap<>();
        deps.forEach((e, d) -> levels.put(e, Level.of(d)));
        List<Expr> nodes = new ArrayList<>();
        Map<Expr, Integer> numbers = new HashMap<>();
        Map<Expr, Integer> uses = new HashMap<>();
        for (Expr r : roots) number(r, nodes, numbers, uses);

        List<Expr> prologue = nodes.stream().filter(e -> levels.get(e) == Level.HEAD).toList();
        List<Expr> row = nodes.stream().filter(e -> levels.get(e) == Level.ROW).toList();
        Set<Expr> scoreNodes = perPair(a.score(), levels, new LinkedHashSet<>());
        Set<Expr> maskNodes = perPair(a.mask(), levels, new LinkedHashSet<>());
        List<Expr> full = nodes.stream().filter(scoreNodes::contains).toList();
        List<Expr> partialMask = nodes.stream().filter(maskNodes::contains).toList();
        List<Expr> partialScore = full.stream().filter(e -> !maskNodes.contains(e)).toList();
        Set<Expr> gradientNodes = new LinkedHashSet<>();
        for (Expr r : gradientRoots) perPair(r, levels, (SequencedSet<Expr>) gradientNodes);
        List<Expr> gradient = nodes.stream().filter(e -> gradientNodes.contains(e) && !scoreNodes.contains(e)).toList();
        return new Placement(nodes, numbers, levels, uses, prologue, row, full, partialMask, partialScore, gradient);
    }

    /** Numbers the interior nodes as the IR dump does, operands first, and counts how often each is read. */
    private static void number(Expr e, List<Expr> nodes, Map<Expr, Integer> numbers, Map<Expr, Integer> uses) {
        if (Exprs.isLeaf(e)) return;
        if (uses.merge(e, 1, Integer::sum) > 1) return;
        for (Expr c : e.children()) number(c, nodes, numbers, uses);
        numbers.put(e, nodes.size());
        nodes.add(e);
    }

    /** The interior per-pair nodes that {@code e} needs, operands first. */
    private static SequencedSet<Expr> perPair(Expr e, Map<Expr, Level> levels, SequencedSet<Expr> into) {
        if (Exprs.isLeaf(e) || into.contains(e) || !levels.get(e).perPair()) return into;
        for (Expr c : e.children()) perPair(c, levels, into);
        into.add(e);
        return into;
    }

    /** The number of an interior node: %N in the IR dump. */
    public int number(Expr e) {
        Integer n = numbers.get(e);
        if (n == null) throw new IllegalArgumentException("not an interior node of the attention: " + e);
        return n;
    }

    /** The local that holds an interior node: {@code t} and its number. */
    public String local(Expr e) {
        return LOCAL_PREFIX + number(e);
    }

    /** The level of a node; one outside the attention (a tensor's extent) by what it reads. */
    public Level level(Expr e) {
        Level l = levels.get(e);
        return l != null ? l : Level.of(IndexDependence.of(e, Map.of()));
    }

    /** Read more than once in the IR (by two operations, or twice by one): a printer that inlines operands computes it once. */
    public boolean shared(Expr e) {
        return uses.getOrDefault(e, 0) > 1;
    }

    /** {@link #gradient} less the mask's nodes: what a PARTIAL tile of a backward kernel computes after the mask and the score. */
    public List<Expr> gradientAfterMask() {
        Set<Expr> mask = Set.copyOf(partialMask);
        return gradient.stream().filter(e -> !mask.contains(e)).toList();
    }

    /**
     * The mask's per-pair nodes that the score does not need: for a printer that computes the score
     * on every pair of a PARTIAL tile ({@link #full}) and then the mask, to select.
     */
    public List<Expr> maskOnly() {
        Set<Expr> score = Set.copyOf(full);
        return partialMask.stream().filter(e -> !score.contains(e)).toList();
    }

    /**
     * The nodes of {@code level} that {@code readers} read as operands, and those of {@code roots}
     * at that level, in IR-dump order: the values that cross from the loop of {@code level} into an
     * inner one, for a target that must store them between the two (CUDA's per-thread row arrays).
     */
    public List<Expr> readFrom(Level level, Collection<Expr> readers, Collection<Expr> roots) {
        Set<Expr> read = new LinkedHashSet<>();
        for (Expr r : readers) for (Expr c : r.children()) if (!Exprs.isLeaf(c) && levels.get(c) == level) read.add(c);
        for (Expr r : roots) if (!Exprs.isLeaf(r) && levels.get(r) == level) read.add(r);
        return nodes.stream().filter(read::contains).toList();
    }
}
