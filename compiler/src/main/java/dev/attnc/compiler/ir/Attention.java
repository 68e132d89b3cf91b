package dev.attnc.compiler.ir;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * One attention kernel in IR: its run-time parameters, the score (a float expression that may
 * read {@link Expr.Score}), the mask (a bool expression) and the normalisation. A missing score
 * clause is the plain score; a missing mask is {@code true}; a missing normalize clause is softmax.
 * {@code frozen} names parameters whose gradient the backward pass does not compute (a caller's
 * fixed values, as PyTorch's tensors without requires_grad: ALiBi's slopes, a soft-cap); empty
 * from the language, set by {@link #withoutGradients}.
 */
public record Attention(String name, List<ParamDecl> params, Expr score, Expr mask, Normalization normalization, Set<String> frozen) {
    public Attention {
        params = List.copyOf(params);
        frozen = Set.copyOf(frozen);
        if (score.type() != Type.FLOAT) throw new IllegalArgumentException("score of type " + score.type().word);
        if (mask.type() != Type.BOOL) throw new IllegalArgumentException("mask of type " + mask.type().word);
        if (normalization == null) throw new IllegalArgumentException("no normalization");
        for (String f : frozen) {
            if (params.stream().noneMatch(p -> p.name().equals(f))) throw new IllegalArgumentException("frozen " + f + ": no such parameter");
        }
    }

    /** An attention whose parameters all get gradients. */
    public Attention(String name, List<ParamDecl> params, Expr score, Expr mask, Normalization normalization) {
        this(name, params, score, mask, normalization, Set.of());
    }

    /** A softmax attention. */
    public Attention(String name, List<ParamDecl> params, Expr score, Expr mask) {
        this(name, params, score, mask, Normalization.SOFTMAX);
    }

    public Attention with(Expr newScore, Expr newMask) {
        return new Attention(name, params, newScore, newMask, normalization, frozen);
    }

    /** The attention with {@code f} applied to each of its expressions (score, mask, normalisation): a pass. */
    public Attention map(UnaryOperator<Expr> f) {
        return new Attention(name, params, f.apply(score), f.apply(mask), normalization.map(f), frozen);
    }

    /**
     * The same attention whose backward pass computes no gradient for {@code names} (parameters of
     * this attention; those already frozen stay so): the kernels neither compute nor sum their terms.
     */
    public Attention withoutGradients(Collection<String> names) {
        Set<String> all = new LinkedHashSet<>(frozen);
        all.addAll(names);
        return new Attention(name, params, score, mask, normalization, all);
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
