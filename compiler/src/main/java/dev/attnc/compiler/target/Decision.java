package dev.attnc.compiler.target;

import dev.attnc.compiler.codegen.cuda.CudaCodegen;
import dev.attnc.compiler.plan.TilePlan;
import java.util.List;

/** What the {@link TargetPolicy} decided for one kernel: its tiles and how its source is generated and built. */
public sealed interface Decision {
    TilePlan tiles();

    /** Generated Java at these tiles, compiled in memory by javac. */
    record Java(TilePlan tiles) implements Decision {}

    /** OpenCL C at these tiles, built with {@code buildOptions}. */
    record OpenCl(TilePlan tiles, String buildOptions) implements Decision {}

    /**
     * CUDA C++ at these tiles with these code-generation options (engine, stages, schedule,
     * min-blocks), compiled by NVRTC for {@code arch} with {@code nvrtcFlags} (the architecture
     * flag included).
     */
    record Cuda(TilePlan tiles, CudaCodegen.Options options, String arch, List<String> nvrtcFlags) implements Decision {
        public Cuda {
            nvrtcFlags = List.copyOf(nvrtcFlags);
        }
    }
}
