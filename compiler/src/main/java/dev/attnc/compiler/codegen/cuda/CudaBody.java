package dev.attnc.compiler.codegen.cuda;

import dev.attnc.compiler.codegen.c.CPrinter;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.Names;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Poly;
import dev.attnc.compiler.passes.Dependence;
import dev.attnc.compiler.passes.Exprs;
import dev.attnc.compiler.passes.IndexDependence;
import dev.attnc.compiler.passes.Interval;
import dev.attnc.compiler.passes.RangeAnalysis;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An attention's score and mask as CUDA statements for the tensor-core kernel, where each value is
 * computed once at the level its {@link Dependence} allows: per (b, h) before any loop; per query
 * row once per thread for each of the {@code ROWS} rows it holds (into {@code r_tN[ri]}); per key
 * once per tile for each of the {@code COLS} keys it holds ({@code c_tN[ci]}); per element on the
 * accumulator fragments. Expressions are printed by the shared {@link CPrinter} (CUDA dialect);
 * this class only decides where each node goes and what its operands are called there.
 * <p>
 * Inside the element code {@code q} and {@code kv} are clamped into [0, Q_LEN) and [0, KV_LEN)
 * (ragged tiles evaluate the last row or key and the kernel drops the result), so indices that
 * range analysis proved in bounds stay in bounds.
 */
public final class CudaBody {
    /** The local of interior node N (as the IR dump numbers it), per row and per column. */
    static final String ROW_PREFIX = "r_", COL_PREFIX = "c_";

    private final Attention a;
    private final CPrinter printer;
    private final Map<Expr, Dependence> deps;
    private final Map<Expr, String> locals = new HashMap<>();
    private final List<Expr> order = new ArrayList<>();
    /**
     * Fast math: a division by a value fixed per (b, h) becomes a multiply by its reciprocal,
     * computed once; an integer one (dividend within ±2^24) a multiply and one correction step.
     */
    private final Map<Expr, String> reciprocals = new HashMap<>();

    /** Code for one kind of tile (FULL or PARTIAL): column code, then element code. */
    public record Tile(List<String> colDecls, List<String> colCode, List<String> colStores, boolean needQ,
            boolean needKv, List<String> scoreLines, String scoreValue, List<String> maskLines, String maskValue) {}

    public final List<String> prologue = new ArrayList<>();
    public final List<String> rowDecls = new ArrayList<>();
    public final List<String> rowCode = new ArrayList<>();
    public final List<String> rowStores = new ArrayList<>();
    public final boolean identityScore;
    public final boolean hasMask;
    public final Tile full;
    public final Tile partial;

    private final boolean fastMath;
    private final Map<Expr, Interval> ranges;

    public CudaBody(Attention a, boolean fastMath) {
        this.a = a;
        this.fastMath = fastMath;
        this.ranges = RangeAnalysis.analyze(a);
        this.printer = new CPrinter(Dialect.CUDA, new Names(a), ranges, fastMath);
        this.deps = IndexDependence.analyze(a);
        number(a.score());
        number(a.mask());
        identityScore = a.score() instanceof Expr.Score;
        hasMask = !(a.mask() instanceof Expr.BoolConst c && c.value());

        // Nodes that per-column or per-element code reads from the row level need a row array.
        Set<Expr> rowArrays = new LinkedHashSet<>();
        for (Expr e : order) {
            Dependence d = deps.get(e);
            if (d == Dependence.COLUMN || d == Dependence.ELEMENT) {
                for (Expr c : e.children()) if (!Exprs.isLeaf(c) && deps.get(c) == Dependence.ROW) rowArrays.add(c);
            }
        }
        for (Expr root : List.of(a.score(), a.mask())) {
            if (!Exprs.isLeaf(root) && deps.get(root) == Dependence.ROW) rowArrays.add(root);
        }
        for (Expr e : order) {
            if (deps.get(e) == Dependence.CONSTANT || deps.get(e) == Dependence.HEAD) prologue.add(statement(e, this::plain));
        }
        if (fastMath) {
            // a division by a per-(b, h) value inside the loops: its reciprocal once per (b, h) and
            // divisor; an integer one only where the dividend is exact as a float (|x| < 2^24)
            Map<Expr, String> byDivisor = new HashMap<>();
            for (Expr e : order) {
                if (e instanceof Expr.Binary bin && (bin.op() == BinaryOp.DIV || INT_DIVISIONS.contains(bin.op()) && floatExact(bin.left()))
                        && deps.get(e).ordinal() > Dependence.HEAD.ordinal()
                        && deps.get(bin.right()).ordinal() <= Dependence.HEAD.ordinal()) {
                    reciprocals.put(e, byDivisor.computeIfAbsent(bin.right(), d -> {
                        String name = "rcp_" + (Exprs.isLeaf(d) ? locals.get(e) : locals.get(d));
                        prologue.add("const float " + name + " = 1.0f / " + (bin.op() == BinaryOp.DIV ? "" : "(float)") + plain(d) + ";");
                        return name;
                    }));
                }
            }
        }
        for (Expr e : order) {
            if (deps.get(e) == Dependence.ROW) rowCode.add(statement(e, this::plain));
        }
        for (Expr e : order) {
            if (!rowArrays.contains(e)) continue;
            rowDecls.add(printer.type(e.type()) + " " + ROW_PREFIX + locals.get(e) + "[ROWS];");
            rowStores.add(ROW_PREFIX + locals.get(e) + "[ri] = " + locals.get(e) + ";");
        }
        full = tile(identityScore ? List.of() : List.of(a.score()));
        List<Expr> partialRoots = new ArrayList<>();
        if (!identityScore) partialRoots.add(a.score());
        if (hasMask) partialRoots.add(a.mask());
        partial = tile(partialRoots);
    }

    private void number(Expr e) {
        if (Exprs.isLeaf(e) || locals.containsKey(e)) return;
        for (Expr c : e.children()) number(c);
        locals.put(e, Names.TEMP_PREFIX + order.size());
        order.add(e);
    }

    private Tile tile(List<Expr> roots) {
        Set<Expr> need = new LinkedHashSet<>();
        for (Expr r : roots) perPair(r, need);
        List<String> colDecls = new ArrayList<>(), colCode = new ArrayList<>(), colStores = new ArrayList<>();
        Set<Expr> colArrays = new LinkedHashSet<>();
        for (Expr e : order) {
            if (need.contains(e) && deps.get(e) == Dependence.ELEMENT) {
                for (Expr c : e.children()) if (!Exprs.isLeaf(c) && deps.get(c) == Dependence.COLUMN) colArrays.add(c);
            }
        }
        for (Expr r : roots) if (!Exprs.isLeaf(r) && deps.get(r) == Dependence.COLUMN) colArrays.add(r);
        for (Expr e : order) {
            if (need.contains(e) && deps.get(e) == Dependence.COLUMN) colCode.add(statement(e, this::plain));
        }
        for (Expr e : order) {
            if (!colArrays.contains(e)) continue;
            colDecls.add(printer.type(e.type()) + " " + COL_PREFIX + locals.get(e) + "[COLS];");
            colStores.add(COL_PREFIX + locals.get(e) + "[ci] = " + locals.get(e) + ";");
        }
        // which leaves the element code reads directly
        boolean needQ = false, needKv = false;
        List<Expr> elementNodes = order.stream().filter(e -> need.contains(e) && deps.get(e) == Dependence.ELEMENT).toList();
        for (Expr e : elementNodes) {
            for (Expr c : e.children()) {
                if (c instanceof Expr.Index i) {
                    needQ |= i.axis() == dev.attnc.compiler.ir.Axis.Q;
                    needKv |= i.axis() == dev.attnc.compiler.ir.Axis.KV;
                }
            }
        }
        for (Expr r : roots) {
            if (r instanceof Expr.Index i) {
                needQ |= i.axis() == dev.attnc.compiler.ir.Axis.Q;
                needKv |= i.axis() == dev.attnc.compiler.ir.Axis.KV;
            }
        }
        Set<Expr> maskNodes = new LinkedHashSet<>();
        if (hasMask) perPair(a.mask(), maskNodes);
        List<String> scoreLines = new ArrayList<>(), maskLines = new ArrayList<>();
        for (Expr e : elementNodes) {
            // the score's own nodes first; nodes the mask shares with it are computed with the score
            if (!identityScore && scoreNodes().contains(e)) scoreLines.add(statement(e, this::inElement));
            else maskLines.add(statement(e, this::inElement));
        }
        return new Tile(colDecls, colCode, colStores, needQ, needKv, scoreLines,
                identityScore ? null : valueInElement(a.score()), maskLines, hasMask ? valueInElement(a.mask()) : null);
    }

    private Set<Expr> scoreNodesCache;

    private Set<Expr> scoreNodes() {
        if (scoreNodesCache == null) scoreNodesCache = perPair(a.score(), new LinkedHashSet<>());
        return scoreNodesCache;
    }

    /** The interior per-pair (column or element) nodes {@code e} needs, operands first. */
    private Set<Expr> perPair(Expr e, Set<Expr> into) {
        if (Exprs.isLeaf(e) || into.contains(e)) return into;
        Dependence dep = deps.get(e);
        if (dep != Dependence.COLUMN && dep != Dependence.ELEMENT) return into;
        for (Expr c : e.children()) perPair(c, into);
        into.add(e);
        return into;
    }

    private String statement(Expr e, java.util.function.Function<Expr, String> operand) {
        String rcp = reciprocals.get(e);
        String rhs = printer.rhs(e, operand);
        if (rcp != null && e instanceof Expr.Binary bin) {
            String x = operandText(bin.left(), operand);
            rhs = switch (bin.op()) {
                case DIV -> x + " * " + rcp;
                case FLOOR_DIV, TRUNC_DIV -> "attn_floordiv_rcp(" + x + ", " + operandText(bin.right(), operand) + ", " + rcp + ")";
                default -> "attn_floormod_rcp(" + x + ", " + operandText(bin.right(), operand) + ", " + rcp + ")";
            };
        }
        return "const " + printer.type(e.type()) + " " + locals.get(e) + " = " + rhs + ";";
    }

    /** Integer divisions that may go through a float reciprocal (TRUNC_* only exist where both operands are ≥ 0). */
    private static final Set<BinaryOp> INT_DIVISIONS = Set.of(BinaryOp.FLOOR_DIV, BinaryOp.FLOOR_MOD, BinaryOp.TRUNC_DIV, BinaryOp.TRUNC_MOD);

    /** Every value of this int node is within ±(2^24 - 1) for sizes up to {@link CPrinter#SIZE_LIMIT}: exact as a float. */
    private boolean floatExact(Expr e) {
        Interval r = ranges.getOrDefault(e, Interval.UNKNOWN);
        long limit = (1L << 24) - 1;
        return r.lo() != null && r.hi() != null && extreme(r.lo(), false) >= -limit && extreme(r.hi(), true) <= limit;
    }

    /** The largest (or smallest) value of a polynomial linear in the sizes, each in [1, SIZE_LIMIT]. */
    private static long extreme(Poly p, boolean largest) {
        long v = 0;
        for (Map.Entry<String, Long> t : p.terms().entrySet()) {
            long c = t.getValue();
            if (t.getKey().contains("*") || Math.abs(c) > Integer.MAX_VALUE) return largest ? Long.MAX_VALUE : Long.MIN_VALUE;
            v += t.getKey().isEmpty() ? c : (c > 0) == largest ? c * CPrinter.SIZE_LIMIT : c;
        }
        return v;
    }

    private String operandText(Expr e, java.util.function.Function<Expr, String> operand) {
        return Exprs.isLeaf(e) ? printer.leaf(e) : operand.apply(e);
    }

    /** Operands at the level where they are computed: their own locals (leaves print themselves). */
    private String plain(Expr e) {
        return Exprs.isLeaf(e) ? printer.leaf(e) : locals.get(e);
    }

    /** Operands of element code: row and column values from their arrays. */
    private String inElement(Expr e) {
        return switch (deps.get(e)) {
            case ROW -> ROW_PREFIX + locals.get(e) + "[ri]";
            case COLUMN -> COL_PREFIX + locals.get(e) + "[ci]";
            default -> locals.get(e);
        };
    }

    private String valueInElement(Expr root) {
        return Exprs.isLeaf(root) ? printer.leaf(root) : inElement(root);
    }
}
