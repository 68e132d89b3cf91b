package dev.attnc.compiler.codegen.cuda;

import dev.attnc.compiler.codegen.BackwardSignature;
import dev.attnc.compiler.codegen.Placement;
import dev.attnc.compiler.codegen.Placement.Level;
import dev.attnc.compiler.codegen.DiagonalIndex;
import dev.attnc.compiler.codegen.c.CPrinter;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.Names;
import dev.attnc.compiler.grad.Gradient;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Axis;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Normalization;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.passes.Exprs;
import dev.attnc.compiler.passes.Interval;
import dev.attnc.compiler.passes.RangeAnalysis;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The variant's code and its derivatives for one kernel of the CUDA backward, from
 * {@link Placement#of(Gradient)}: each value computed once, at the level Placement gave it, printed
 * by the shared C printer (CUDA dialect). A warp's fragment rows are query rows in the dQ kernel
 * ({@link Rows#QUERIES}: per-query values once before the loop, per-key values per tile) and keys
 * in the dK/dV kernel ({@link Rows#KEYS}: the other way round). Values that cross from a row or
 * column loop into the element code are kept in per-thread arrays {@code r_tN[ri]} and
 * {@code c_tN[ci]}, as {@link CudaBody} keeps the forward's.
 * <p>
 * Element code computes the score and the mask on every pair of a tile and selects afterwards
 * (loads the range analysis did not prove in bounds are clamped by the printer), then the
 * derivatives' nodes, ∂s/∂s0 ({@link #dScore}) and, with {@code gradients}, each parameter's gradient terms:
 * in the dQ kernel, or in the dK/dV kernel of the form that sends dQ out through atomics (there the
 * thread's partial slots are its keys', and a sink's per-row terms are left to the dQ conversion).
 */
public final class CudaBackwardBody {
    /** What a warp's fragment rows are. */
    public enum Rows {
        /** Query rows: the dQ kernel (and the parameters' gradients). */
        QUERIES,
        /** Keys: the dK/dV kernel. */
        KEYS
    }

    /** A column loop: the arrays it fills, its statements, and the values it stores into the arrays the element code reads. */
    public record Columns(List<String> decls, List<String> code, List<Value> values) {
        /** The loop's stores, one statement a value. */
        public List<String> stores() {
            return values.stream().map(v -> v.array() + "[ci] = " + v.local() + ";").toList();
        }
    }

    /** One value of a column loop: {@code array[ci] = local}. */
    public record Value(Type type, String array, String local) {}

    /**
     * Code for one kind of tile (FULL or PARTIAL): the column loop's, then the element lines and the values they end in;
     * {@code scoreLines} and {@code gradLines} the same lines split between the two passes of a {@link #split} body, the
     * second with a column loop of its own ({@code gradColumns}: the first's arrays are out of its scope).
     */
    public record Tile(Columns columns, List<String> lines, String scoreValue, String maskValue, List<String> scoreLines,
            Columns gradColumns, List<String> gradLines) {}

    /**
     * A parameter gradient summed along the tile's diagonals before it goes out (cuda_hopper_backward_consumer.stg's
     * diagonalFlush): its table is read at a function of kv − q ({@link DiagonalIndex}), so each thread sums its
     * terms of one diagonal in {@code accumulator[slot]} and the lanes of a diagonal add theirs together; the
     * first lane adds the sum at {@code index}, computed by {@code lines} at the slot's first element. Where the
     * term is dS ∂s/∂s0 itself (∂s/∂θ = ∂s/∂s0: a bias added to the score), {@code accumulator} is null and the
     * sums are read from the fragment that holds it for dK (the pairs' y).
     */
    public record DiagonalGradient(String gradient, String accumulator, List<String> lines, String index) {}

    public final List<String> prologue = new ArrayList<>();
    public final List<String> rowDecls = new ArrayList<>();
    public final List<String> rowCode = new ArrayList<>();
    public final List<String> rowStores = new ArrayList<>();
    public final Tile full;
    public final Tile partial;
    /** ∂s/∂s0 in element code. */
    public final String dScore;
    /** The sigmoid's bias E in element code, or null. */
    public final String sigmoidBias;
    /** The sink's logit per fragment row (after the row code), or null; only with {@link Rows#QUERIES}. */
    public final String sink;
    /** Per pair, the parameters' gradient statements (reading {@code attn_ds}); only with {@code gradients}. */
    public final List<String> paramTerms = new ArrayList<>();
    /**
     * The registers that sum parameter terms fixed per (b, h) or per fragment row over the kernel's
     * loop (the dQ kernel's; the dK/dV kernel's over one head of its group), and the statements that
     * add them to the gradients after it.
     */
    public final List<String> accDecls = new ArrayList<>(), accFlush = new ArrayList<>();
    /** Per query row, the sink's gradient statements (reading {@code attn_dsink}); only with {@link Rows#QUERIES} and {@code gradients}. */
    public final List<String> sinkTerms = new ArrayList<>();
    public final boolean identityScore;
    /**
     * Whether the pairs run in two passes: P from S alone (while dP is still being computed), then
     * dS from P and dP. True where the score has arithmetic of its own to overlap (no gather from a
     * tensor per pair) and ∂s/∂s0 and the parameters' terms do not read the raw score (the first pass
     * overwrites it with P); their position terms are recomputed in the second pass.
     */
    public final boolean split;
    /** The gradients summed along diagonals (with {@code diagonals}, through atomics). */
    public final List<DiagonalGradient> diagonalGradients = new ArrayList<>();
    /**
     * With positions ({@link AffineConversions.Positions}): the FULL tile's conversions to float of ints affine in q
     * and kv, once per tile ({@link AffineConversions#NONE} without them).
     */
    final AffineConversions affine;
    private final Placement placement;
    private final CPrinter printer;
    /** Fast math's divisions by a per-(b, h) value, through its reciprocal. */
    private final Reciprocals reciprocals;
    private final Level rowLevel, colLevel;

    /** The body of the deterministic form's kernels: the dQ kernel's pairs take the parameters' gradients, the dK/dV kernel's none. */
    public CudaBackwardBody(Attention a, Rows rows) {
        this(a, rows, rows == Rows.QUERIES);
    }

    /** With {@code gradients}, the pairs add the parameters' gradient terms. */
    public CudaBackwardBody(Attention a, Rows rows, boolean gradients) {
        this(a, rows, gradients, false);
    }

    /**
     * With {@code diagonals} (a kernel whose fragments are keys by queries, cuda_hopper_backward_consumer.stg's
     * layout), a gradient read at a function of kv − q is summed along the tile's diagonals ({@link DiagonalGradient}).
     */
    public CudaBackwardBody(Attention a, Rows rows, boolean gradients, boolean diagonals) {
        this(a, rows, gradients, diagonals, null);
    }

    /** With {@code positions} (null: none), a FULL tile's conversions to float of ints affine in q and kv once per tile ({@link AffineConversions}). */
    public CudaBackwardBody(Attention a, Rows rows, boolean gradients, boolean diagonals, AffineConversions.Positions positions) {
        this(a, rows, gradients, diagonals, positions, false);
    }

    /** With {@code fastMath}, divisions by a per-(b, h) value through its reciprocal ({@link Reciprocals}), as the forward's. */
    public CudaBackwardBody(Attention a, Rows rows, boolean gradients, boolean diagonals, AffineConversions.Positions positions,
            boolean fastMath) {
        Gradient g = Gradient.ofBackward(a);
        this.placement = Placement.of(g);
        Names names = new Names(a);
        Map<Expr, Interval> ranges = RangeAnalysis.analyze(a);
        this.printer = new CPrinter(Dialect.CUDA, names, ranges, false);
        this.reciprocals = fastMath ? Reciprocals.of(placement, ranges, printer, this::plain) : Reciprocals.none(printer);
        this.rowLevel = rows == Rows.QUERIES ? Level.ROW : Level.COLUMN;
        this.colLevel = rows == Rows.QUERIES ? Level.COLUMN : Level.ROW;
        identityScore = a.score() instanceof Expr.Score;
        boolean hasMask = !(a.mask() instanceof Expr.BoolConst c && c.value());
        boolean sinkRows = a.normalization() instanceof Normalization.SoftmaxSink;

        // what every pair reads (the score, ∂s/∂s0, a sigmoid's bias, the dQ kernel's parameter terms)
        List<Expr> pairRoots = new ArrayList<>();
        List<Expr> scoreRoots = new ArrayList<>(); // what P reads (the first pass of a split body)
        if (!identityScore) scoreRoots.add(a.score());
        Expr bias = a.normalization() instanceof Normalization.Sigmoid s ? s.bias() : null;
        if (bias != null) scoreRoots.add(bias);
        pairRoots.addAll(scoreRoots);
        pairRoots.add(g.dScore());
        List<Expr> rowRoots = new ArrayList<>(); // what the dQ kernel reads per row after its loop: the sink's terms
        Expr logit = a.normalization() instanceof Normalization.SoftmaxSink s ? s.logit() : null;
        Function<Expr, String> element = this::inElement;
        boolean queries = rows == Rows.QUERIES;
        if (gradients) {
            if (logit != null && queries) rowRoots.add(logit);
            for (String p : g.parameters()) {
                String gradient = BackwardSignature.gradientName(names.param(p));
                String elements = "1";
                for (Gradient.TensorGrad t : g.tensors()) {
                    if (!t.param().equals(p)) continue;
                    elements = String.join(" * ", t.load().tensor().dims().stream().map(e -> "(long long)" + printer.inline(e)).toList());
                }
                for (Gradient.ScalarGrad s : g.scalars()) {
                    if (!s.param().equals(p)) continue;
                    boolean ofSink = sinkRows && s.ofNormalization();
                    if (ofSink && !queries) continue; // per query row: not a key's
                    (ofSink ? rowRoots : pairRoots).add(s.derivative());
                    if (ofSink) sinkTerms.add(gradAdd(gradient, elements, "0", inElement(s.derivative()), "attn_dsink", "ri"));
                    else term(gradient, elements, "0", Level.HEAD, inElement(s.derivative()));
                }
                for (Gradient.TensorGrad t : g.tensors()) {
                    if (!t.param().equals(p)) continue;
                    boolean ofSink = sinkRows && t.ofNormalization();
                    if (ofSink && !queries) continue;
                    (ofSink ? rowRoots : pairRoots).add(t.derivative());
                    (ofSink ? rowRoots : pairRoots).addAll(t.load().indices());
                    String index = printer.flatIndex(t.load(), element);
                    if (ofSink) {
                        sinkTerms.add(gradAdd(gradient, elements, index, inElement(t.derivative()), "attn_dsink", "ri"));
                        continue;
                    }
                    Level level = levelOf(t.load().indices());
                    if (diagonals && level == Level.PAIR && DiagonalIndex.of(t.load()) && perPair(t.load().indices())) {
                        diagonalTerm(gradient, elements, t.load(), index, inElement(t.derivative()), t.derivative().equals(g.dScore()));
                    } else {
                        term(gradient, elements, index, level, inElement(t.derivative()));
                    }
                }
            }
        }
        List<Expr> partialRoots = new ArrayList<>(pairRoots);
        if (hasMask) partialRoots.add(a.mask());

        for (Expr e : placement.prologue()) prologue.add(statement(e, this::plain));
        prologue.addAll(reciprocals.prologue);
        Set<Expr> all = closure(partialRoots);
        all.addAll(closure(rowRoots));
        List<Expr> rowNodes = inOrder(all, rowLevel);
        for (Expr e : rowNodes) rowCode.add(statement(e, this::plain));
        List<Expr> readers = new ArrayList<>(inOrder(all, Level.PAIR));
        List<Expr> roots = new ArrayList<>(partialRoots);
        roots.addAll(rowRoots);
        for (Expr e : placement.readFrom(rowLevel, readers, roots)) {
            rowDecls.add(printer.type(e.type()) + " " + CudaBody.ROW_PREFIX + placement.local(e) + "[ROWS];");
            rowStores.add(CudaBody.ROW_PREFIX + placement.local(e) + "[ri] = " + placement.local(e) + ";");
        }
        List<Expr> gradRoots = new ArrayList<>(pairRoots);
        gradRoots.removeAll(scoreRoots);
        // a score without work of its own (full, causal) gains nothing from the second pass, and one that gathers from a
        // tensor (a learned table) lost to it on the H200 (docs/benchmarks.md, session 14): both stay in one pass
        split = !identityScore && closure(scoreRoots).stream().noneMatch(e -> e instanceof Expr.Load && placement.level(e) == Level.PAIR)
                && gradRoots.stream().noneMatch(CudaBackwardBody::readsScore);
        List<Expr> maskedScoreRoots = new ArrayList<>(scoreRoots);
        if (hasMask) maskedScoreRoots.add(a.mask());
        affine = positions == null ? AffineConversions.NONE
                : AffineConversions.of(inOrder(closure(pairRoots), Level.PAIR), placement, printer, positions);
        full = tile(pairRoots, scoreRoots, gradRoots, a, false, this::fullPairLines);
        partial = tile(partialRoots, maskedScoreRoots, gradRoots, a, hasMask, this::pairLines);
        dScore = inElement(g.dScore());
        sigmoidBias = bias == null ? null : inElement(bias);
        sink = logit == null || rows != Rows.QUERIES ? null : inElement(logit);
    }

    /** One kind of tile: the column-level nodes in the column loop, the pair-level ones as element lines ({@code lines}). */
    private Tile tile(List<Expr> roots, List<Expr> scoreRoots, List<Expr> gradRoots, Attention a, boolean masked,
            Function<List<Expr>, List<String>> lines) {
        return new Tile(columns(roots), lines.apply(roots), identityScore ? "x" : inElement(a.score()), masked ? inElement(a.mask()) : null,
                lines.apply(scoreRoots), columns(gradRoots), lines.apply(gradRoots));
    }

    /** The column loop of element code that computes {@code roots}: its column-level nodes, kept in arrays where pairs read them. */
    private Columns columns(List<Expr> roots) {
        Set<Expr> need = closure(roots);
        List<String> decls = new ArrayList<>(), code = new ArrayList<>();
        List<Value> values = new ArrayList<>();
        for (Expr e : inOrder(need, colLevel)) code.add(statement(e, this::plain));
        for (Expr e : placement.readFrom(colLevel, inOrder(need, Level.PAIR), roots)) {
            decls.add(printer.type(e.type()) + " " + CudaBody.COL_PREFIX + placement.local(e) + "[COLS];");
            values.add(new Value(e.type(), CudaBody.COL_PREFIX + placement.local(e), placement.local(e)));
        }
        return new Columns(decls, code, values);
    }

    private List<String> pairLines(List<Expr> roots) {
        return inOrder(closure(roots), Level.PAIR).stream().map(e -> statement(e, this::inElement)).toList();
    }

    /** A FULL tile's element lines: {@link #pairLines}, the affine conversions from their bases. */
    private List<String> fullPairLines(List<Expr> roots) {
        return inOrder(closure(roots), Level.PAIR).stream().map(e -> affine.lines().getOrDefault(e, statement(e, this::inElement))).toList();
    }

    private static boolean readsScore(Expr e) {
        if (e instanceof Expr.Score) return true;
        for (Expr c : e.children()) if (readsScore(c)) return true;
        return false;
    }

    /**
     * A parameter term summed along diagonals ({@link DiagonalGradient}) when the gradients go through
     * atomics; into the thread's own partial slot otherwise (as {@link #term}).
     */
    private void diagonalTerm(String gradient, String elements, Expr.Load load, String index, String derivative, boolean asDs) {
        String acc = asDs ? null : "attn_dg" + diagonalGradients.size();
        diagonalGradients.add(new DiagonalGradient(gradient, acc, pairLines(load.indices()), index));
        String partials = gradAdd(gradient, elements, index, derivative, "attn_ds", "ri");
        paramTerms.add(asDs ? "if (!atomic_params) " + partials
                : "if (atomic_params) " + acc + "[diag_slot(ri, ci)] += attn_ds * (" + derivative + ");\nelse " + partials);
    }

    /** Whether the closure of {@code indices} is computed per pair or per key (no value of the column loop, out of scope after the pairs). */
    private boolean perPair(List<Expr> indices) {
        return closure(indices).stream().noneMatch(e -> placement.level(e) == colLevel);
    }

    /**
     * One parameter term of the kernel's pairs. An element fixed per (b, h) (a scalar, slopes[h])
     * or per fragment row is summed in a register over the loop and added once at the end
     * ({@link #accDecls}, {@link #accFlush}: the same order every run); any other goes to its element
     * for each pair.
     */
    private void term(String gradient, String elements, String index, Level level, String derivative) {
        String acc = "attn_acc" + accDecls.size();
        if (level == Level.HEAD) {
            accDecls.add("float " + acc + " = 0.0f;");
            paramTerms.add(acc + " += attn_ds * (" + derivative + ");");
            // rows past the end add nothing, and a thread whose first row is past it has no live row
            accFlush.add("if (row_live[0]) " + gradAdd(gradient, elements, index, "1.0f", acc, "0"));
        } else if (level == rowLevel) {
            accDecls.add("float " + acc + "[ROWS] = {0.0f, 0.0f};");
            paramTerms.add(acc + "[ri] += attn_ds * (" + derivative + ");");
            accFlush.add("for (int ri = 0; ri < ROWS; ri++) if (row_live[ri]) " + gradAdd(gradient, elements, index, "1.0f", acc + "[ri]", "ri"));
        } else {
            paramTerms.add(gradAdd(gradient, elements, index, derivative, "attn_ds", "ri"));
        }
    }

    /** Where an element index varies: per (b, h), per fragment row ({@link #rowLevel}), or otherwise (per column or pair). */
    private Level levelOf(List<Expr> indices) {
        boolean row = false, other = false;
        for (Expr e : indices) {
            Level l = e instanceof Expr.Index i ? (i.axis() == Axis.Q ? Level.ROW
                    : i.axis() == Axis.KV ? Level.COLUMN : Level.HEAD) : placement.level(e);
            row |= l == rowLevel;
            other |= l == colLevel || l == Level.PAIR;
        }
        return other ? Level.PAIR : row ? rowLevel : Level.HEAD;
    }

    /** {@code value * (derivative)} added at element {@code index} of this thread's slot of row {@code ri}. */
    private static String gradAdd(String gradient, String elements, String index, String derivative, String value, String ri) {
        String slot = "(atomic_params ? 0 : row_slot[" + ri + "] * (" + elements + "))";
        return "attn_grad_add(" + gradient + ", " + slot + " + (" + index + "), " + value + " * (" + derivative + "), atomic_params);";
    }

    /** The interior nodes {@code roots} read, directly or not. */
    private static Set<Expr> closure(Collection<Expr> roots) {
        Set<Expr> out = new LinkedHashSet<>();
        List<Expr> stack = new ArrayList<>(roots);
        while (!stack.isEmpty()) {
            Expr e = stack.removeLast();
            if (Exprs.isLeaf(e) || !out.add(e)) continue;
            stack.addAll(e.children());
        }
        return out;
    }

    /** The nodes of {@code among} at {@code level}, in IR-dump order (operands first). */
    private List<Expr> inOrder(Set<Expr> among, Level level) {
        return placement.nodes().stream().filter(e -> among.contains(e) && placement.level(e) == level).toList();
    }

    private String statement(Expr e, Function<Expr, String> operand) {
        return "const " + printer.type(e.type()) + " " + placement.local(e) + " = " + reciprocals.rhs(e, operand) + ";";
    }

    private String plain(Expr e) {
        return Exprs.isLeaf(e) ? printer.leaf(e) : placement.local(e);
    }

    /** Operands of element code: row and column values from their arrays. */
    private String inElement(Expr e) {
        if (Exprs.isLeaf(e)) return printer.leaf(e);
        Level l = placement.level(e);
        if (l == rowLevel) return CudaBody.ROW_PREFIX + placement.local(e) + "[ri]";
        if (l == colLevel) return CudaBody.COL_PREFIX + placement.local(e) + "[ci]";
        return placement.local(e);
    }
}
