package dev.attnc.compiler.ir;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One attention kernel in IR: its run-time parameters, the score (a float expression that may
 * read {@link Expr.Score}), the mask (a bool expression) and the normalisation. A missing score
 * clause is the plain score; a missing mask is {@code true}; a missing normalize clause is softmax.
 */
public record Attention(String name, List<ParamDecl> params, Expr score, Expr mask, Normalization normalization) {
    public Attention {
        params = List.copyOf(params);
        if (score.type() != Type.FLOAT) throw new IllegalArgumentException("score of type " + score.type().word);
        if (mask.type() != Type.BOOL) throw new IllegalArgumentException("mask of type " + mask.type().word);
        if (normalization == null) throw new IllegalArgumentException("no normalization");
    }

    /** A softmax attention. */
    public Attention(String name, List<ParamDecl> params, Expr score, Expr mask) {
        this(name, params, score, mask, Normalization.SOFTMAX);
    }

    public Attention with(Expr newScore, Expr newMask) {
        return new Attention(name, params, newScore, newMask, normalization);
    }

    /** The attention with {@code f} applied to each of its expressions (score, mask, normalisation): a pass. */
    public Attention map(UnaryOperator<Expr> f) {
        return new Attention(name, params, f.apply(score), f.apply(mask), normalization.map(f));
    }

    /** Every expression root: score, mask, then the normalisation's (if it has one). */
    public List<Expr> roots() {
        List<Expr> roots = new ArrayList<>(List.of(score, mask));
        roots.addAll(normalization.exprs());
        return roots;
    }

    public boolean softmax() {
        return normalization instanceof Normalization.Softmax;
    }
}
