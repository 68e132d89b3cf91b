package dev.attnc.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.kernel.Sizes;
import dev.attnc.testkit.Repo;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecipesTest {
    private static final Sizes BENCH = new Sizes(2, 16, 16, 8192, 8192, 128);
    /** neighborhood_3d's grid (T, H_, W_) must factor each test's Q_LEN: the tests choose it. */
    private static final Set<String> CHOSEN_BY_TESTS = Set.of("T", "H_", "W_");

    @Test
    void theRecipesAreTheBenchmarksValues() {
        assertEquals(Map.of("window", 1024), Recipes.args("sliding_window", BENCH, 1).scalars());
        assertEquals(Map.of("prefix", 2048), Recipes.args("prefix_lm", BENCH, 1).scalars());
        assertEquals(Map.of("cap", 30.0), Recipes.args("softcap", BENCH, 1).scalars());
        assertEquals(Map.of("W", 128, "R", 6), Recipes.args("neighborhood_2d", BENCH, 1).scalars());
        assertEquals(256, SizeExpr.eval("max(1, KV_LEN / 32)", BENCH));
    }

    @Test
    void sizeExpressionsFloorDivideAsPythonDoes() {
        Sizes s = new Sizes(1, 4, 4, 7, 9, 64);
        assertEquals(-4, SizeExpr.eval("-7 / 2", s));
        assertEquals(17, SizeExpr.eval("2 * S - 1", s));
        assertEquals(1, SizeExpr.eval("max(1, Q_LEN / 32)", s));
        assertEquals(7, SizeExpr.eval("(H + 3) * D / 64 / (Q_LEN - 6)", s));
    }

    @Test
    void documentsAreSortedRunsWithinTheBounds() {
        double[] ids = Recipes.args("document", BENCH, 3).tensors().get("doc").toDoubleArray();
        assertEquals(8192, ids.length);
        int run = 1;
        for (int i = 1; i < ids.length; i++) {
            assertTrue(ids[i] == ids[i - 1] || ids[i] == ids[i - 1] + 1, "sorted ids");
            if (ids[i] == ids[i - 1]) run++;
            else { assertTrue(run >= 256 && run <= 2048, "run of " + run); run = 1; }
        }
    }

    /** Each recipe names parameters of its sample, and every parameter without a default has one. */
    @Test
    void everySamplesParametersHaveRecipes() {
        for (Path f : Repo.samples()) {
            Attention a = TestPrograms.sample(f);
            Recipes.Args args = Recipes.args(Repo.stem(f), new Sizes(2, 4, 2, 64, 64, 64), 1);
            Set<String> given = new HashSet<>(args.scalars().keySet());
            given.addAll(args.tensors().keySet());
            Set<String> declared = new HashSet<>();
            for (ParamDecl p : a.params()) {
                declared.add(p.name());
                boolean required = switch (p) {
                    case ParamDecl.Scalar sc -> sc.defaultValue() == null && !CHOSEN_BY_TESTS.contains(sc.name());
                    case ParamDecl.Tensor t -> true;
                };
                assertTrue(!required || given.contains(p.name()), Repo.stem(f) + ": no recipe for " + p.name());
            }
            assertTrue(declared.containsAll(given), Repo.stem(f) + ": recipes for " + given + ", parameters " + declared);
        }
    }
}
