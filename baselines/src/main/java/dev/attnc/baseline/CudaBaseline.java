package dev.attnc.baseline;

import dev.attnc.AttnInputException;
import dev.attnc.DType;
import dev.attnc.DeviceUnavailableException;
import dev.attnc.Tensor;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.ffm.cuda.Cuda;
import dev.attnc.ffm.cuda.CudaContext;
import dev.attnc.ffm.cuda.CudaDevice;
import dev.attnc.ffm.cuda.CudaFunction;
import dev.attnc.ffm.cuda.CudaModule;
import dev.attnc.ffm.cuda.DeviceBuffer;
import dev.attnc.ffm.cuda.Dim3;
import dev.attnc.ffm.cuda.Nvrtc;
import java.util.ArrayList;
import java.util.List;

/**
 * The handwritten CUDA C kernel (resources handwritten/attention.cu: FlashAttention-2 style,
 * mma.sync, 128x64 tiles) as a baseline: compiled by NVRTC for the GPU's architecture, run through
 * {@link CudaContext}, timed with CUDA events. bf16 and fp16 run as stored; float32 inputs are
 * rounded to fp16 (as attnc's CUDA backend does) and O comes back as float32.
 */
final class CudaBaseline implements BaselineKernel {
    static final int BLOCK_M = 128, BLOCK_N = 64, THREADS = 256;

    /** One GPU: its context and the module holding every entry point. */
    static final class Device implements AutoCloseable {
        private final CudaContext context;
        private final CudaModule module;

        private Device(CudaContext context, CudaModule module) {
            this.context = context;
            this.module = module;
        }

        static Device open(int ordinal) {
            List<CudaDevice> devices = Cuda.devices();
            if (devices.isEmpty()) {
                throw new DeviceUnavailableException("CUDA is not available: " + Cuda.unavailableReason().orElse("no GPU"));
            }
            if (ordinal < 0 || ordinal >= devices.size()) throw new AttnInputException("there is no CUDA device " + ordinal);
            CudaDevice d = devices.get(ordinal);
            if (d.major() < 8) throw new NoBaseline("the handwritten CUDA kernel needs sm_80 or newer (mma.sync bf16), not " + d.smArch());
            byte[] image = Nvrtc.get().compile(HandwrittenSource.read("attention.cu"), "attention.cu",
                    List.of("--gpu-architecture=" + d.smArch(), "--std=c++17")).image();
            CudaContext context = CudaContext.open(d);
            try {
                return new Device(context, context.module(image));
            } catch (RuntimeException e) {
                context.close();
                throw e;
            }
        }

        CudaBaseline kernel(Attention a, Pattern pattern, DType dtype, int headDim) {
            if (headDim != 64 && headDim != 128) throw new NoBaseline("the handwritten CUDA kernel has D = 64 and 128, not " + headDim);
            DType storage = switch (dtype) {
                case BF16 -> DType.BF16;
                case F16, F32 -> DType.F16;
                default -> throw new NoBaseline("the handwritten CUDA kernel takes float inputs, not " + dtype);
            };
            String entry = "hw_attention_" + (storage == DType.BF16 ? "bf16" : "f16") + "_d" + headDim + "_" + pattern.word();
            CudaFunction f = context.function(module, entry);
            return new CudaBaseline(context, f, storage, new KernelRequest(a, dtype, headDim, new TilePlan(BLOCK_M, BLOCK_N, THREADS / 32)));
        }

        @Override
        public void close() {
            context.close();
        }
    }

    private final CudaContext context;
    private final CudaFunction function;
    private final DType storage;
    private final KernelRequest request;
    private final List<DeviceBuffer> buffers = new ArrayList<>();
    private RunInputs last;

    private CudaBaseline(CudaContext context, CudaFunction function, DType storage, KernelRequest request) {
        this.context = context;
        this.function = function;
        this.storage = storage;
        this.request = request;
    }

    @Override
    public String name() {
        return "handwritten cuda";
    }

    @Override
    public String source() {
        return HandwrittenSource.read("attention.cu");
    }

    @Override
    public KernelRequest request() {
        return request;
    }

    /** float32 inputs run as fp16. */
    @Override
    public DType effectiveStorage(DType given) {
        return storage;
    }

    @Override
    public RunOutputs run(RunInputs in) {
        Sizes s = in.sizes();
        if (s.D() != request.headDim() || in.q().dtype() != request.dtype()) {
            throw new IllegalArgumentException("kernel built for D=" + request.headDim() + " " + request.dtype());
        }
        if ((long) s.B() * s.H() > 65535) throw new AttnInputException("the handwritten CUDA kernel takes B·H up to 65535");
        if (in != last) bind(in);
        Dim3 grid = Dim3.of((s.Q_LEN() + BLOCK_M - 1) / BLOCK_M, s.B() * s.H());
        int shared = 2 * BLOCK_N * (s.D() + 8) * 2;
        // timed as attnc's kernels are (CudaContext.timeEach: L2 emptied, launch latency kept out)
        float ms = context.timeEach(1, () -> context.launch(function, grid, Dim3.of(THREADS), shared, buffers.get(0), buffers.get(1),
                buffers.get(2), buffers.get(3), buffers.get(4), s.H(), s.H_KV(), s.Q_LEN(), s.KV_LEN(), (float) in.scale()))[0];
        Tensor o = Tensor.allocate(storage, s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor lse = Tensor.allocate(DType.F32, s.B(), s.H(), s.Q_LEN());
        context.download(buffers.get(3), o.segment());
        context.download(buffers.get(4), lse.segment());
        return new RunOutputs(storage == request.dtype() ? o : o.convert(request.dtype()), lse, (long) (ms * 1e6));
    }

    private void bind(RunInputs in) {
        releaseBuffers();
        for (Tensor t : List.of(in.q(), in.k(), in.v())) {
            buffers.add(context.upload((t.dtype() == storage ? t.contiguous() : t.convert(storage)).segment()));
        }
        Sizes s = in.sizes();
        long rows = (long) s.B() * s.H() * s.Q_LEN();
        buffers.add(context.alloc(rows * s.D() * 2));
        buffers.add(context.alloc(rows * 4));
        last = in;
    }

    private void releaseBuffers() {
        buffers.forEach(DeviceBuffer::close);
        buffers.clear();
        last = null;
    }

    @Override
    public void close() {
        releaseBuffers();
    }
}
