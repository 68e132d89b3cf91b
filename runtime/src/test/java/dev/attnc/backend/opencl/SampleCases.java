package dev.attnc.backend.opencl;

import dev.attnc.DType;
import dev.attnc.backend.Recipes;
import dev.attnc.kernel.Sizes;
import dev.attnc.Tensor;
import dev.attnc.testkit.Repo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Arguments for each sample in samples/: the "recipe" case is samples/recipes.json's at these sizes
 * (the benchmark's recipes: window KV_LEN / 8 = 16 of 131 keys, so the window ends inside tiles).
 * Samples whose scalars all have defaults also run a "defaults" case with the recipe's tensors only
 * (a window of 256 covers 131 keys entirely). Overrides, each for a reason given where it is made.
 */
public final class SampleCases {
    /** Ragged on purpose: neither length is a multiple of a tile; grouped-query heads. */
    static final Sizes RAGGED = new Sizes(2, 4, 2, 77, 131, 64);
    /** For the samples that need Q_LEN == KV_LEN (documents, images, grids). */
    static final Sizes SQUARE = new Sizes(2, 4, 2, 100, 100, 64);
    private static final long SEED = 11;

    /** Samples whose scalar parameters all have defaults. */
    private static final Set<String> WITH_DEFAULTS = Set.of("alibi_softcap", "block_causal", "dilated", "longformer",
            "sliding_window", "softcap", "streaming_llm", "strided");

    public record Case(String label, Map<String, Object> scalars, Map<String, Tensor> tensors) {}

    public record Sample(Sizes sizes, List<Case> cases) {}

    private SampleCases() {}

    /**
     * The head dimensions models use besides 64 and 128 (test models, Phi-2, Phi-3-mini, Gemma, ...),
     * every one a multiple of 8 but most no power of two; issue 20.
     */
    public static final List<Integer> MODEL_HEAD_DIMS = List.of(16, 40, 80, 96, 112, 160, 256);
    /** The odd head dimension at which every sample runs on every backend. */
    public static final int SWEPT_HEAD_DIM = 40;
    /** Head dimensions the backward runs at besides the backward tests' 16 and 32, with {@link #BACKWARD_SAMPLES}. */
    public static final List<Integer> BACKWARD_HEAD_DIMS = List.of(40, 80);
    /** A soft-capped sliding window, documents (tensor-read mask), a learnable bias table (its gradient too). */
    public static final List<String> BACKWARD_SAMPLES = List.of("gemma2", "document_causal", "t5_bias");

    public static Sample of(String stem) {
        Sizes sizes = switch (stem) {
            case "document", "document_causal", "transfusion", "neighborhood_2d", "neighborhood_3d" -> SQUARE;
            default -> RAGGED;
        };
        return of(stem, sizes);
    }

    /**
     * {@link #of(String)} at head dimension {@code d}, with 2 query heads over 1 KV head to keep it
     * fast (the lengths stay: the grids and documents need them).
     */
    public static Sample of(String stem, int d) {
        Sizes s = of(stem).sizes();
        return of(stem, new Sizes(s.B(), 2, 1, s.Q_LEN(), s.KV_LEN(), d));
    }

    /**
     * {@link #of(String, int)} with value dimension {@code dv} (V's and O's last) beside key
     * dimension {@code d} (Q's and K's): DeepSeek's MLA prefill in small (issue 20).
     */
    public static Sample of(String stem, int d, int dv) {
        Sizes s = of(stem, d).sizes();
        return of(stem, new Sizes(s.B(), s.H(), s.H_KV(), s.Q_LEN(), s.KV_LEN(), d, dv));
    }

    /**
     * (D, DV) pairs: DV below and above D, neither a multiple of the other's tiles' widths alone, and
     * DeepSeek's MLA prefill (192 / 128).
     */
    public static final List<int[]> VALUE_DIM_PAIRS = List.of(new int[] {48, 32}, new int[] {32, 48}, new int[] {192, 128});

    /** One sample at one (D, DV) pair. */
    public record ValueDimCase(int d, int dv, Path sample) {
        public String label() {
            return "D = " + d + " DV = " + dv + " " + Repo.stem(sample);
        }
    }

    /**
     * The pairs of {@link #VALUE_DIM_PAIRS}: with {@code every}, every sample at every pair; else
     * (where each case is a slow kernel compile) every sample at one pair, in turn.
     */
    public static List<ValueDimCase> valueDimCases(List<Path> samples, boolean every) {
        List<ValueDimCase> out = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            for (int j = 0; j < VALUE_DIM_PAIRS.size(); j++) {
                int[] pair = VALUE_DIM_PAIRS.get(j);
                if (every || i % VALUE_DIM_PAIRS.size() == j) out.add(new ValueDimCase(pair[0], pair[1], samples.get(i)));
            }
        }
        return out;
    }

    /** One sample at one head dimension in one storage type. */
    public record HeadDimCase(int d, Path sample, DType dtype) {
        public String label() {
            return "D = " + d + " " + Repo.stem(sample) + " " + dtype;
        }
    }

    /**
     * What to test at the head dimensions of {@link #MODEL_HEAD_DIMS}: with {@code every}, every sample
     * at every one; else every sample at {@link #SWEPT_HEAD_DIM} and at one other in turn (each D
     * meets four samples), for backends whose kernels take seconds each to compile (PoCL). Float32
     * and float16 alternate, so each sample meets both types.
     */
    public static List<HeadDimCase> headDimCases(List<Path> samples, boolean every) {
        List<HeadDimCase> out = new ArrayList<>();
        List<Integer> others = MODEL_HEAD_DIMS.stream().filter(d -> d != SWEPT_HEAD_DIM).toList();
        for (int j = 0; j < samples.size(); j++) {
            for (int i = 0; i < MODEL_HEAD_DIMS.size(); i++) {
                int d = MODEL_HEAD_DIMS.get(i);
                if (every || d == SWEPT_HEAD_DIM || d == others.get(j % others.size())) {
                    out.add(new HeadDimCase(d, samples.get(j), (i + j) % 2 == 0 ? DType.F32 : DType.F16));
                }
            }
        }
        return out;
    }

    /**
     * Whether the backends whose kernels are slow to compile run every sample at every head
     * dimension and value dimension ({@code -Dattnc.test.everyDimension=true}; PoCL: about 20 minutes
     * on two cores), not the rotation CI runs.
     */
    public static boolean everyDimension() {
        return Boolean.getBoolean("attnc.test.everyDimension");
    }

    private static Sample of(String stem, Sizes sizes) {
        Recipes.Args recipe = Recipes.args(stem, sizes, SEED);
        List<Case> cases = new ArrayList<>();
        switch (stem) {
            // the grids must tile Q_LEN = 100 (the recipe's W = 128 fits the benchmark's S only)
            case "neighborhood_2d" -> {
                cases.add(new Case("defaults", Map.of("W", 10), recipe.tensors()));
                cases.add(new Case("small", Map.of("W", 10, "R", 1), recipe.tensors()));
            }
            case "neighborhood_3d" -> {
                Map<String, Object> grid = Map.of("T", 4, "H_", 5, "W_", 5);
                cases.add(new Case("defaults", grid, recipe.tensors()));
                cases.add(new Case("recipe", recipe.withScalars(grid).scalars(), recipe.tensors()));
            }
            default -> {
                if (WITH_DEFAULTS.contains(stem)) cases.add(new Case("defaults", Map.of(), recipe.tensors()));
                cases.add(new Case("recipe", recipe.scalars(), recipe.tensors()));
            }
        }
        // unit-scale test scores leave tanh almost linear under the recipe's cap of 30
        if (stem.equals("softcap") || stem.equals("alibi_softcap"))
            cases.add(new Case("small cap", recipe.withScalars(Map.of("cap", 1.5)).scalars(), recipe.tensors()));
        return new Sample(sizes, cases);
    }
}
