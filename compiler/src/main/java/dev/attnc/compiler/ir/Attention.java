package dev.attnc.compiler.ir;

import java.util.List;

/**
 * One attention kernel in IR: its run-time parameters, the score (a float expression that may
 * read {@link Expr.Score}) and the mask (a bool expression). A missing score clause is the plain
 * score; a missing mask is {@code true}.
 */
public record Attention(String name, List<ParamDecl> params, Expr score, Expr mask) {
    public Attention {
        params = List.copyOf(params);
        if (score.type() != Type.FLOAT) throw new IllegalArgumentException("score of type " + score.type().word);
        if (mask.type() != Type.BOOL) throw new IllegalArgumentException("mask of type " + mask.type().word);
    }

    public Attention with(Expr newScore, Expr newMask) {
        return new Attention(name, params, newScore, newMask);
    }
}
