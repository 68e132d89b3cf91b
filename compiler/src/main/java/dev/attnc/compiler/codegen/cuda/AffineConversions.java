package dev.attnc.compiler.codegen.cuda;

import dev.attnc.compiler.codegen.AffineIndex;
import dev.attnc.compiler.codegen.Placement;
import dev.attnc.compiler.codegen.c.CPrinter;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.UnaryOp;
import dev.attnc.compiler.passes.Dependence;
import dev.attnc.compiler.passes.IndexDependence;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A FULL tile's conversions to float of ints exactly affine in q and kv ({@link AffineIndex}: ALiBi's kv − q),
 * once per thread and tile instead of once per pair: each one's base (its value at the thread's first element)
 * converted before the pairs ({@link #decls}), and each element's line the base plus the element's offset, a
 * constant once the element loops are unrolled ({@link #lines}). An int-to-float conversion issues at a quarter
 * of the FMA rate on the H200, on the unit that also computes the exponentials (ALiBi reads float(kv − q) twice
 * a pair: in P and in its slope's term). Exact: the bases are exact in float where {@link #guard} holds
 * (|base| < 2^23 in every lane), the offsets too (|a| + |b| at most {@link #MAX_COEFFICIENTS}), and so is their
 * sum; a warp where the guard fails takes the PARTIAL code, which converts per pair.
 *
 * @param decls the bases' statements, per tile and thread, before the pairs (empty: no conversion qualifies)
 * @param guard the condition, true in every lane of a warp, under which the FULL tile's code is exact (null: none)
 * @param lines the FULL tile's line of each conversion node, by node
 */
record AffineConversions(List<String> decls, String guard, Map<Expr, String> lines) {
    /**
     * Where a kernel's fragment element sits: q = qBase + qOffset and kv = kvBase + kvOffset, the bases fixed per
     * thread and tile, the offsets constants of the unrolled element loops, at most {@link #MAX_OFFSET} from 0.
     */
    record Positions(String qBase, String kvBase, String qOffset, String kvOffset) {
        static final int MAX_OFFSET = 64;
    }

    /** The most |a| + |b| of a q + b kv + c converted per tile: its element offsets stay under 2^23. */
    static final long MAX_COEFFICIENTS = (1L << 23) / Positions.MAX_OFFSET;

    static final AffineConversions NONE = new AffineConversions(List.of(), null, Map.of());

    /** The conversions among {@code pairNodes} (a FULL tile's pair-level nodes, operands first) that qualify. */
    static AffineConversions of(List<Expr> pairNodes, Placement placement, CPrinter printer, Positions at) {
        List<Expr> conversions = pairNodes.stream().filter(e -> e instanceof Expr.Unary u && u.op() == UnaryOp.TO_FLOAT).toList();
        Map<Expr, Dependence> facts = IndexDependence.analyze(conversions);
        List<String> guards = new ArrayList<>(), bases = new ArrayList<>();
        Map<Expr, String> lines = new HashMap<>();
        for (Expr e : conversions) {
            Expr operand = ((Expr.Unary) e).operand();
            long[] c = AffineIndex.coefficients(operand, facts);
            if (c == null || Math.abs(c[0]) + Math.abs(c[1]) > MAX_COEFFICIENTS || c[0] == 0 && c[1] == 0) continue;
            int i = guards.size();
            bases.add("    attn_ab" + i + " = " + printer.inline(operand) + ";");
            String offset = c[0] + " * (" + at.qOffset() + ") + " + c[1] + " * (" + at.kvOffset() + ")";
            lines.put(e, "const float " + placement.local(e) + " = attn_fb" + i + " + (float)(" + offset + ");");
            guards.add("(unsigned)(attn_ab" + i + " + 0x800000) < 0x1000000u");
        }
        if (guards.isEmpty()) return NONE;
        // the ints at the thread's first element: q and kv bound to their bases in a scope of their own
        List<String> decls = new ArrayList<>();
        decls.add("int " + String.join(", ", IntStream.range(0, guards.size()).mapToObj(i -> "attn_ab" + i).toList()) + ";");
        decls.add("{");
        decls.add("    const int q = " + at.qBase() + ", kv = " + at.kvBase() + ";");
        decls.add("    (void)q;");
        decls.add("    (void)kv;");
        decls.addAll(bases);
        decls.add("}");
        for (int i = 0; i < guards.size(); i++) decls.add("const float attn_fb" + i + " = (float)attn_ab" + i + ";");
        return new AffineConversions(List.copyOf(decls), String.join(" && ", guards), Map.copyOf(lines));
    }
}
