package dev.attnc.cli.bench;

import dev.attnc.KeptPairs;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnc.Attnc;
import dev.attnc.Inputs;
import dev.attnc.Tensor;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Evaluator;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import dev.attnc.testkit.Repo;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Kept pairs from the plan (PARTIAL tiles evaluated, FULL counted) equal brute force over every pair. */
class KeptPairsTest {
    @ParameterizedTest(name = "{0} {1}x{2} tiles, Q_LEN {3}, KV_LEN {4}")
    @CsvSource({
        "full, 16, 16, 40, 40", "causal, 16, 8, 40, 40", "causal, 8, 16, 37, 53", "causal, 16, 16, 53, 37",
        "sliding_window, 8, 8, 61, 61", "prefix_lm, 16, 8, 45, 45", "document, 8, 8, 50, 50",
        "document_causal, 16, 16, 50, 50", "neighborhood_2d, 8, 16, 64, 64", "padding, 8, 8, 30, 33", "alibi, 16, 16, 33, 33"})
    void countsEveryKeptPair(String sample, int bm, int bn, int qLen, int kvLen) throws IOException {
        Attention a = Attnc.compile(Repo.sample(sample)).ir(null);
        Sizes s = new Sizes(3, 2, 1, qLen, kvLen, 16);
        Bindings bindings = Inputs.bind(a, s, args(sample, s)).bindings();
        BlockPlan plan = BlockPlanner.plan(a, s, bindings, bm, bn);
        assertEquals(bruteForce(a, s, bindings), KeptPairs.count(a, s, bindings, plan));
    }

    private static Map<String, Object> args(String sample, Sizes s) {
        return switch (sample) {
            case "sliding_window" -> Map.of("window", 5);
            case "prefix_lm" -> Map.of("prefix", 7);
            case "neighborhood_2d" -> Map.of("W", 8, "R", 1);
            case "alibi" -> Map.of("slopes", Tensor.ofFloats(new float[] {0.5f, 0.25f}, s.H()));
            case "padding" -> Map.of("lengths", Tensor.ofInts(new int[] {30, 0, 17}, s.B()));
            case "document", "document_causal" -> {
                int[] doc = new int[s.KV_LEN()];
                for (int i = 0; i < doc.length; i++) doc[i] = i / 11 + (i > 30 ? 1 : 0);
                yield Map.of("doc", Tensor.ofInts(doc, s.KV_LEN()));
            }
            default -> Map.of();
        };
    }

    /** Every pair, one by one. */
    private static long bruteForce(Attention a, Sizes s, Bindings bindings) {
        Evaluator ev = new Evaluator(s, bindings.complete(a));
        long kept = 0;
        for (int b = 0; b < s.B(); b++)
            for (int h = 0; h < s.H(); h++)
                for (int q = 0; q < s.Q_LEN(); q++)
                    for (int kv = 0; kv < s.KV_LEN(); kv++)
                        if (ev.at(b, h, q, kv, 0).evalBool(a.mask())) kept++;
        return kept;
    }
}
