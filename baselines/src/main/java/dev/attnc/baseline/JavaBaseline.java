package dev.attnc.baseline;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.baseline.handwritten.FusedAttention;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;

/**
 * {@link FusedAttention} (the handwritten Vector API kernel) as a baseline. It computes in float32
 * on float arrays: Q, K and V are converted once per inputs (not timed), O back to the inputs' dtype.
 */
final class JavaBaseline implements BaselineKernel {
    private final KernelRequest request;
    private final boolean causal;
    /** The inputs converted last, kept so repeated runs on the same inputs time the kernel only. */
    private RunInputs last;
    private float[] q, k, v;

    JavaBaseline(Attention a, Pattern pattern, DType dtype, int headDim) {
        if (!dtype.isFloat()) throw new NoBaseline("the handwritten Java kernel takes float inputs, not " + dtype);
        this.request = new KernelRequest(a, dtype, headDim, new TilePlan(FusedAttention.BQ, FusedAttention.BK, 1));
        this.causal = pattern == Pattern.CAUSAL;
    }

    @Override
    public String name() {
        return "handwritten java";
    }

    @Override
    public String source() {
        return "dev.attnc.baseline.handwritten.FusedAttention";
    }

    @Override
    public KernelRequest request() {
        return request;
    }

    @Override
    public RunOutputs run(RunInputs in) {
        Sizes s = in.sizes();
        if (in != last) {
            q = in.q().toFloatArray();
            k = in.k().toFloatArray();
            v = in.v().toFloatArray();
            last = in;
        }
        float[] o = new float[q.length];
        float[] lse = new float[s.B() * s.H() * s.Q_LEN()];
        long start = System.nanoTime();
        FusedAttention.forward(q, k, v, o, lse, s.B(), s.H(), s.H_KV(), s.Q_LEN(), s.KV_LEN(), s.D(), causal, 0, (float) in.scale());
        long nanos = System.nanoTime() - start;
        Tensor out = Tensor.ofFloats(o, s.B(), s.H(), s.Q_LEN(), s.D());
        return new RunOutputs(request.dtype() == DType.F32 ? out : out.convert(request.dtype()),
                Tensor.ofFloats(lse, s.B(), s.H(), s.Q_LEN()), nanos);
    }
}
