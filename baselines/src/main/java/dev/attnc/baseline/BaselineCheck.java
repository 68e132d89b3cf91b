package dev.attnc.baseline;

import dev.attnc.Attnc;
import dev.attnc.Check;
import dev.attnc.DType;
import dev.attnc.Target;
import dev.attnc.Tensor;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The handwritten kernels of one target against the reference interpreter, on small ragged shapes
 * (several query tiles, a ragged last key tile, grouped-query heads, Q_LEN above and below KV_LEN).
 * Exit 0 when every case passes. On the GPU machine:
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp attnc.jar \
 *     dev.attnc.baseline.BaselineCheck cuda [DEVICE]</pre>
 */
public final class BaselineCheck {
    private BaselineCheck() {}

    /** Ragged shapes: two query tiles and a ragged key tile, GQA, Q_LEN above and below KV_LEN, both head dims. */
    public static final List<Sizes> SHAPES = List.of(new Sizes(1, 2, 1, 200, 131, 64), new Sizes(2, 2, 2, 256, 256, 64),
            new Sizes(1, 1, 1, 77, 300, 64), new Sizes(1, 2, 1, 200, 131, 128), new Sizes(1, 2, 2, 130, 64, 128));

    public static void main(String[] args) {
        Target target = Target.parse(args.length > 0 ? args[0] : "java");
        int device = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        List<DType> dtypes = target == Target.CUDA ? List.of(DType.BF16, DType.F16) : List.of(DType.F32, DType.F16, DType.BF16);
        int failed = run(target, device, dtypes, SHAPES);
        System.out.println(failed == 0 ? "all passed" : failed + " FAILED");
        System.exit(failed == 0 ? 0 : 1);
    }

    /** Runs every case, prints one line each; returns the number that failed. */
    public static int run(Target target, int device, List<DType> dtypes, List<Sizes> shapes) {
        int failed = 0;
        try (Baselines baselines = new Baselines(target, device)) {
            for (String variant : List.of("full", "causal")) {
                Attention a = Attnc.compile(variant + ".attn",
                        "attention " + variant + " {" + (variant.equals("causal") ? " mask = q >= kv " : "") + "}").ir(null);
                for (DType dtype : dtypes) {
                    for (Sizes s : shapes) {
                        Check.Report r = check(baselines.kernel(a, dtype, s.D()), a, dtype, s);
                        System.out.printf(Locale.ROOT, "%s %-6s %-8s %s: max |dO| %.2e, max |dLSE| %.2e, non-finite %d: %s%n", target.word(),
                                variant, dtype, s, r.maxErrorO(), r.maxErrorLse(), r.nonFinite(), r.passed() ? "ok" : "FAILED");
                        if (!r.passed()) failed++;
                    }
                }
            }
        }
        return failed;
    }

    static Check.Report check(BaselineKernel kernel, Attention a, DType dtype, Sizes s) {
        Tensor q = Tensor.random(dtype, 1, s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor k = Tensor.random(dtype, 2, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        Tensor v = Tensor.random(dtype, 3, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        RunInputs in = new RunInputs(s, q, k, v, Map.of(), Map.of(), Reference.defaultScale(s), null);
        RunOutputs out = kernel.run(in);
        return Check.compare(Check.reference(a, in), out.o(), out.lse(), Check.of(kernel.effectiveStorage(dtype)));
    }
}
