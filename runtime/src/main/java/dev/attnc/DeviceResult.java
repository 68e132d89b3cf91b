package dev.attnc;

import dev.attnc.kernel.BlockPlan;

/**
 * O [B,H,Q_LEN,D] in Q's dtype and LSE [B,H,Q_LEN] float32 (natural log) of a call on device tensors,
 * on the same device (read back with {@link DeviceTensor#toHost}); the plan used and the kernel's time
 * in nanoseconds (-1 for a queued call, {@link AttentionKernel#enqueue}, which is not timed).
 */
public record DeviceResult(DeviceTensor o, DeviceTensor lse, BlockPlan plan, long kernelNanos) {}
