package dev.attnc.backend.opencl;

import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.kernel.BlockPlan;

/** How the OpenCL kernel finds its plan row: the strides of b and h into the plan (BlockPlan.checkFits checks the plan). */
final class PlanCheck {
    private PlanCheck() {}

    /** The plan row stride of b and of h (a plan that does not vary with one has stride 0 there). */
    static int[] strides(BlockPlan p) {
        int perBatch = p.perHead ? p.heads : 1;
        return new int[] {p.perBatch ? perBatch : 0, p.perHead ? 1 : 0};
    }

}
