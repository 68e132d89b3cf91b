package dev.attnc.compiler.codegen.cuda;

import dev.attnc.compiler.codegen.Placement;
import dev.attnc.compiler.codegen.Placement.Level;
import dev.attnc.compiler.codegen.c.CPrinter;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Poly;
import dev.attnc.compiler.passes.Exprs;
import dev.attnc.compiler.passes.Interval;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Fast math's divisions in the CUDA kernels' loops (the forward's {@link CudaBody} and the backward's
 * {@link CudaBackwardBody}): a division by a value fixed per (b, h) becomes a multiply by its reciprocal,
 * computed once per (b, h) and divisor ({@link #prologue}); an integer one (its dividend within ±2^24,
 * exact as a float) a multiply and one correction step (CHelpers' attn_floordiv_rcp / attn_floormod_rcp),
 * some 6 instructions where the integer division takes about 25: samples/neighborhood_2d.attn's grid
 * coordinates q / W and q % W, per column of every tile.
 */
final class Reciprocals {
    /** Integer divisions that may go through a float reciprocal (TRUNC_* only exist where both operands are ≥ 0). */
    private static final Set<BinaryOp> INT_DIVISIONS = Set.of(BinaryOp.FLOOR_DIV, BinaryOp.FLOOR_MOD, BinaryOp.TRUNC_DIV, BinaryOp.TRUNC_MOD);

    /** The statements that compute the reciprocals, for the kernel's per-(b, h) code. */
    final List<String> prologue = new ArrayList<>();
    private final Map<Expr, String> byNode = new HashMap<>();
    private final CPrinter printer;

    private Reciprocals(CPrinter printer) {
        this.printer = printer;
    }

    /** None: exact math. */
    static Reciprocals none(CPrinter printer) {
        return new Reciprocals(printer);
    }

    /**
     * The divisions of {@code placement}'s nodes computed inside the loops (below per (b, h)) by a per-(b, h)
     * divisor; {@code plain} prints a per-(b, h) value where the prologue computes it.
     */
    static Reciprocals of(Placement placement, Map<Expr, Interval> ranges, CPrinter printer, Function<Expr, String> plain) {
        Reciprocals r = new Reciprocals(printer);
        Map<Expr, String> byDivisor = new HashMap<>();
        for (Expr e : placement.nodes()) {
            if (e instanceof Expr.Binary bin && (bin.op() == BinaryOp.DIV || INT_DIVISIONS.contains(bin.op()) && floatExact(bin.left(), ranges))
                    && placement.level(e) != Level.HEAD && placement.level(bin.right()) == Level.HEAD) {
                r.byNode.put(e, byDivisor.computeIfAbsent(bin.right(), d -> {
                    String name = "rcp_" + placement.local(Exprs.isLeaf(d) ? e : d);
                    r.prologue.add("const float " + name + " = 1.0f / " + (bin.op() == BinaryOp.DIV ? "" : "(float)") + plain.apply(d) + ";");
                    return name;
                }));
            }
        }
        return r;
    }

    /** The right-hand side of node {@code e} (its operands printed by {@code operand}): through its reciprocal where it has one. */
    String rhs(Expr e, Function<Expr, String> operand) {
        String rcp = byNode.get(e);
        if (rcp == null || !(e instanceof Expr.Binary bin)) return printer.rhs(e, operand);
        String x = operandText(bin.left(), operand), y = operandText(bin.right(), operand);
        return switch (bin.op()) {
            case DIV -> x + " * " + rcp;
            case FLOOR_DIV, TRUNC_DIV -> "attn_floordiv_rcp(" + x + ", " + y + ", " + rcp + ")";
            default -> "attn_floormod_rcp(" + x + ", " + y + ", " + rcp + ")";
        };
    }

    private String operandText(Expr e, Function<Expr, String> operand) {
        return Exprs.isLeaf(e) ? printer.leaf(e) : operand.apply(e);
    }

    /** Every value of this int node is within ±(2^24 - 1) for sizes up to {@link CPrinter#SIZE_LIMIT}: exact as a float. */
    private static boolean floatExact(Expr e, Map<Expr, Interval> ranges) {
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
}
