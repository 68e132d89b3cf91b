package dev.attnc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.grad.Gradient;
import dev.attnc.compiler.ir.Attention;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which learned tables are read at a function of kv − q alone (one element per diagonal of a tile). */
class DiagonalIndexTest {
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "bias[h, kv - q + KV_LEN - 1]       | true",   // Shaw's relative bias
            "bias[h, q - kv + KV_LEN - 1]       | true",   // the other sign
            "bias[h, 2 * (kv - q) + KV_LEN]     | true",   // every other element
            "bias[h, min(max(kv - q, 0), 7)]    | true",   // a clamp of the distance (a window's table)
            "bias[h, abs(kv - q) / 8]           | true",   // buckets of the distance, as T5's
            "bias[h, kv + q]                    | false",  // an anti-diagonal
            "bias[h, min(kv, 7) - q]            | false",  // a clamp of one position only
            "bias[h, kv]                        | false",  // per key: a column of the tile
            "bias[h, 2 * kv - q]                | false",
            "bias[h, 0]                         | false",  // one element per head: not a diagonal's
            "bias[h, clamp(int(score), 0, 7)]   | false",  // read at the score: per pair
    })
    void aTableReadAtTheDistanceIsReadPerDiagonal(String read, boolean diagonal) {
        Attention a = TestPrograms.optimized("attention t(bias: float[H, 2 * KV_LEN + 1]) { score = score + " + read + " }");
        Gradient g = Gradient.ofBackward(a);
        assertEquals(1, g.tensors().size(), "one read of the table");
        assertEquals(diagonal, DiagonalIndex.of(g.tensors().getFirst().load()));
    }
}
