package dev.attnc.backend;

import dev.attnc.compiler.codegen.c.ParamArg;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the device backward passes (OpenCL, CUDA) decide alike about parameter gradients and
 * arguments: how many elements a gradient has, whether its partial sums fit or atomics are taken,
 * and the fixed arguments of one kernel (those shared by all of them, plus its own plan and sizes).
 */
public final class ParamGradients {
    /**
     * The most bytes of partial sums one parameter may take; beyond it (or the device's own bound)
     * the parameters' gradients are added with atomics, as with {@code atomicParams}, and are then
     * not reproducible bit for bit. A table of 1024 elements read by 64K rows stays under it.
     */
    public static final long PARTIALS_LIMIT = 256L << 20;

    private ParamGradients() {}

    /** How many elements parameter {@code p}'s gradient has: its tensor's, or 1 for a scalar. */
    public static long elements(ParamArg p, RunInputs fwd) {
        return p.kind().isTensor() ? fwd.tensors().get(p.name()).elementCount() : 1;
    }

    /**
     * Whether the gradients go through atomics: asked for, or some parameter's partials ({@code slots}
     * rows of its elements, floats) pass min({@link #PARTIALS_LIMIT}, {@code deviceBytes} / 8). The
     * kernels add atomically for all parameters or none.
     */
    public static boolean atomic(boolean requested, List<ParamArg> withGradient, long slots, RunInputs fwd, long deviceBytes) {
        long limit = Math.min(PARTIALS_LIMIT, deviceBytes / 8);
        return requested || withGradient.stream().anyMatch(p -> slots * elements(p, fwd) * Float.BYTES > limit);
    }

    /** {@code shared}, then {@code more}: one map that holds every fixed argument a kernel may ask for by name. */
    public static Map<String, Object> with(Map<String, Object> shared, Map<String, Object> more) {
        Map<String, Object> all = new HashMap<>(shared);
        all.putAll(more);
        return all;
    }
}
