package dev.attnc;

import dev.attnc.kernel.BlockPlan;

/** O [B,H,Q_LEN,D] in Q's dtype, LSE [B,H,Q_LEN] float32 (natural log), the plan used and the kernel's time. */
public record Result(Tensor o, Tensor lse, BlockPlan plan, long kernelNanos) {}
