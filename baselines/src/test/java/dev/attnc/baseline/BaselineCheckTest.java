package dev.attnc.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.DType;
import dev.attnc.Target;
import dev.attnc.kernel.Sizes;
import dev.attnc.ffm.cuda.Cuda;
import dev.attnc.ffm.opencl.OpenCl;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The handwritten kernels against the reference interpreter, on ragged shapes: OpenCL here (PoCL), CUDA on the GPU machine. */
class BaselineCheckTest {
    static final List<Sizes> SHAPES = List.of(new Sizes(1, 2, 1, 70, 45, 16), new Sizes(2, 2, 2, 33, 100, 64));

    @Test
    void handwrittenOpenClMatchesTheReference() {
        assumeTrue(OpenCl.isAvailable() && !OpenCl.devices().isEmpty(), "no OpenCL device");
        assertEquals(0, BaselineCheck.run(Target.OPENCL, 0, List.of(DType.F32, DType.BF16), SHAPES));
    }

    @Test
    void handwrittenJavaMatchesTheReference() {
        assertEquals(0, BaselineCheck.run(Target.JAVA, 0, List.of(DType.F32, DType.F16), SHAPES));
    }

    /** mvn -Pgpu test -pl baselines -am on the GPU machine; also {@code BaselineCheck cuda} from the jar. */
    @Test
    @Tag("gpu")
    void handwrittenCudaMatchesTheReference() {
        assumeTrue(!Cuda.devices().isEmpty(), "no CUDA GPU");
        assertEquals(0, BaselineCheck.run(Target.CUDA, 0, List.of(DType.BF16, DType.F16), BaselineCheck.SHAPES));
    }
}
