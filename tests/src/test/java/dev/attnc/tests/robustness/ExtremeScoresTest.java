package dev.attnc.tests.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnc.AttentionKernel;
import dev.attnc.Attnc;
import dev.attnc.DType;
import dev.attnc.Inputs;
import dev.attnc.Program;
import dev.attnc.Result;
import dev.attnc.Target;
import dev.attnc.Tensor;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.kernel.Sizes;
import dev.attnc.testkit.ExtremeScores;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scores at the edges of float mean one thing on every backend, the reference's (PyTorch's):
 * finite scores near the float range are ordinary scores; a NaN kept score makes its row's O and
 * LSE NaN; a +inf one (without NaN) makes O NaN and LSE +inf; -inf is a dropped pair. The cases
 * are {@link ExtremeScores}'s (CUDA's: CudaExtremeScoresGpuTest in the GPU tests).
 */
class ExtremeScoresTest {
    private static final int Q_LEN = ExtremeScores.Q_LEN, KV_LEN = 40, D = 8;
    private static final String SOURCE = ExtremeScores.SOURCE;

    @ParameterizedTest
    @MethodSource("dev.attnc.tests.robustness.Backends#available")
    void everyBackendGivesTheReferencesMeaning(Target target) {
        Program program = Attnc.compile("given.attn", SOURCE);
        Tensor q = Tensor.random(DType.F32, 1, 1, 1, Q_LEN, D), k = Tensor.random(DType.F32, 2, 1, 1, KV_LEN, D),
                v = Tensor.random(DType.F32, 3, 1, 1, KV_LEN, D);
        Map<String, Object> args = Map.of("scores", Tensor.ofFloats(ExtremeScores.scores(KV_LEN), Q_LEN, KV_LEN));
        Sizes sizes = Inputs.sizes(q, k, v);
        Reference.Output want = Reference.run(program.ir(null), sizes, q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(),
                Inputs.bind(program.ir(null), sizes, args).bindings(), Reference.defaultScale(sizes));
        Result got;
        try (AttentionKernel kernel = program.kernel(null, target)) {
            got = kernel.run(q, k, v, args);
        }
        for (int row = 0; row < Q_LEN; row++) {
            assertClose(want.lse()[row], got.lse().getFloat(row), "LSE of row " + row);
            for (int x = 0; x < D; x++) assertClose(want.o()[row * D + x], got.o().getFloat(row * D + x), "O of row " + row);
        }
        assertEquals(Double.NaN, want.lse()[3], "the reference: a NaN row");
        assertEquals(Double.POSITIVE_INFINITY, want.lse()[4], "the reference: a +inf row");
        assertEquals(Double.NaN, want.o()[4 * D], "the reference: a +inf row");
    }

    /** NaN matches NaN, an infinity itself, a finite value within float rounding of its magnitude. */
    private static void assertClose(double want, float got, String what) {
        if (Double.isNaN(want) || Double.isInfinite(want)) {
            assertEquals(want, (double) got, what);
        } else {
            assertEquals(want, got, 1e-4 + 1e-5 * Math.abs(want), what);
        }
    }
}
