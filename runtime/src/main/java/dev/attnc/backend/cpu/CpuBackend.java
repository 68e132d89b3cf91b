package dev.attnc.backend.cpu;

import dev.attnc.DType;
import dev.attnc.kernel.Sizes;
import dev.attnc.backend.Capacity;
import com.palantir.javapoet.JavaFile;
import dev.attnc.backend.Backend;
import dev.attnc.backend.BackendPolicy;
import dev.attnc.backend.BackwardKernel;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.kernel.cpu.BackwardCall;
import dev.attnc.kernel.cpu.Gemm;
import dev.attnc.compiler.target.BackendOptions;
import dev.attnc.compiler.target.DeviceCaps;
import dev.attnc.compiler.codegen.java.JavaKernelGenerator;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.plan.TilePlans;
import java.util.concurrent.ForkJoinPool;

/**
 * The CPU backend: generated Java (one fused kernel per variant, vectorized with the Vector API),
 * compiled in memory by javac, cached by {@link KernelCache}, run on a ForkJoinPool of its own.
 */
public final class CpuBackend implements Backend {
    private final KernelCache cache;
    private final ForkJoinPool pool;
    private final BackendPolicy policy = BackendPolicy.untuned(new DeviceCaps.Cpu(), BackendOptions.fromSystemProperties());

    /** All cores, and the cache that {@link KernelCache#fromEnvironment} names. */
    public CpuBackend() {
        this(KernelCache.fromEnvironment(), Runtime.getRuntime().availableProcessors());
    }

    public CpuBackend(KernelCache cache, int threads) {
        this.cache = cache;
        this.pool = new ForkJoinPool(threads);
    }

    /** The largest head dimension: beyond it a tile's rows no longer fit the caches the kernel is tiled for. */
    static final int MAX_HEAD_DIM = 1024;

    @Override
    public String name() {
        return "java";
    }

    /** Host memory: {@code host} itself when given (a device tensor on the CPU is its host tensor), else new zeroed memory. */
    @Override
    public dev.attnc.backend.DeviceMemory allocate(long bytes, java.lang.foreign.MemorySegment host) {
        return new HostMemory(this, bytes, host);
    }

    @Override
    public String device() {
        return "CPU (" + pool.getParallelism() + " cores, Vector API " + Gemm.LANES * Float.SIZE + "-bit)";
    }

    /** The tiles: {@link dev.attnc.compiler.target.TargetPolicy}'s 64 × 64 (TilePlans.java has the measurements). */
    @Override
    public BackendPolicy policy() {
        return policy;
    }

    /**
     * D up to {@value #MAX_HEAD_DIM}; Q, K, V and O as float arrays on the heap, K and V once more
     * packed into tiles, each array within a Java array's length.
     */
    /** Its kernels read paged K/V through the page table and take each sequence's length. */
    @Override
    public String unsupportedRagged(Sizes sizes) {
        return null;
    }

    @Override
    public String unsupported(Sizes sizes, DType storage) {
        String why = Capacity.headDim(name(), sizes.D(), MAX_HEAD_DIM);
        if (why != null) return why;
        long heap = Capacity.callBytes(sizes, DType.F32, 4);
        why = Capacity.tooLarge("Q, K, V and O as float arrays", heap, "the Java heap (-Xmx)", Runtime.getRuntime().maxMemory());
        if (why != null) return why;
        long largest = Math.max((long) sizes.B() * sizes.H() * sizes.Q_LEN(), (long) sizes.B() * sizes.H_KV() * sizes.KV_LEN()) * sizes.D();
        return Capacity.tooLarge("Q, K, V and O", 4 * largest, "one Java float array", 4L * (Integer.MAX_VALUE - 8));
    }

    /**
     * The backward's arrays beside the forward's: dQ, dK, dV and dO as floats, and what
     * {@link BackwardCall#extraBytes} adds; dK and dV per query head in one Java array each.
     */
    @Override
    public String unsupportedBackward(Sizes sizes, DType storage, TilePlan tiles, long paramFloats) {
        long extra = BackwardCall.extraBytes(sizes, tiles.blockM(), tiles.blockN(), paramFloats);
        long heap = Capacity.callBytes(sizes, DType.F32, 4);
        long total;
        try {
            total = Math.addExact(Math.multiplyExact(2, heap), extra);
        } catch (ArithmeticException e) {
            total = Long.MAX_VALUE;
        }
        String why = Capacity.tooLarge("the backward pass's float arrays (gradients, packed copies, partial sums)", total,
                "the Java heap (-Xmx)", Runtime.getRuntime().maxMemory());
        if (why != null) return why;
        long perHead = 4L * sizes.B() * sizes.H() * sizes.KV_LEN() * sizes.D();
        return Capacity.tooLarge("dK and dV per query head", perHead, "one Java float array", 4L * (Integer.MAX_VALUE - 8));
    }

    @Override
    public CompiledKernel compile(KernelRequest request) {
        JavaFile file = JavaStages.source(request);
        String source = file.toString();
        KernelKey key = KernelKey.of(source, request.dtype(), request.headDim(), request.tiles());
        return new CpuKernel(request, source, cache.kernel(key, JavaStages.className(file), source), pool);
    }

    @Override
    public boolean backwardNormalizes() {
        return true;
    }

    @Override
    public BackwardKernel compileBackward(KernelRequest request) {
        JavaFile file = JavaStages.backwardSource(request);
        String source = file.toString();
        KernelKey key = KernelKey.backward(source, request.dtype(), request.headDim(), request.tiles());
        return new CpuBackwardKernel(request, source, cache.backward(key, JavaStages.className(file), source), pool);
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
