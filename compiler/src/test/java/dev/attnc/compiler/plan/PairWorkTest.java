package dev.attnc.compiler.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnc.compiler.TestPrograms;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which variants' work per (query, key) pair is heavy: a transcendental or a tensor read that varies per pair. */
class PairWorkTest {
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "attention a() { }                                                          | false",
        "attention a() { mask = q >= kv }                                           | false",
        "attention a(slopes: float[H]) { score = score + slopes[h] * float(kv - q) } | false",
        "attention a(doc: int[KV_LEN]) { mask = doc[q] == doc[kv] }                 | false",
        "attention a(r: float[H]) { score = score - log(1.0 + r[h]) }               | false",
        "attention a(cap: float) { score = cap * tanh(score / cap) }                | true",
        "attention a() { score = score - log(1.0 + float(abs(q - kv))) }            | true",
        "attention a(bias: float[H, 2 * KV_LEN - 1]) { score = score + bias[h, kv - q + KV_LEN - 1] } | true",
    })
    void heavyMeansATranscendentalOrAGatherPerPair(String program, boolean heavy) {
        assertEquals(heavy, PairWork.heavy(TestPrograms.optimized(program)));
    }
}
