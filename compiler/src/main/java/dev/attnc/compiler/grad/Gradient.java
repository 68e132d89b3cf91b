package dev.attnc.compiler.grad;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.passes.Cse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The derivatives of an attention's score clause, as IR over the same nodes as the forward
 * attention (equal subtrees are one object with the forward's, so a kernel that recomputes the
 * score computes each shared node once). For one kept pair with incoming score {@code s0} and
 * final score {@code s = score(s0, …)}, and dS = ∂L/∂s from the softmax's backward:
 * <ul>
 *   <li>{@link #dScore}: ∂s/∂s0; the backward kernels multiply dS by it before dQ and dK;</li>
 *   <li>{@link #scalars}: ∂s/∂p for each float scalar parameter the score reads; its gradient is
 *       the sum of dS · ∂s/∂p over the kept pairs;</li>
 *   <li>{@link #tensors}: for each read of a float tensor parameter in the score (one per distinct
 *       {@link Expr.Load}), ∂s/∂(the element it reads); the element, at the load's indices
 *       (clamped when the load is), receives dS times it, summed over the kept pairs.</li>
 * </ul>
 * Masks, ints and bools pass no gradient (../shared/LANGUAGE.md, "Gradients").
 */
public record Gradient(Attention forward, Expr dScore, List<ScalarGrad> scalars, List<TensorGrad> tensors) {
    public Gradient {
        scalars = List.copyOf(scalars);
        tensors = List.copyOf(tensors);
    }

    /**
     * ∂score/∂p for the float scalar parameter {@code param}; with {@code ofNormalization}, ∂E/∂p of
     * the normalisation's E instead ({@link #ofBackward}).
     */
    public record ScalarGrad(String param, Expr derivative, boolean ofNormalization) {
        public ScalarGrad(String param, Expr derivative) {
            this(param, derivative, false);
        }
    }

    /**
     * ∂score/∂(the element {@code load} reads) for one read of a float tensor parameter; with
     * {@code ofNormalization}, ∂E/∂(that element) ({@link #ofBackward}).
     */
    public record TensorGrad(Expr.Load load, Expr derivative, boolean ofNormalization) {
        public TensorGrad(Expr.Load load, Expr derivative) {
            this(load, derivative, false);
        }

        public String param() {
            return load.tensor().name();
        }
    }

    /** The gradient of an (optimized) attention's score: {@link Differentiate}. */
    public static Gradient of(Attention a) {
        return Differentiate.run(a).without(a.frozen());
    }

    /**
     * The derivatives of the normalisation's expression E (a sink logit or a sigmoid bias) with
     * respect to the parameters it reads, or null for plain softmax. E reads no score, so it is
     * differentiated as a score would be: {@link #dScore} is 0, {@link #scalars} and
     * {@link #tensors} are ∂E/∂p.
     */
    public static Gradient ofNormalization(Attention a) {
        List<Expr> e = a.normalization().exprs();
        return e.isEmpty() ? null : Differentiate.run(new Attention(a.name(), a.params(), e.getFirst(), a.mask())).without(a.frozen());
    }

    /**
     * Every derivative a backward kernel needs: the score's ({@link #of}) followed by those of the
     * normalisation's E ({@link #ofNormalization}), interned with the score's nodes so that a value
     * both read is one node (one local in generated code). {@link #dScore} is the score's. A kernel
     * places and names its nodes from this one, and gives a gradient to its {@link #parameters()}.
     */
    public static Gradient ofBackward(Attention a) {
        Gradient score = of(a);
        Gradient norm = ofNormalization(a);
        if (norm == null) return score;
        Map<Expr, Expr> canonical = new HashMap<>();
        score.roots().forEach(r -> Cse.intern(r, canonical));
        List<ScalarGrad> scalars = new ArrayList<>(score.scalars);
        List<TensorGrad> tensors = new ArrayList<>(score.tensors);
        norm.scalars.forEach(g -> scalars.add(new ScalarGrad(g.param(), Cse.intern(g.derivative(), canonical), true)));
        norm.tensors.forEach(g -> tensors.add(
                new TensorGrad((Expr.Load) Cse.intern(g.load(), canonical), Cse.intern(g.derivative(), canonical), true)));
        return new Gradient(a, score.dScore, scalars, tensors);
    }

    /** These derivatives less those of the parameters {@code frozen} ({@link Attention#frozen}: no gradient asked for). */
    private Gradient without(Set<String> frozen) {
        if (frozen.isEmpty()) return this;
        return new Gradient(forward, dScore, scalars.stream().filter(g -> !frozen.contains(g.param())).toList(),
                tensors.stream().filter(g -> !frozen.contains(g.param())).toList());
    }

    /** The score's derivatives alone ({@link #ofBackward} less those of the normalisation's E). */
    public Gradient scoreOnly() {
        return new Gradient(forward, dScore, scalars.stream().filter(g -> !g.ofNormalization()).toList(),
                tensors.stream().filter(g -> !g.ofNormalization()).toList());
    }

    /** The derivatives of the normalisation's E that {@link #ofBackward} lists after the score's. */
    public List<ScalarGrad> normalizationScalars() {
        return scalars.stream().filter(ScalarGrad::ofNormalization).toList();
    }

    /** The derivatives of the normalisation's E with respect to tensor elements ({@link #ofBackward}). */
    public List<TensorGrad> normalizationTensors() {
        return tensors.stream().filter(TensorGrad::ofNormalization).toList();
    }

    /** The names of the parameters that get a gradient, in declaration order, each once. */
    public List<String> parameters() {
        List<String> names = new ArrayList<>();
        for (var p : forward.params()) {
            boolean has = scalars.stream().anyMatch(g -> g.param().equals(p.name()))
                    || tensors.stream().anyMatch(g -> g.param().equals(p.name()));
            if (has) names.add(p.name());
        }
        return names;
    }

    /**
     * Every expression a backward kernel evaluates: the forward's ({@link Attention#roots()}: score,
     * mask and any normalisation's), then
     * ∂s/∂s0, the scalar derivatives and the tensor derivatives with their indices (the roots a
     * printer places).
     */
    public List<Expr> roots() {
        List<Expr> roots = new ArrayList<>(forward.roots());
        roots.add(dScore);
        scalars.forEach(g -> roots.add(g.derivative()));
        for (TensorGrad g : tensors) {
            roots.add(g.derivative());
            roots.addAll(g.load().indices());
        }
        return roots;
    }
}
