package dev.attnc.backend.cuda;

import dev.attnc.backend.Recipes;
import dev.attnc.compiler.TestPrograms;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.testkit.Repo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The samples of samples/*.attn with arguments for any sizes, from samples/recipes.json (sorted
 * document ids, ALiBi slopes, lengths with an empty batch element...), the benchmark's recipes.
 */
final class CudaCases {
    private CudaCases() {}

    record Sample(String stem, Attention attention, boolean square) {}

    static List<Sample> samples() {
        List<Sample> out = new ArrayList<>();
        for (Path f : Repo.samples()) out.add(new Sample(Repo.stem(f), TestPrograms.sample(f), needsSquare(Repo.stem(f))));
        return out;
    }

    /** Samples indexed by q and kv alike (documents, images, grids) run with Q_LEN == KV_LEN. */
    static boolean needsSquare(String stem) {
        return switch (stem) {
            case "document", "document_causal", "transfusion", "neighborhood_2d", "neighborhood_3d" -> true;
            default -> false;
        };
    }

    /**
     * Arguments for a sample at these sizes (seeded: the same sizes give the same arguments):
     * samples/recipes.json's, with two documented overrides. The grids' widths must divide the test's
     * Q_LEN (the recipe's W = 128 fits the benchmark's S only), and soft-caps are small because the
     * test's scores are of unit scale, where the recipe's cap of 30 leaves tanh almost linear.
     */
    static Recipes.Args args(String stem, Sizes s, long seed) {
        Recipes.Args r = Recipes.args(stem, s, seed);
        r = switch (stem) {
            case "alibi_softcap" -> r.withScalars(Map.of("cap", 2.0));
            case "softcap" -> r.withScalars(Map.of("cap", 1.5));
            case "neighborhood_2d" -> r.withScalars(Map.of("W", divisor(s.Q_LEN(), 10), "R", 2));
            case "neighborhood_3d" -> {
                int w = divisor(s.Q_LEN(), 5);
                int rest = s.Q_LEN() / w;
                int hh = divisor(rest, 5);
                yield r.withScalars(Map.of("T", rest / hh, "H_", hh, "W_", w));
            }
            default -> r;
        };
        return r;
    }

    private static int divisor(int n, int near) {
        for (int d = near; d > 1; d--) if (n % d == 0) return d;
        return 1;
    }
}
