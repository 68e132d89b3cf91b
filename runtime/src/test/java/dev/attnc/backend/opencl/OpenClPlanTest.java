package dev.attnc.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.sparsity.ExactTiles;
import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.TileKind;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the kernel does with each kind of tile: EMPTY tiles are never visited, FULL tiles run no
 * mask code (a plan that lies about it shows), PARTIAL tiles evaluate the mask; rows that keep
 * nothing give O = 0 and LSE = -inf; plans that do not fit are refused before the launch.
 */
class OpenClPlanTest {
    static final Sizes S = new Sizes(1, 2, 1, 45, 70, 16);

    static Attention attention(String text) {
        return Compilation.of(new SourceFile("t.attn", text)).orThrow().optimized(null);
    }

    record Setup(CompiledKernel kernel, TilePlan tiles, Tensor q, Tensor k, Tensor v) {
        RunOutputs run(BlockPlan plan) {
            return kernel.run(new RunInputs(S, q, k, v, Map.of(), Map.of(), 0.25, plan));
        }

        Reference.Output reference(Attention a) {
            return Reference.run(a, S, q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(), Bindings.none(), 0.25);
        }
    }

    static Setup setup(Attention a) {
        OpenClBackend backend = TestDevice.backend();
        TilePlan tiles = backend.tilePlan(S.D());
        CompiledKernel kernel = backend.compile(new KernelRequest(a, DType.F32, S.D(), tiles));
        return new Setup(kernel, tiles, Tensor.random(DType.F32, 4, S.B(), S.H(), S.Q_LEN(), S.D()),
                Tensor.random(DType.F32, 5, S.B(), S.H_KV(), S.KV_LEN(), S.D()), Tensor.random(DType.F32, 6, S.B(), S.H_KV(), S.KV_LEN(), S.D()));
    }

    static BlockPlan uniform(TilePlan t, TileKind kind) {
        BlockPlan.Builder b = new BlockPlan.Builder(t.blockM(), t.blockN(), S.Q_LEN(), S.KV_LEN(), false, false, S.H(), "test");
        for (int qt = 0; qt < b.qTiles(); qt++) b.run(0, b.kvTiles(), kind).endRow();
        return b.build();
    }

    @Test
    void fullTilesRunNoMaskCode() {
        Attention causal = attention("attention c { mask = q >= kv }");
        Setup s = setup(causal);
        // a plan that calls every tile FULL makes causal attention full attention: the mask never ran
        Outputs.assertClose(s.reference(attention("attention f {}")), s.run(uniform(s.tiles(), TileKind.FULL)), DType.F32, "all FULL");
        Outputs.assertClose(s.reference(causal), s.run(uniform(s.tiles(), TileKind.PARTIAL)), DType.F32, "all PARTIAL");
    }

    @Test
    void emptyTilesAreNeverVisited() {
        Setup s = setup(attention("attention f {}"));
        BlockPlan none = uniform(s.tiles(), TileKind.EMPTY);
        assertEquals(0, none.runStart.length);
        RunOutputs out = s.run(none);
        for (double o : out.o().toDoubleArray()) assertEquals(0.0, o);
        for (double l : out.lse().toDoubleArray()) assertEquals(Double.NEGATIVE_INFINITY, l);
    }

    @Test
    void theBruteForcePlanSkipsTilesAndMatchesTheReference() {
        Attention a = attention("attention w { mask = q >= kv && q - kv <= 20 }");
        Setup s = setup(a);
        BlockPlan plan = ExactTiles.plan(a, S, Bindings.none(), s.tiles().blockM(), s.tiles().blockN(), false);
        long[] counts = plan.counts();
        assertTrue(counts[0] > 0 && counts[2] > 0, "EMPTY and PARTIAL tiles: " + java.util.Arrays.toString(counts));
        Outputs.assertClose(s.reference(a), s.run(plan), DType.F32, "sliding window");
        // no plan: the kernel walks every tile as PARTIAL
        Outputs.assertClose(s.reference(a), s.run(null), DType.F32, "no plan");
    }

    @Test
    void rowsThatKeepNothingGiveZeroAndMinusInfinity() {
        // odd rows keep nothing; even rows keep every third key
        Attention a = attention("attention r { mask = q % 2 == 0 && kv % 3 == 0 }");
        Setup s = setup(a);
        RunOutputs out = s.run(uniform(s.tiles(), TileKind.PARTIAL));
        Reference.Output want = s.reference(a);
        Outputs.assertClose(want, out, DType.F32, "empty rows");
        assertEquals(Double.NEGATIVE_INFINITY, out.lse().getDouble(1));
        assertEquals(0.0, out.o().getDouble(S.D()));
    }

    @Test
    void keptScoresOfMinusInfinityCountAsNothing() {
        Attention a = attention("attention m { score = q >= kv ? score : log(0.0) }");
        Setup s = setup(a);
        Outputs.assertClose(s.reference(a), s.run(uniform(s.tiles(), TileKind.FULL)), DType.F32, "score -inf");
    }

    /** D = 24 takes 8-wide vectors in the dot product, D = 5 plain floats. */
    @Test
    void headDimensionsThatAreNotMultiplesOf16() {
        Attention a = attention("attention c { score = score * 0.5\n mask = q >= kv }");
        OpenClBackend backend = TestDevice.backend();
        for (int d : new int[] {24, 5}) {
            Sizes s = new Sizes(1, 2, 2, 19, 23, d);
            var kernel = backend.compile(new KernelRequest(a, DType.F16, d, backend.tilePlan(d)));
            assertTrue(kernel.source().contains(d == 5 ? "float acc = 0.0f;" : "float8 acc = 0.0f;"));
            Tensor q = Tensor.random(DType.F16, 7, 1, 2, 19, d), k = Tensor.random(DType.F16, 8, 1, 2, 23, d), v = Tensor.random(DType.F16, 9, 1, 2, 23, d);
            var want = Reference.run(a, s, q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(), Bindings.none(), 0.3);
            Outputs.assertClose(want, kernel.run(new RunInputs(s, q, k, v, Map.of(), Map.of(), 0.3, null)), DType.F16, "D = " + d);
        }
    }

    @Test
    void plansThatDoNotFitAreRefused() {
        Setup s = setup(attention("attention f {}"));
        TilePlan t = s.tiles();
        var wrongTiles = BlockPlan.dense(t.blockM() * 2, t.blockN(), S.Q_LEN(), S.KV_LEN(), true);
        assertThrows(IllegalArgumentException.class, () -> s.run(wrongTiles));
        var wrongLength = BlockPlan.dense(t.blockM(), t.blockN(), S.Q_LEN() + t.blockM(), S.KV_LEN(), true);
        assertThrows(IllegalArgumentException.class, () -> s.run(wrongLength));
        BlockPlan good = uniform(t, TileKind.FULL);
        int[] end = good.runEnd.clone();
        end[0] = good.kvTiles + 1;
        var pastTheEnd = new BlockPlan(good.blockM, good.blockN, good.qTiles, good.kvTiles, false, false, S.H(), "bad",
                good.runOffsets, good.runStart, end, good.runPartial);
        var e = assertThrows(IllegalArgumentException.class, () -> s.run(pastTheEnd));
        assertTrue(e.getMessage().contains("run 0"), e.getMessage());
    }
}
