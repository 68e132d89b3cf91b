package dev.attnc.backend;

import dev.attnc.Tensor;

/** O [B,H,Q_LEN,D] in Q's dtype, LSE [B,H,Q_LEN] float32 (natural log), and the kernel's own time. */
public record RunOutputs(Tensor o, Tensor lse, long kernelNanos) {}
