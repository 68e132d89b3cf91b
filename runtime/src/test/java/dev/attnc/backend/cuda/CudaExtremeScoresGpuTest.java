package dev.attnc.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import dev.attnc.ffm.cuda.Cuda;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import dev.attnc.testkit.ExtremeScores;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CUDA kernels give scores at the edges of float the meaning docs/reliability.md states for
 * them (the {@link ExtremeScores} cases, which java and opencl meet exactly in tests'
 * robustness.ExtremeScoresTest): the reference's, except that a row whose finite maximum times
 * log2 e overflows is NaN (O and LSE) instead of a softmax of huge scores, and a row with both +inf
 * and NaN has LSE +inf. Run with each engine ({@code -Dattnc.cuda.engine}) by the GPU test script.
 */
@Tag("gpu")
class CudaExtremeScoresGpuTest {
    private static final int KV_LEN = 40;

    @ParameterizedTest
    @ValueSource(ints = {32, 64})
    void everyRowMeansWhatTheReferenceSays(int d) throws Exception {
        assumeTrue(!Cuda.devices().isEmpty(), "no CUDA GPU here");
        Attention a = TestPrograms.optimized(ExtremeScores.SOURCE);
        Sizes s = new Sizes(1, 1, 1, ExtremeScores.Q_LEN, KV_LEN, d);
        Tensor q = Tensor.random(DType.F16, 1, 1, 1, s.Q_LEN(), d), k = Tensor.random(DType.F16, 2, 1, 1, KV_LEN, d),
                v = Tensor.random(DType.F16, 3, 1, 1, KV_LEN, d);
        float[] scores = ExtremeScores.scores(KV_LEN);
        Tensor given = Tensor.ofFloats(scores, s.Q_LEN(), KV_LEN);
        double[] asDoubles = new double[scores.length];
        for (int i = 0; i < scores.length; i++) asDoubles[i] = scores[i];
        Bindings bindings = new Bindings(Map.of(), Map.of("scores", TensorData.of(asDoubles, s.Q_LEN(), KV_LEN)));
        double scale = Reference.defaultScale(s);
        Reference.Output want = Reference.run(a, s, q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(), bindings, scale);
        try (CudaBackend backend = new CudaBackend(0, Files.createTempDirectory("attnc-cuda-extreme"))) {
            TilePlan tiles = backend.tilePlan(d);
            CudaKernel kernel = (CudaKernel) backend.compile(new KernelRequest(a, DType.F16, d, tiles));
            BlockPlan plan = BlockPlanner.plan(a, s, bindings, tiles.blockM(), tiles.blockN());
            RunOutputs got = kernel.run(new RunInputs(s, q, k, v, Map.of(), Map.of("scores", given), scale, plan));
            for (int row = 0; row < s.Q_LEN(); row++) {
                boolean overflows = overflows(scores, row);
                double lse = overflows ? Double.NaN : hasInfAndNaN(scores, row) ? Double.POSITIVE_INFINITY : want.lse()[row];
                assertClose(lse, got.lse().getFloat(row), "LSE of row " + row + " [" + kernel.describe() + "]");
                for (int x = 0; x < d; x++) {
                    assertClose(overflows ? Double.NaN : want.o()[row * d + x], got.o().getFloat(row * d + x),
                            "O of row " + row + " [" + kernel.describe() + "]");
                }
            }
        }
    }

    /** Whether the row's finite maximum (NaN ignored, as fmaxf does) overflows times log2 e. */
    private static boolean overflows(float[] scores, int row) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < KV_LEN; j++) max = Math.max(max, Float.isNaN(scores[row * KV_LEN + j]) ? max : scores[row * KV_LEN + j]);
        return Float.isFinite(max) && Float.isInfinite(max * (float) (1 / Math.log(2)));
    }

    private static boolean hasInfAndNaN(float[] scores, int row) {
        boolean inf = false, nan = false;
        for (int j = 0; j < KV_LEN; j++) {
            inf |= scores[row * KV_LEN + j] == Float.POSITIVE_INFINITY;
            nan |= Float.isNaN(scores[row * KV_LEN + j]);
        }
        return inf && nan;
    }

    /** NaN matches NaN, an infinity itself, a finite value within 16-bit P's rounding. */
    private static void assertClose(double want, float got, String what) {
        if (Double.isNaN(want) || Double.isInfinite(want)) {
            assertEquals(want, (double) got, what);
        } else {
            assertEquals(want, got, 1e-2 + 1e-5 * Math.abs(want), what);
        }
    }
}
