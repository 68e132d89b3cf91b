package dev.attnc;

import dev.attnc.backend.Backend;
import dev.attnc.backend.BackwardInputs;
import dev.attnc.backend.BackwardKernel;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.compiler.grad.Gradient;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.kernel.BlockPlan;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One attention on one backend. {@link #run} validates the inputs, builds (or reuses) the block
 * plan for their sizes and values, compiles the kernel for their dtype and head dimension once,
 * and runs it.
 */
public final class AttentionKernel implements AutoCloseable {
    private final Attention attention;
    private final Backend backend;
    private final boolean ownsBackend;
    private final Map<String, CompiledKernel> compiled = new ConcurrentHashMap<>();
    private final Map<String, BackwardKernel> backwardCompiled = new ConcurrentHashMap<>();

    AttentionKernel(Attention attention, Backend backend, boolean ownsBackend) {
        this.attention = attention;
        this.backend = backend;
        this.ownsBackend = ownsBackend;
    }

    public Attention attention() {
        return attention;
    }

    public Backend backend() {
        return backend;
    }

    /**
     * This attention on the same backend (which this kernel keeps owning), its backward computing no
     * gradient for {@code params}: values the caller keeps fixed, as PyTorch's tensors without
     * requires_grad (ALiBi's slopes, a soft-cap). The kernels then neither compute nor sum their
     * terms, and {@link Gradients#params()} leaves them out.
     */
    public AttentionKernel withoutGradients(Collection<String> params) {
        return params.isEmpty() ? this : new AttentionKernel(withoutGradients(attention, params), backend, false);
    }

    /**
     * {@code a} with no gradient for {@code params} ({@link Attention#withoutGradients}); each must be a
     * parameter that has one (a float parameter the score or the normalisation reads).
     */
    public static Attention withoutGradients(Attention a, Collection<String> params) {
        List<String> with = Gradient.ofBackward(a).parameters();
        for (String p : params) {
            if (!with.contains(p)) {
                throw new AttnInputException("no gradient to leave out for '" + p + "' in " + a.name() + ": "
                        + (with.isEmpty() ? "none of its parameters has one" : "those with one are " + String.join(", ", with)));
            }
        }
        return a.withoutGradients(params);
    }

    public Result run(Tensor q, Tensor k, Tensor v) {
        return run(q, k, v, Map.of());
    }

    public Result run(Tensor q, Tensor k, Tensor v, Map<String, ?> args) {
        return run(q, k, v, args, Double.NaN);
    }

    /** With an explicit softmax scale (NaN for the default 1/sqrt(D)), as FlexAttention's {@code scale}. */
    public Result run(Tensor q, Tensor k, Tensor v, Map<String, ?> args, double scale) {
        return run(prepare(q, k, v, args, scale));
    }

    public Result run(Prepared p) {
        RunOutputs out = p.kernel().run(p.inputs());
        return new Result(out.o(), out.lse(), p.inputs().plan(), out.kernelNanos());
    }

    /** Validated inputs with their plan and kernel, ready to run (benchmarks run them many times). */
    public record Prepared(CompiledKernel kernel, RunInputs inputs) {}

    public Prepared prepare(Tensor q, Tensor k, Tensor v, Map<String, ?> args, double scale) {
        return prepare(q, k, v, args, scale, null);
    }

    /**
     * {@link #run(Tensor, Tensor, Tensor, Map, double)} where sequence b attends to its first
     * {@code kvLens[b]} keys only (an int tensor [B], each in [0, KV_LEN]; null: all of them), as
     * FlashAttention's cache_seqlens: inside the score and the mask KV_LEN is that sequence's length.
     * K and V may be paged ({@link Tensor#paged}).
     */
    public Result run(Tensor q, Tensor k, Tensor v, Map<String, ?> args, double scale, Tensor kvLens) {
        return run(prepare(q, k, v, args, scale, kvLens));
    }

    /**
     * {@link #run(Tensor, Tensor, Tensor, Map, double, Tensor)} on tensors already on this kernel's
     * device: nothing is copied between host and device, and O and LSE are new device tensors (the
     * caller closes them). Parameters and {@code kvLens} stay host tensors: the plan reads them.
     */
    public DeviceResult run(DeviceTensor q, DeviceTensor k, DeviceTensor v, Map<String, ?> args, double scale, Tensor kvLens) {
        return run(q, k, v, args, scale, kvLens, null, null);
    }

    /**
     * As {@link #run(DeviceTensor, DeviceTensor, DeviceTensor, Map, double, Tensor)}, writing O (Q's dtype,
     * [B,H,Q_LEN,DV]) and LSE (float32, [B,H,Q_LEN]) into device tensors the caller gives (null: new ones),
     * so that a decode loop allocates nothing per step.
     */
    public DeviceResult run(DeviceTensor q, DeviceTensor k, DeviceTensor v, Map<String, ?> args, double scale, Tensor kvLens,
            DeviceTensor o, DeviceTensor lse) {
        return runResident(q, k, v, args, scale, kvLens, o, lse, false);
    }

    /**
     * As {@link #run(DeviceTensor, DeviceTensor, DeviceTensor, Map, double, Tensor, DeviceTensor, DeviceTensor)}, but
     * queued: returns once the call is on the device's queue, not when it has run, so that the host
     * prepares the next step (its block plan, binding and launch) while this one runs, as a decode loop
     * wants. O and LSE hold the result once the queue reaches them; a read-back ({@link DeviceTensor#toHost})
     * waits for that, and so does every later call that is not queued. The result's {@code kernelNanos} is
     * -1 (not timed). A fault of the kernel is reported by the next call that waits. Where the device is
     * the host (java, and OpenCL on a CPU), and on CUDA with another library's stream (whose order the
     * copies into device tensors do not follow), the call has run when this returns.
     */
    public DeviceResult enqueue(DeviceTensor q, DeviceTensor k, DeviceTensor v, Map<String, ?> args, double scale, Tensor kvLens,
            DeviceTensor o, DeviceTensor lse) {
        return runResident(q, k, v, args, scale, kvLens, o, lse, true);
    }

    private DeviceResult runResident(DeviceTensor q, DeviceTensor k, DeviceTensor v, Map<String, ?> args, double scale, Tensor kvLens,
            DeviceTensor o, DeviceTensor lse, boolean queued) {
        for (var t : Map.of("Q", q, "K", k, "V", v).entrySet()) onThisDevice(t.getKey(), t.getValue());
        Sizes sizes = Inputs.sizes(q.layout(), k.layout(), v.layout());
        long[] oShape = Inputs.outputShape(sizes), lseShape = {sizes.B(), sizes.H(), sizes.Q_LEN()};
        if (o != null) output("O", o, q.dtype(), oShape);
        if (lse != null) output("LSE", lse, DType.F32, lseShape);
        if (q.memory().hostSegment() != null) { // the device is the host: run on the memory where it lies
            Result r = run(q.hostView(), k.hostView(), v.hostView(), args, scale, kvLens);
            DeviceTensor oOut = o == null ? DeviceTensor.onHost(backend, r.o()) : o, lseOut = lse == null ? DeviceTensor.onHost(backend, r.lse()) : lse;
            if (o != null) o.copyFrom(r.o());
            if (lse != null) lse.copyFrom(r.lse());
            return new DeviceResult(oOut, lseOut, r.plan(), r.kernelNanos());
        }
        DeviceTensor oOut = o != null ? o : DeviceTensor.allocate(backend, q.dtype(), oShape);
        DeviceTensor lseOut = lse != null ? lse : DeviceTensor.allocate(backend, DType.F32, lseShape);
        try {
            Prepared p = prepare(q.layout(), k.layout(), v.layout(), args, scale, kvLens, new RunInputs.Resident(q, k, v, oOut, lseOut));
            RunOutputs out = queued ? p.kernel().enqueue(p.inputs()) : p.kernel().run(p.inputs());
            return new DeviceResult(oOut, lseOut, p.inputs().plan(), out.kernelNanos());
        } catch (RuntimeException e) {
            if (o == null) oOut.close();
            if (lse == null) lseOut.close();
            throw e;
        }
    }

    private void onThisDevice(String name, DeviceTensor t) {
        t.requireOpen();
        if (t.backend() != backend) {
            throw new AttnInputException(name + " lives on the " + t.backend().name() + " backend's device (" + t.backend().device()
                    + "), but this kernel runs on the " + backend.name() + " backend's (" + backend.device()
                    + "): run it there, or move it with toHost() and Tensor.to(backend)");
        }
    }

    private void output(String name, DeviceTensor t, DType dtype, long[] shape) {
        onThisDevice(name, t);
        if (t.dtype() != dtype || !java.util.Arrays.equals(t.shape(), shape)) {
            throw new AttnInputException(name + " must be " + dtype.displayName() + " " + Tensor.shapeString(shape) + ", but is "
                    + t.dtype().displayName() + " " + t.shapeString());
        }
        if (t.pages() != null || (name.equals("LSE") && (!t.isContiguous() || t.offset() != 0))) {
            throw new AttnInputException(name + " must be a dense device tensor" + (name.equals("O") ? " or a view, not paged" : ""));
        }
    }

    /** {@link #prepare(Tensor, Tensor, Tensor, Map, double)} with each sequence's KV_LEN (null: none); see {@link #run(Tensor, Tensor, Tensor, Map, double, Tensor)}. */
    public Prepared prepare(Tensor q, Tensor k, Tensor v, Map<String, ?> args, double scale, Tensor kvLens) {
        return prepare(q, k, v, args, scale, kvLens, null);
    }

    private Prepared prepare(Tensor q, Tensor k, Tensor v, Map<String, ?> args, double scale, Tensor kvLens, RunInputs.Resident resident) {
        if (Double.isInfinite(scale)) throw new AttnInputException("the softmax scale must be finite (NaN for the default), but is " + scale);
        Sizes sizes = Inputs.sizes(q, k, v);
        checkSupported(sizes, q.dtype());
        int[] lens = Inputs.sequenceLengths(sizes, k, v, kvLens);
        if (lens != null || k.paging() != null || v.paging() != null) {
            String why = backend.unsupportedRagged(sizes);
            if (why != null) throw new AttnInputException(why);
        }
        Inputs.Bound bound = Inputs.bind(attention, sizes, args);
        Backend.Planned planned = backend.plan(attention, q.dtype(), sizes.D(), t -> Plans.plan(attention, sizes, bound, t, lens));
        TilePlan tiles = planned.tiles();
        BlockPlan plan = planned.plan();
        CompiledKernel kernel = compiled.computeIfAbsent(q.dtype() + "/" + sizes.D() + "/" + sizes.DV() + "/" + tiles.describe(),
                key -> backend.compile(new KernelRequest(attention, q.dtype(), sizes.D(), sizes.DV(), tiles)));
        double s = Double.isNaN(scale) ? Reference.defaultScale(sizes) : scale;
        return new Prepared(kernel, new RunInputs(sizes, q, k, v, bound.scalars(), bound.tensors(), s, plan, lens, resident));
    }

    private static final String RAGGED_BACKWARD =
            "the backward pass of a call with paged K/V or per-sequence lengths (kvLens) is not supported yet";

    /**
     * Throws, with the backend's reason, when it cannot run the backward pass of this prepared call
     * (its head dimension, its memory, its normalisation): for a caller that runs the forward first
     * and wants to know before it does ({@code attnc run --dout}).
     */
    public void checkBackwardSupported(Prepared p) {
        backend.requireBackward(attention);
        if (p.inputs().ragged()) throw new AttnInputException(RAGGED_BACKWARD);
        long paramFloats = p.inputs().scalars().values().stream().filter(x -> x instanceof Double).count()
                + p.inputs().tensors().values().stream().filter(t -> t.dtype().isFloat()).mapToLong(Tensor::elementCount).sum();
        String why = backend.unsupportedBackward(p.inputs().sizes(), p.inputs().q().dtype(), p.kernel().request().tiles(), paramFloats);
        if (why != null) throw new AttnInputException(why);
    }

    /**
     * The backward pass of {@link #run}: given the call's inputs, the forward's O and LSE, and dO (the
     * gradient of the loss with respect to O; O's shape), returns dQ, dK, dV and the gradient of every
     * float parameter the score reads ({@link Gradients}). {@code dLse} (LSE's shape, float32) is the
     * gradient with respect to LSE, or null for none. Parameter gradients are summed in a fixed
     * order (reproducible bit for bit) unless {@code atomicParams}.
     */
    public Gradients backward(Tensor q, Tensor k, Tensor v, Map<String, ?> args, double scale, Tensor o, Tensor lse, Tensor dO,
            Tensor dLse, boolean atomicParams) {
        backend.requireBackward(attention); // before the forward work that prepare does
        if (k.paging() != null || v.paging() != null) throw new AttnInputException(RAGGED_BACKWARD);
        Prepared p = prepare(q, k, v, args, scale);
        Sizes sizes = p.inputs().sizes();
        Inputs.checkBackward(sizes, q, o, lse, dO, dLse);
        checkBackwardSupported(p);
        BackwardKernel kernel = backwardCompiled.computeIfAbsent(p.kernel().request().dtype() + "/" + sizes.D() + "/" + sizes.DV() + "/"
                + p.kernel().request().tiles().describe(), key -> backend.compileBackward(p.kernel().request()));
        RunInputs in = p.inputs();
        TilePlan tiles = backend.backwardTiles(p.kernel().request().tiles());
        if (tiles.blockM() != in.plan().blockM || tiles.blockN() != in.plan().blockN) {
            // the backward's own tiles: their plan through the same content-keyed cache as the forward's
            BlockPlan plan = Plans.plan(attention, sizes, new Inputs.Bound(in.scalars(), in.tensors()), tiles, null);
            in = new RunInputs(sizes, in.q(), in.k(), in.v(), in.scalars(), in.tensors(), in.scale(), plan);
        }
        return kernel.run(new BackwardInputs(in, o, lse, dO, dLse, in.plan().transposed(), atomicParams));
    }

    /** {@link #backward(Tensor, Tensor, Tensor, Map, double, Tensor, Tensor, Tensor, Tensor, boolean)} with the default scale, no dLSE, deterministic. */
    public Gradients backward(Tensor q, Tensor k, Tensor v, Map<String, ?> args, Tensor o, Tensor lse, Tensor dO) {
        return backward(q, k, v, args, Double.NaN, o, lse, dO, null, false);
    }

    /**
     * Refuses, before anything is allocated or compiled, a call this kernel's backend cannot run:
     * a head dimension it does not support, inputs beyond its memory ({@link Backend#unsupported}).
     */
    public void checkSupported(Sizes sizes, DType storage) {
        String why = backend.unsupported(sizes, storage);
        if (why != null) throw new AttnInputException(why);
    }

    /**
     * Times the backend's candidate tile plans on these inputs and remembers the fastest correct
     * one for this attention's variant class, head dimension and dtype on this device; later calls
     * (of this or any attention of the class) use it. See {@link Autotuner}.
     */
    public Autotuner.Outcome tune(Tensor q, Tensor k, Tensor v, Map<String, ?> args, int runs) {
        return Autotuner.tune(attention, backend, q, k, v, args, runs);
    }

    @Override
    public void close() {
        if (ownsBackend) backend.close();
    }
}
