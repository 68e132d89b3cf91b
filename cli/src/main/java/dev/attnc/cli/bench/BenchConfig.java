package dev.attnc.cli.bench;

import dev.attnc.DType;
import dev.attnc.Target;
import dev.attnc.kernel.Sizes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@code attnc bench} was asked to do.
 *
 * @param warmupSeconds the least wall time of warm-up runs (besides at least {@code warmup} of them)
 * @param args {@code --arg} values; each variant takes those it declares
 * @param randomArgs fills the tensor arguments not given with random data (a benchmark needs some data)
 * @param randomArgsAsked whether the user asked for that ({@code --random-args}); if not, each fill is noted
 * @param checkLimit the largest B·H·Q_LEN·KV_LEN·D checked at full size; larger shapes are checked
 *     with Q_LEN and KV_LEN cut to {@code checkLength} (the reference interpreter is slow)
 * @param dumpInputs where to write the inputs and attnc's outputs for the PyTorch peers, or null
 * @param backward also time the backward pass and forward + backward ({@link BackwardCase})
 */
public record BenchConfig(List<Variant> variants, List<Sizes> shapes, Target target, int device, DType dtype, int warmup,
        double warmupSeconds, int runs, Map<String, Object> args, ArgFiller randomArgs, boolean randomArgsAsked,
        boolean baselines, long seed, long checkLimit,
        int checkLength, Path dumpInputs, boolean backward) {}
