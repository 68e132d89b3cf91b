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
import dev.attnc.ffm.opencl.ClBuffer;
import dev.attnc.ffm.opencl.ClContext;
import dev.attnc.ffm.opencl.ClDevice;
import dev.attnc.ffm.opencl.ClKernel;
import dev.attnc.ffm.opencl.ClProgram;
import dev.attnc.ffm.opencl.OpenCl;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The handwritten OpenCL C kernel (resources handwritten/attention.cl) as a baseline, built and
 * launched through {@link ClContext}. Its kernel time is the device's profiling time of the launch,
 * as for attnc's OpenCL kernels. Inputs stay on the device between runs on the same inputs.
 */
final class OpenClBaseline implements BaselineKernel {
    /** One OpenCL device: its context and the programs built for it. */
    static final class Device implements AutoCloseable {
        private final ClContext context;
        private final Map<String, ClProgram> programs = new HashMap<>();

        private Device(ClContext context) {
            this.context = context;
        }

        static Device open(int index) {
            if (!OpenCl.isAvailable()) throw new DeviceUnavailableException("OpenCL is not available on this machine");
            List<ClDevice> devices = OpenCl.devices();
            if (index < 0 || index >= devices.size()) throw new AttnInputException("there is no OpenCL device " + index);
            return new Device(ClContext.open(devices.get(index)));
        }

        OpenClBaseline kernel(Attention a, Pattern pattern, DType dtype, int headDim) {
            if (headDim % 8 != 0) throw new NoBaseline("the handwritten OpenCL kernel takes D a multiple of 8, not " + headDim);
            ClDevice d = context.device();
            int blockM = (int) Math.min(32, Long.highestOneBit(Math.max(1, d.maxWorkGroupSize())));
            int blockN = 32;
            while (blockN > 1 && 2L * blockN * headDim * Float.BYTES > d.localMemBytes() / 2) blockN /= 2;
            int storage = switch (dtype) {
                case F32 -> 0;
                case F16 -> 1;
                case BF16 -> 2;
                default -> throw new NoBaseline("the handwritten OpenCL kernel takes float inputs, not " + dtype);
            };
            String options = "-cl-std=CL1.2 -DHEAD_DIM=" + headDim + " -DBLOCK_M=" + blockM + " -DBLOCK_N=" + blockN + " -DSTORAGE=" + storage;
            ClProgram program = programs.computeIfAbsent(options, o -> context.build(HandwrittenSource.read("attention.cl"), o));
            ClKernel kernel = program.kernel("hw_attention_" + pattern.word());
            TilePlan tiles = new TilePlan(blockM, blockN, 1);
            return new OpenClBaseline(this, new KernelRequest(a, dtype, headDim, tiles), kernel);
        }

        @Override
        public void close() {
            context.close();
        }
    }

    private final Device device;
    private final KernelRequest request;
    private final ClKernel kernel;
    private RunInputs last;
    private final List<ClBuffer> buffers = new ArrayList<>();

    private OpenClBaseline(Device device, KernelRequest request, ClKernel kernel) {
        this.device = device;
        this.request = request;
        this.kernel = kernel;
    }

    @Override
    public String name() {
        return "handwritten opencl";
    }

    @Override
    public String source() {
        return HandwrittenSource.read("attention.cl");
    }

    @Override
    public KernelRequest request() {
        return request;
    }

    @Override
    public RunOutputs run(RunInputs in) {
        Sizes s = in.sizes();
        if (s.D() != request.headDim() || in.q().dtype() != request.dtype()) {
            throw new IllegalArgumentException("kernel built for D=" + request.headDim() + " " + request.dtype());
        }
        ClContext ctx = device.context;
        if (in != last) bind(ctx, in);
        int m = request.tiles().blockM();
        long qTiles = (s.Q_LEN() + m - 1) / m;
        long nanos = ctx.launch(kernel, new long[] {qTiles * m, (long) s.B() * s.H()}, new long[] {m, 1});
        Tensor o = Tensor.allocate(request.dtype(), s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor lse = Tensor.allocate(DType.F32, s.B(), s.H(), s.Q_LEN());
        ctx.download(buffers.get(3), o.segment());
        ctx.download(buffers.get(4), lse.segment());
        return new RunOutputs(o, lse, nanos);
    }

    /** Uploads Q, K, V, allocates O and LSE, and sets every argument. */
    private void bind(ClContext ctx, RunInputs in) {
        releaseBuffers();
        Sizes s = in.sizes();
        buffers.add(ctx.upload(in.q().contiguous().segment()));
        buffers.add(ctx.upload(in.k().contiguous().segment()));
        buffers.add(ctx.upload(in.v().contiguous().segment()));
        buffers.add(ctx.allocate(in.q().byteSize()));
        buffers.add(ctx.allocate(4L * s.B() * s.H() * s.Q_LEN()));
        for (int i = 0; i < 5; i++) kernel.setArg(i, buffers.get(i));
        kernel.setArg(5, s.H()).setArg(6, s.H_KV()).setArg(7, s.Q_LEN()).setArg(8, s.KV_LEN()).setArg(9, (float) in.scale());
        last = in;
    }

    private void releaseBuffers() {
        buffers.forEach(ClBuffer::close);
        buffers.clear();
        last = null;
    }

    @Override
    public void close() {
        releaseBuffers();
    }
}
