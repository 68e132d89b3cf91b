package dev.attnc.backend;

import dev.attnc.DType;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;

/** What to compile: an optimized attention for one storage dtype, head dimension and tile plan. */
public record KernelRequest(Attention attention, DType dtype, int headDim, TilePlan tiles) {}
