package dev.attnc.backend.cpu;

import com.palantir.javapoet.JavaFile;
import dev.attnc.backend.Backend;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.compiler.codegen.java.JavaKernelGenerator;
import dev.attnc.kernel.cpu.Gemm;
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

    /** All cores, and the cache that {@link KernelCache#fromEnvironment} names. */
    public CpuBackend() {
        this(KernelCache.fromEnvironment(), Runtime.getRuntime().availableProcessors());
    }

    public CpuBackend(KernelCache cache, int threads) {
        this.cache = cache;
        this.pool = new ForkJoinPool(threads);
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    public String device() {
        return "CPU (" + pool.getParallelism() + " cores, Vector API " + Gemm.LANES * Float.SIZE + "-bit)";
    }

    /**
     * 64 × 64 tiles for every head dimension: for D = 128 the fastest measured (128 × 64 5% slower,
     * 64 × 128 and 128 × 128 15-20%), for D = 64 all four within the noise of a shared machine.
     */
    @Override
    public TilePlan tilePlan(int headDim) {
        return TilePlans.java(headDim);
    }

    @Override
    public CompiledKernel compile(KernelRequest request) {
        JavaFile file = JavaKernelGenerator.generate(request.attention(), request.dtype().displayName(), request.headDim(), request.tiles());
        String source = file.toString();
        String className = file.packageName() + "." + file.typeSpec().name();
        KernelKey key = KernelKey.of(source, request.dtype(), request.headDim(), request.tiles());
        return new CpuKernel(request, source, cache.kernel(key, className, source), pool);
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
