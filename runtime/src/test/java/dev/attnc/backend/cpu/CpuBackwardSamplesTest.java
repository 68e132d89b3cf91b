package dev.attnc.backend.cpu;

import dev.attnc.DType;
import dev.attnc.backend.opencl.SampleCases;
import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.testkit.Repo;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every sample's backward pass on the Java backend against the reference backward, with each of
 * its cases' arguments (SampleCases: ragged lengths, grouped-query heads), float32, with the exact
 * block plan (EMPTY, FULL and PARTIAL tiles: the mask runs on PARTIAL ones only).
 */
class CpuBackwardSamplesTest {
    private static CpuBackend backend;

    @BeforeAll
    static void start() {
        backend = new CpuBackend(new KernelCache(null), 2);
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    @TestFactory
    Stream<DynamicTest> everySampleMatchesTheReferenceBackward() {
        return Repo.samples().stream().map(p -> DynamicTest.dynamicTest(Repo.stem(p), () -> check(p)));
    }

    private static void check(Path sample) {
        Attention a = TestPrograms.sample(sample);
        SampleCases.Sample sm = SampleCases.of(Repo.stem(sample));
        for (SampleCases.Case c : sm.cases()) {
            BackwardCheck f = new BackwardCheck(a, sm.sizes(), DType.F32, c.scalars(), c.tensors(), backend.tilePlan(sm.sizes().D()));
            BlockPlan plan = f.exactPlan();
            f.check(backend, plan, false, Repo.stem(sample) + " " + c.label());
        }
    }
}
