package dev.attnc.backend;

import dev.attnc.Tensor;
import dev.attnc.kernel.Sizes;
import dev.attnc.testkit.Repo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * samples/recipes.json read in Java (bench/recipes.py reads it in Python): each sample's arguments
 * for given sizes and a seed. A scalar recipe is a number or a size expression over B, H, Q_LEN,
 * KV_LEN, D and S (= KV_LEN) with + - * /, parentheses and max(a, b); / is integer floor division.
 * A tensor recipe is {generator: {args}}, the generators described in samples/README.md. Random
 * generators draw from SplittableRandom here and numpy in Python: same parameters, other values.
 */
public final class Recipes {
    private Recipes() {}

    public record Args(Map<String, Object> scalars, Map<String, Tensor> tensors) {
        /** These arguments with some scalars replaced (a test's documented override). */
        public Args withScalars(Map<String, Object> override) {
            Map<String, Object> sc = new HashMap<>(scalars);
            sc.putAll(override);
            return new Args(Map.copyOf(sc), tensors);
        }
    }

    private static Map<String, Object> all;

    private static synchronized Map<String, Object> all() {
        if (all == null) {
            try {
                all = map(RecipeJson.parse(Files.readString(Repo.path("samples/recipes.json"))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all;
    }

    /** The sample's arguments at these sizes (no entry: none); the same seed gives the same tensors. */
    public static Args args(String stem, Sizes s, long seed) {
        Map<String, Object> recipe = map(all().getOrDefault(stem, Map.of()));
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Object> sc = new HashMap<>();
        map(recipe.getOrDefault("scalars", Map.of())).forEach((k, v) -> sc.put(k, scalar(v, s)));
        Map<String, Tensor> t = new HashMap<>();
        map(recipe.getOrDefault("tensors", Map.of())).forEach((k, v) -> t.put(k, tensor(map(v), s, rng)));
        return new Args(Map.copyOf(sc), Map.copyOf(t));
    }

    /** A constant as it is (Integer or Double); a size expression as an Integer. */
    static Object scalar(Object recipe, Sizes s) {
        return recipe instanceof String expr ? SizeExpr.eval(expr, s) : recipe;
    }

    private static int size(Object recipe, Sizes s) {
        return ((Number) scalar(recipe, s)).intValue();
    }

    private static double real(Object recipe) {
        return ((Number) recipe).doubleValue();
    }

    private static Tensor tensor(Map<String, Object> spec, Sizes s, SplittableRandom rng) {
        if (spec.size() != 1) throw new IllegalArgumentException("a tensor recipe is {generator: {args}}: " + spec);
        var e = spec.entrySet().iterator().next();
        Map<String, Object> a = map(e.getValue());
        return switch (e.getKey()) {
            case "alibi_slopes" -> alibiSlopes(s.H());
            case "documents" -> ids(s.KV_LEN(), size(a.get("min"), s), size(a.get("max"), s), false, rng);
            case "images" -> ids(s.KV_LEN(), size(a.get("min"), s), size(a.get("max"), s), true, rng);
            case "padding" -> padding(s.B(), s.KV_LEN(), size(a.get("empty"), s), rng);
            case "uniform" -> uniform((List<?>) a.get("shape"), real(a.get("min")), real(a.get("max")), s, rng);
            default -> throw new IllegalArgumentException("unknown generator " + e.getKey());
        };
    }

    /** ALiBi's geometric slopes for H heads: 2^(-8 (i + 1) / H). */
    private static Tensor alibiSlopes(int h) {
        float[] f = new float[h];
        for (int i = 0; i < h; i++) f[i] = (float) Math.pow(2, -8.0 * (i + 1) / h);
        return Tensor.ofFloats(f, h);
    }

    /** Sorted ids of runs of random lengths lo .. hi (inclusive); with text, runs alternate text (-1) and ids, text first. */
    private static Tensor ids(int n, int lo, int hi, boolean withText, SplittableRandom rng) {
        int[] ids = new int[n];
        int i = 0, run = 0, next = 0;
        while (i < n) {
            int len = lo + rng.nextInt(Math.max(1, hi - lo + 1));
            int id = withText && run % 2 == 0 ? -1 : next++;
            for (int j = 0; j < len && i < n; j++) ids[i++] = id;
            run++;
        }
        return Tensor.ofInts(ids, n);
    }

    /** Valid lengths per batch element, random in 1 .. KV_LEN; element {@code empty} keeps nothing (length 0). */
    private static Tensor padding(int b, int kvLen, int empty, SplittableRandom rng) {
        int[] len = new int[b];
        for (int i = 0; i < b; i++) len[i] = i == empty ? 0 : 1 + rng.nextInt(kvLen);
        return Tensor.ofInts(len, b);
    }

    private static Tensor uniform(List<?> shape, double lo, double hi, Sizes s, SplittableRandom rng) {
        long[] dims = shape.stream().mapToLong(d -> size(d, s)).toArray();
        float[] f = new float[Math.toIntExact(java.util.Arrays.stream(dims).reduce(1, Math::multiplyExact))];
        for (int i = 0; i < f.length; i++) f[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return Tensor.ofFloats(f, dims);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }
}
