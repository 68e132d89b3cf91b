package dev.attnc.backend.cpu;

import com.palantir.javapoet.JavaFile;
import dev.attnc.backend.Backend;
import dev.attnc.backend.BackendPolicy;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.compiler.codegen.java.kernel.Gemm;
import dev.attnc.compiler.target.BackendOptions;
import dev.attnc.compiler.target.DeviceCaps;
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

    @Override
    public String name() {
        return "java";
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

    @Override
    public CompiledKernel compile(KernelRequest request) {
        JavaFile file = JavaStages.source(request);
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
