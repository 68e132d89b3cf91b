package dev.attnc.compiler.ir;

import dev.attnc.kernel.SizeName;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A polynomial over the sizes with integer coefficients: the normal form of tensor dimensions
 * ({@code 2 * KV_LEN - 1}) and the bounds of range analysis. A monomial is the sorted list of its
 * size names joined by '*' ("" is the constant term).
 */
public record Poly(Map<String, Long> terms) {
    public Poly {
        terms = new TreeMap<>(terms);
        terms.values().removeIf(v -> v == 0);
        terms = java.util.Collections.unmodifiableMap(terms);
    }

    public static Poly constant(long v) {
        return new Poly(Map.of("", v));
    }

    public static Poly size(SizeName s) {
        return new Poly(Map.of(s.word(), 1L));
    }

    public Poly plus(Poly o) {
        Map<String, Long> out = new TreeMap<>(terms);
        o.terms.forEach((k, v) -> out.merge(k, v, Math::addExact));
        return new Poly(out);
    }

    public Poly minus(Poly o) {
        return plus(o.scale(-1));
    }

    public Poly scale(long c) {
        Map<String, Long> out = new TreeMap<>();
        terms.forEach((k, v) -> out.put(k, Math.multiplyExact(v, c)));
        return new Poly(out);
    }

    public Poly times(Poly o) {
        Map<String, Long> out = new TreeMap<>();
        terms.forEach((k1, v1) -> o.terms.forEach((k2, v2) -> out.merge(monomial(k1, k2), Math.multiplyExact(v1, v2), Math::addExact)));
        return new Poly(out);
    }

    /** this × o, or null when o is null (an unbounded side stays unbounded). */
    public Poly times0(Poly o) {
        return o == null ? null : times(o);
    }

    public boolean isConstant() {
        return terms.keySet().stream().allMatch(String::isEmpty);
    }

    public long constantTerm() {
        return terms.getOrDefault("", 0L);
    }

    /**
     * True when the value is ≥ 0 for every choice of sizes ≥ 1: every non-constant coefficient is
     * non-negative (so the polynomial grows with each size) and its value at all sizes = 1 is ≥ 0.
     */
    public boolean provablyNonNegative() {
        long atOnes = 0;
        for (Map.Entry<String, Long> t : terms.entrySet()) {
            if (!t.getKey().isEmpty() && t.getValue() < 0) return false;
            atOnes += t.getValue();
        }
        return atOnes >= 0;
    }

    /** The value for given sizes. */
    public long eval(Map<SizeName, Long> sizes) {
        long sum = 0;
        for (Map.Entry<String, Long> t : terms.entrySet()) {
            long m = t.getValue();
            if (!t.getKey().isEmpty()) for (String s : t.getKey().split("\\*")) m *= sizes.get(SizeName.valueOf(s));
            sum += m;
        }
        return sum;
    }

    private static String monomial(String a, String b) {
        List<String> names = new ArrayList<>();
        if (!a.isEmpty()) names.addAll(List.of(a.split("\\*")));
        if (!b.isEmpty()) names.addAll(List.of(b.split("\\*")));
        names.sort(null);
        return String.join("*", names);
    }

    @Override
    public String toString() {
        if (terms.isEmpty()) return "0";
        StringBuilder s = new StringBuilder();
        new TreeMap<>(terms).descendingMap().forEach((k, v) -> {
            if (!s.isEmpty()) s.append(v < 0 ? " - " : " + ");
            else if (v < 0) s.append('-');
            long a = Math.abs(v);
            if (k.isEmpty()) s.append(a);
            else s.append(a == 1 ? "" : a + "*").append(k);
        });
        return s.toString();
    }
}
