package dev.attnc.compiler.codegen.cuda;

import dev.attnc.compiler.codegen.Placement;
import dev.attnc.compiler.codegen.Placement.Level;
import dev.attnc.compiler.codegen.c.CPrinter;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.Names;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Axis;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Normalization;
import dev.attnc.compiler.passes.Exprs;
import dev.attnc.compiler.passes.Interval;
import dev.attnc.compiler.passes.RangeAnalysis;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An attention's score and mask as CUDA statements for the tensor-core kernel, where each value is
 * computed once at the level {@link Placement} gave it: per (b, h) before any loop; per query
 * row once per thread for each of the {@code ROWS} rows it holds (into {@code r_tN[ri]}); per key
 * once per tile for each of the {@code COLS} keys it holds ({@code c_tN[ci]}); per element on the
 * accumulator fragments. Expressions are printed by the shared {@link CPrinter} (CUDA dialect);
 * this class only prints what Placement decided, and what operands are called at each level.
 * <p>
 * Inside the element code {@code q} and {@code kv} are clamped into [0, Q_LEN) and [0, KV_LEN)
 * (ragged tiles evaluate the last row or key and the kernel drops the result), so indices that
 * range analysis proved in bounds stay in bounds.
 */
public final class CudaBody {
    /** The local of interior node N (as the IR dump numbers it), per row and per column. */
    static final String ROW_PREFIX = "r_", COL_PREFIX = "c_";

    private final Placement placement;
    private final CPrinter printer;
    /** Fast math's divisions by a per-(b, h) value, through its reciprocal ({@link Reciprocals}). */
    private final Reciprocals reciprocals;

    /** Code for one kind of tile (FULL or PARTIAL): column code, then element code. */
    public record Tile(List<String> colDecls, List<String> colCode, List<String> colStores, boolean needQ,
            boolean needKv, List<String> scoreLines, String scoreValue, List<String> maskLines, String maskValue) {}

    public final List<String> prologue = new ArrayList<>();
    public final List<String> rowDecls = new ArrayList<>();
    public final List<String> rowCode = new ArrayList<>();
    public final List<String> rowStores = new ArrayList<>();
    /** The sink logit / the sigmoid's bias of row ri (as the per-row loop reads it), or null without one. */
    public final String sink, sigmoidBias;
    public final boolean identityScore;
    public final boolean hasMask;
    public final Tile full;
    public final Tile partial;

    public CudaBody(Attention a, boolean fastMath) {
        this(a, Placement.of(a), fastMath);
    }

    /** With a given placement: {@link Placement#packedHeads} for a kernel whose rows are of several heads. */
    public CudaBody(Attention a, Placement placement, boolean fastMath) {
        this.placement = placement;
        Map<Expr, Interval> ranges = RangeAnalysis.analyze(a);
        this.printer = new CPrinter(Dialect.CUDA, new Names(a), ranges, fastMath);
        identityScore = a.score() instanceof Expr.Score;
        hasMask = !(a.mask() instanceof Expr.BoolConst c && c.value());

        // a division by a per-(b, h) value inside the loops: its reciprocal once per (b, h) and divisor, after the
        // per-(b, h) values (a divisor may be one)
        reciprocals = fastMath ? Reciprocals.of(placement, ranges, printer, this::plain) : Reciprocals.none(printer);
        for (Expr e : placement.prologue()) prologue.add(statement(e, this::plain));
        prologue.addAll(reciprocals.prologue);
        for (Expr e : placement.row()) rowCode.add(statement(e, this::plain));
        // row values that per-column or per-element code reads need a row array
        List<Expr> perPair = placement.nodes().stream().filter(e -> placement.level(e).perPair()).toList();
        for (Expr e : placement.readFrom(Level.ROW, perPair, a.roots())) {
            rowDecls.add(printer.type(e.type()) + " " + ROW_PREFIX + placement.local(e) + "[ROWS];");
            rowStores.add(ROW_PREFIX + placement.local(e) + "[ri] = " + placement.local(e) + ";");
        }
        sink = a.normalization() instanceof Normalization.SoftmaxSink s ? valueInElement(s.logit()) : null;
        sigmoidBias = a.normalization() instanceof Normalization.Sigmoid s ? valueInElement(s.bias()) : null;
        full = tile(placement.full(), List.of(), identityScore ? List.of() : List.of(a.score()), a);
        List<Expr> partialRoots = new ArrayList<>();
        if (!identityScore) partialRoots.add(a.score());
        if (hasMask) partialRoots.add(a.mask());
        partial = tile(placement.full(), placement.maskOnly(), partialRoots, a);
    }

    /**
     * One kind of tile: the score's per-pair nodes (computed on every pair), then the mask's others
     * (the kernel selects with the mask afterwards); column-level nodes go in a loop over the keys
     * this thread holds, element-level ones on the accumulator fragments.
     */
    private Tile tile(List<Expr> scoreNodes, List<Expr> maskNodes, List<Expr> roots, Attention a) {
        List<Expr> need = placement.nodes().stream().filter(e -> scoreNodes.contains(e) || maskNodes.contains(e)).toList();
        List<String> colDecls = new ArrayList<>(), colCode = new ArrayList<>(), colStores = new ArrayList<>();
        List<Expr> elementNodes = need.stream().filter(e -> placement.level(e) == Level.PAIR).toList();
        for (Expr e : need) if (placement.level(e) == Level.COLUMN) colCode.add(statement(e, this::plain));
        for (Expr e : placement.readFrom(Level.COLUMN, elementNodes, roots)) {
            colDecls.add(printer.type(e.type()) + " " + COL_PREFIX + placement.local(e) + "[COLS];");
            colStores.add(COL_PREFIX + placement.local(e) + "[ci] = " + placement.local(e) + ";");
        }
        // which leaves the element code reads directly
        boolean needQ = false, needKv = false;
        List<Expr> leaves = new ArrayList<>(roots);
        for (Expr e : elementNodes) leaves.addAll(e.children());
        for (Expr c : leaves) {
            if (c instanceof Expr.Index i) {
                needQ |= i.axis() == Axis.Q;
                needKv |= i.axis() == Axis.KV;
            }
        }
        List<String> scoreLines = new ArrayList<>(), maskLines = new ArrayList<>();
        for (Expr e : elementNodes) (scoreNodes.contains(e) ? scoreLines : maskLines).add(statement(e, this::inElement));
        return new Tile(colDecls, colCode, colStores, needQ, needKv, scoreLines,
                identityScore ? null : valueInElement(a.score()), maskLines, hasMask ? valueInElement(a.mask()) : null);
    }

    private String statement(Expr e, java.util.function.Function<Expr, String> operand) {
        return "const " + printer.type(e.type()) + " " + placement.local(e) + " = " + reciprocals.rhs(e, operand) + ";";
    }

    /** Operands at the level where they are computed: their own locals (leaves print themselves). */
    private String plain(Expr e) {
        return Exprs.isLeaf(e) ? printer.leaf(e) : placement.local(e);
    }

    /** Operands of element code: row and column values from their arrays. */
    private String inElement(Expr e) {
        return switch (placement.level(e)) {
            case ROW -> ROW_PREFIX + placement.local(e) + "[ri]";
            case COLUMN -> COL_PREFIX + placement.local(e) + "[ci]";
            case HEAD, PAIR -> placement.local(e);
        };
    }

    private String valueInElement(Expr root) {
        return Exprs.isLeaf(root) ? printer.leaf(root) : inElement(root);
    }
}
