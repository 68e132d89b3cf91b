package dev.attnc.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.DType;
import dev.attnc.backend.DecodeCases;
import dev.attnc.backend.KernelRequest;
import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.opencl.OpenClCodegen;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.target.SplitKv;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The OpenCL backend at decode shapes ({@link DecodeCases}), deciding split-KV as a GPU of 132
 * compute units would (PoCL has this machine's 2, which 8 (b, h) work-groups already fill): the
 * decode steps run 2 to 8 splits and the combine.
 */
class OpenClDecodeTest {
    private static final int GPU_UNITS = 132;
    private static OpenClBackend backend;

    @BeforeAll
    static void start() {
        TestDevice.assumeAvailable();
        backend = new OpenClBackend(TestDevice.index(), TestDevice.cacheDir());
        backend.assumeComputeUnits(GPU_UNITS);
    }

    @AfterAll
    static void stop() {
        if (backend != null) backend.close();
    }

    @TestFactory
    Stream<DynamicTest> decodeShapesMatchTheReference() {
        TilePlan tiles = backend.tilePlan(DecodeCases.SHAPES.getFirst().D());
        return DecodeCases.tests(tiles, backend::compile);
    }

    /** A decode step with V and O of DV = 32 beside Q and K of D = 48, split over the key range. */
    @Test
    void aValueDimensionOtherThanDMatchesTheReference() {
        DecodeCases.checkValueDimension(backend.tilePlan(DecodeCases.VALUE_DIM_SHAPE.D()), backend::compile);
    }

    @Test
    void theDecodeShapesAreSplit() {
        // Q_LEN = 1 over 4099 keys in 64-key tiles: 65 kept tiles, 8 (b, h) work-groups
        assertTrue(SplitKv.splits(SplitKv.opencl(backend.computeUnits()), 8, 65) > 1);
        assertTrue(SplitKv.splits(SplitKv.opencl(backend.computeUnits()), 16, 16) > 1);
    }

    @Test
    void theSplitKernelIsItsOwnProgramAndThePrefillTextIsUnchanged() {
        Attention a = TestPrograms.sample("gpt_oss");
        TilePlan tiles = new TilePlan(64, 64, 4);
        String prefill = OpenClCodegen.generate(a, Storage.F32, 64, tiles).source();
        String split = OpenClCodegen.generate(a, Storage.F32, 64, tiles, true).source();
        assertFalse(prefill.contains("int splits") || prefill.contains("O_part") || prefill.contains("LSE_part"));
        assertTrue(split.contains("split == 0 && ") && split.contains("O_part[part * HEAD_DIM + d]"));
        assertTrue(split.contains(" " + OpenClCodegen.combineEntry("attnc_gpt_oss_local_split_kv") + "("), "the combine kernel beside it");
    }
}
