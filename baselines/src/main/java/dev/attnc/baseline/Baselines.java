package dev.attnc.baseline;

import dev.attnc.DType;
import dev.attnc.Target;
import dev.attnc.compiler.ir.Attention;
import java.util.HashMap;
import java.util.Map;

/**
 * The handwritten kernels of one target on one device: {@link #kernel} gives the one for an
 * attention, dtype and head dimension, or throws {@link NoBaseline} saying why there is none.
 * Device contexts open on first use and close with this object; kernels are kept per key.
 */
public final class Baselines implements AutoCloseable {
    private final Target target;
    private final int device;
    private final Map<String, BaselineKernel> kernels = new HashMap<>();
    private OpenClBaseline.Device opencl;
    private CudaBaseline.Device cuda;

    public Baselines(Target target, int device) {
        this.target = target;
        this.device = device;
    }

    public BaselineKernel kernel(Attention a, DType dtype, int headDim) {
        Pattern pattern = Pattern.of(a).orElseThrow(() -> new NoBaseline(
                "no handwritten kernel for '" + a.name() + "': they compute full and causal attention only"));
        String key = pattern + "/" + dtype + "/" + headDim;
        BaselineKernel known = kernels.get(key);
        if (known != null) return known;
        BaselineKernel k = switch (target) {
            case JAVA -> new JavaBaseline(a, pattern, dtype, headDim);
            case OPENCL -> {
                if (opencl == null) opencl = OpenClBaseline.Device.open(device);
                yield opencl.kernel(a, pattern, dtype, headDim);
            }
            case CUDA -> {
                if (cuda == null) cuda = CudaBaseline.Device.open(device);
                yield cuda.kernel(a, pattern, dtype, headDim);
            }
        };
        kernels.put(key, k);
        return k;
    }

    @Override
    public void close() {
        kernels.values().forEach(BaselineKernel::close);
        kernels.clear();
        if (opencl != null) opencl.close();
        if (cuda != null) cuda.close();
    }
}
