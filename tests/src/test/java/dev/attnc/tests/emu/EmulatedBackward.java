package dev.attnc.tests.emu;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.codegen.BackwardSignature;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaBackwardCodegen;
import dev.attnc.compiler.codegen.cuda.CudaBackwardSource;
import dev.attnc.compiler.codegen.cuda.CudaCodegen.Engine;
import dev.attnc.compiler.codegen.cuda.DqForm;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The CUDA backward as bench/gpu/emu/harness_backward.cpp compiles it on the CPU emulator: the
 * generated program with its primitives left to emu.h (and, on the wgmma engine, wgmma through
 * emu.h's descriptor reads), and each kernel's call written as the harness's variables, bound by
 * each argument's name. Used by bench/gpu/emu/run-backward.sh (through {@link #main}) and by
 * {@link CudaBackwardEmulatorTest}.
 */
public final class EmulatedBackward {
    static final Map<String, String> COMMON = Map.ofEntries(Map.entry("Q", "Q.data()"), Map.entry("K", "K.data()"),
            Map.entry("V", "V.data()"), Map.entry("O", "O.data()"), Map.entry("LSE", "LSE.data()"), Map.entry("dO", "dO.data()"),
            Map.entry("dLSE", "dLSE.data()"), Map.entry("Delta", "Delta.data()"), Map.entry("dQ", "dQ.data()"),
            Map.entry("dK", "dK.data()"), Map.entry("dV", "dV.data()"), Map.entry("dQaccum", "dQaccum.data()"), Map.entry("B", "B"), Map.entry("H", "H"),
            Map.entry("H_KV", "H_KV"), Map.entry("Q_LEN", "Q_LEN"), Map.entry("KV_LEN", "KV_LEN"),
            Map.entry("plan_b_stride", "(per_b ? 1 : 0)"), Map.entry("plan_h_stride", "0"), Map.entry("scale", "scale"),
            Map.entry("atomic_params", "atomic_params"), Map.entry("partials", "partials_p"), Map.entry("sums", "sums_p"),
            Map.entry("rows", "rows_n"), Map.entry("elements", "elements_n"), Map.entry("tmQ", "tmQ"), Map.entry("tmK", "tmK"),
            Map.entry("tmV", "tmV"), Map.entry("tmdO", "tmdO"), Map.entry("dkdv_units", "dkdv_units.data()"),
            Map.entry("tile_stats", "tile_stats.data()"));
    /** wgmma on the emulator, through the descriptors (emu.h): S^T and dP^T are n64, dV, dK and dQ nD. */
    private static final String WGMMA_SHIM = """
            inline void wgmma_fence() {} inline void wgmma_commit() {} template <int N> inline void wgmma_wait() {} inline void fence_proxy_async() {}
            inline void wgmma_ss(float* d, unsigned long long a, unsigned long long b, int sc) { emu_wgmma_ss<TILE>(d, a, b, sc); }
            inline void wgmma_rs_tb(float* d, const unsigned (&a)[4], unsigned long long b) { emu_wgmma_rs_tb<HEAD_DIM>(d, a, b); }
            inline void wgmma_ss_tt(float* d, unsigned long long a, unsigned long long b, int sc) { emu_wgmma_ss<DQ_PRODUCT_N, true>(d, a, b, sc); }
            """;

    private EmulatedBackward() {}

    /**
     * Args: FILE D BF16|F16 OUT [ATOMIC|DETERMINISTIC (the form of dQ)] [MMA|WGMMA|HOPPER (the products' engine; HOPPER: the
     * warp-specialized dK/dV kernel, for the harness's -DWS)];
     * -Ddv=DV: a value dimension other than D.
     */
    public static void main(String[] a) throws IOException {
        Compilation c = Compilation.of(SourceFile.read(Path.of(a[0]))).orThrow();
        Attention att = c.optimized(c.attentionNames().getFirst());
        int d = Integer.parseInt(a[1]);
        Engine engine = a.length > 5 ? switch (a[5]) {
            case "WGMMA" -> Engine.WGMMA;
            case "HOPPER" -> Engine.HOPPER;
            default -> Engine.MMA_SYNC;
        } : Engine.MMA_SYNC;
        write(att, Storage.valueOf(a[2]), d, Integer.getInteger("dv", d), DqForm.valueOf(a.length > 4 ? a[4] : "ATOMIC"), engine, Path.of(a[3]));
    }

    /** The program's emulator source at {@code out} and its kernels' calls at {@code out.args.h}; {@code dv}: V's rows. */
    public static void write(Attention att, Storage storage, int d, int dv, DqForm form, Engine engine, Path out) throws IOException {
        write(att, storage, d, dv, form, engine, false, out);
    }

    /** {@link #write(Attention, Storage, int, int, DqForm, Engine, Path)}, with {@code fastMath} as the GPU's default build. */
    public static void write(Attention att, Storage storage, int d, int dv, DqForm form, Engine engine, boolean fastMath, Path out)
            throws IOException {
        CudaBackwardSource k = CudaBackwardCodegen.generate(att, storage, d, dv, form, engine, fastMath);
        // dQ's product: m64 nD, or nD/2 where the warp-specialized kernel's consumers split dQ's columns
        String shim = "#define DQ_PRODUCT_N " + (engine == Engine.HOPPER && d >= 128 ? d / 2 : d) + "\n" + WGMMA_SHIM;
        String text = EmulatedSource.withoutPrimitives(k.text(), engine != Engine.MMA_SYNC ? shim : "");
        if (engine == Engine.HOPPER) {
            text = EmulatedSource.withoutSection(text, "// hopper primitives:", "// end of hopper primitives", "");
            text = EmulatedSource.withoutSection(text, "// backward primitives:", "// end of backward primitives",
                    "inline float lds_after_wait(const float* p) { return *p; }\ninline int lane_id() { return threadIdx.x & 31; }\n"
                    + "inline void st_shared_volatile(unsigned a, int v) { memcpy(attn_smem + a, &v, 4); }\n"
                    + "inline int ld_shared_volatile(unsigned a) { int v; memcpy(&v, attn_smem + a, 4); return v; }\n"
                    // the emulator runs the kernels one after another: a count the conversion waits for is complete
                    + "inline void release_unit_done(int* count) { *count += 1; }\n"
                    + "inline void wait_units_done(const int* count, int units) { if (*count != units) { fprintf(stderr, \"emu: units done %d of %d\\n\", *count, units); emu_die(); } }\n");
        }
        Files.writeString(out, text);
        StringBuilder h = new StringBuilder("#define DQ_ATOMIC " + (form == DqForm.ATOMIC ? 1 : 0) + "\n");
        // the dK/dV kernel's instance with atomic_params fixed, which the harness runs where its sums are atomic
        h.append("#define HAS_DKDV_ATOMIC_PARAMS " + (k.atomicSumsEntry() ? 1 : 0) + "\n");
        // the Δ kernel zeroes dQaccum: the harness fills it with NaN first
        h.append("#define DELTA_ZEROES_DQACCUM " + (k.delta().fixedNames().contains(BackwardSignature.DQ_ACCUM.name()) ? 1 : 0) + "\n");
        // a parameter's gradient buffer: the harness's grad_<user's name>_p
        Map<String, String> grads = new HashMap<>();
        for (var p : k.withGradient()) grads.put(BackwardSignature.gradientName(p), "grad_" + p.name() + "_p");
        h.append(call("DELTA_ARGS", k.delta(), grads));
        h.append(call("DKDV_ARGS", k.dkdv(), with(grads, Map.of("run_offsets", "toff.data()", "run_start", "tst.data()", "run_end", "ten.data()",
                "run_partial", "tpart.data()", "q_tiles", "ktn"))));
        h.append(call("DQ_ARGS", k.dq(), with(grads, Map.of("run_offsets", "off.data()", "run_start", "st.data()", "run_end", "en.data()",
                "run_partial", "part.data()", "q_tiles", "qtn"))));
        h.append(call("REDUCE_ARGS", k.reduce(), grads));
        Files.writeString(Path.of(out + ".args.h"), h.toString());
    }

    private static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new HashMap<>(a);
        m.putAll(b);
        return m;
    }

    /** A kernel's call: its own arguments' harness names ({@code own}) before the common ones. */
    private static String call(String macro, KernelSignature sig, Map<String, String> own) {
        return "#define " + macro + " " + EmulatedSource.call(sig, with(COMMON, own)) + "\n";
    }
}
