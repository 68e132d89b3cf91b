package dev.attnc.backend;

import dev.attnc.Tensor;
import dev.attnc.kernel.BlockPlan;

/**
 * One backward call's validated inputs: the forward call's ({@link RunInputs}, whose plan is the
 * forward block plan), the forward's O [B,H,Q_LEN,D] and LSE [B,H,Q_LEN] (float32, natural log),
 * dO of O's shape, dLSE of LSE's shape or null (no gradient flows into LSE), the block plan walked
 * by key tile ({@link BlockPlan#transposed()}), and whether parameter gradients may be summed with
 * atomics (faster where many pairs add into few elements, but not bit-for-bit reproducible).
 */
public record BackwardInputs(RunInputs forward, Tensor o, Tensor lse, Tensor dO, Tensor dLse, BlockPlan transposed,
        boolean atomicParams) {}
