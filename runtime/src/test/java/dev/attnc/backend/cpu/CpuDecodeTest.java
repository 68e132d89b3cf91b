package dev.attnc.backend.cpu;

import dev.attnc.backend.DecodeCases;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The Java backend at decode shapes ({@link DecodeCases}) on a pool of 64 workers: 8 to 16
 * (b, h) tasks cannot fill it, so the policy splits the key range (2 to 8 ways) and the last split
 * of each query tile combines the partials.
 */
class CpuDecodeTest {
    private static CpuBackend backend;

    @BeforeAll
    static void start() {
        backend = new CpuBackend(new KernelCache(null), 64);
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    @TestFactory
    Stream<DynamicTest> decodeShapesMatchTheReference() {
        return DecodeCases.tests(backend.tilePlan(DecodeCases.SHAPES.getFirst().D()), backend::compile);
    }

    /** A decode step with V and O of DV = 32 beside Q and K of D = 48, split over the key range. */
    @Test
    void aValueDimensionOtherThanDMatchesTheReference() {
        DecodeCases.checkValueDimension(backend.tilePlan(DecodeCases.VALUE_DIM_SHAPE.D()), backend::compile);
    }
}
