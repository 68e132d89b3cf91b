package dev.attnc.tests.emu;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.codegen.KernelArg;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaCodegen;
import dev.attnc.compiler.codegen.cuda.CudaCodegen.Engine;
import dev.attnc.compiler.codegen.cuda.CudaKernelSource;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.target.BackendOptions;
import dev.attnc.compiler.target.Decision;
import dev.attnc.compiler.target.DeviceCaps;
import dev.attnc.compiler.target.TargetPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The CUDA forward kernel (mma.sync, the FA2 loop on wgmma, or the warp-specialized Hopper kernel) as
 * bench/gpu/emu/harness.cpp compiles it on the CPU emulator: the generated source with its primitives
 * left to emu.h (and the Hopper kernel's to emu_hopper.h, which the harness includes with -DHOPPER),
 * and the kernel's call written as the harness's variables, bound by each argument's name. Used by
 * bench/gpu/emu/run.sh (through {@link #main}) and by {@link CudaForwardEmulatorTest}.
 */
public final class EmulatedForward {
    /** The harness's value of each fixed kernel argument, by the argument's name. */
    static final Map<String, String> HARNESS = withLayouts(Map.ofEntries(Map.entry("Q", "Q.data()"), Map.entry("K", "K.data()"),
            Map.entry("V", "V.data()"), Map.entry("O", "O.data()"), Map.entry("LSE", "LSE.data()"),
            Map.entry("run_offsets", "off.data()"), Map.entry("run_start", "st.data()"), Map.entry("run_end", "en.data()"),
            Map.entry("run_partial", "part.data()"), Map.entry("B", "B"), Map.entry("H", "H"), Map.entry("H_KV", "H_KV"),
            Map.entry("Q_LEN", "Q_LEN"), Map.entry("KV_LEN", "KV_LEN"), Map.entry("plan_b_stride", "(per_b ? 1 : 0)"),
            Map.entry("plan_h_stride", "0"), Map.entry("q_tiles", "qt"), Map.entry("scale", "scale"),
            Map.entry("tmQ", "tmQ"), Map.entry("tmK", "tmK"), Map.entry("tmV", "tmV"), Map.entry("tile_order", "order.data()"),
            Map.entry("n_tiles", "n_tiles"), Map.entry("item_counter", "item_counter")));
    /**
     * {@code fixed} with the layouts of Q, K, V and O ({@link KernelSignature#layout}) as
     * harness.cpp's {@code Lay} of each (lq, lk, lv, lo: offset and strides of b, h and s, in elements).
     */
    private static Map<String, String> withLayouts(Map<String, String> fixed) {
        Map<String, String> out = new java.util.HashMap<>(fixed);
        for (KernelArg t : List.of(KernelSignature.Q, KernelSignature.K, KernelSignature.V, KernelSignature.O)) {
            List<KernelArg> names = KernelSignature.layout(t);
            String lay = "l" + t.name().toLowerCase(java.util.Locale.ROOT);
            List<String> fields = List.of(".off", ".sb", ".sh", ".ss");
            for (int i = 0; i < 4; i++) out.put(names.get(i).name(), lay + fields.get(i));
        }
        return Map.copyOf(out);
    }

    /** wgmma on the emulator, through the descriptors (emu.h). */
    private static final String WGMMA_SHIM = """
            inline void wgmma_fence() {} inline void wgmma_commit() {} template <int N> inline void wgmma_wait() {} inline void fence_proxy_async() {}
            inline void wgmma_ss(float* d, unsigned long long a, unsigned long long b, int sc) { emu_wgmma_ss<BLOCK_N>(d, a, b, sc); }
            inline void wgmma_rs_tb(float* d, const unsigned (&a)[4], unsigned long long b) { emu_wgmma_rs_tb<DT * 8>(d, a, b); }
            """;

    private EmulatedForward() {}

    /**
     * Args: FILE D BM BN WARPS BF16|F16 OUT (-Ddv=DV: V's and O's rows, mma.sync or Hopper; -Dengine=WGMMA: the FA2 loop on
     * wgmma; -Dengine=HOPPER: the warp-specialized kernel as the policy builds it, WARPS = BM / 16; -Dstrided=true: mma.sync's
     * form that reads Q, K, V and writes O through their layouts, for the harness's -DLAYOUT=1 or 2).
     */
    public static void main(String[] a) throws IOException {
        Compilation c = Compilation.of(SourceFile.read(Path.of(a[0]))).orThrow();
        Attention att = c.optimized(c.attentionNames().getFirst());
        int d = Integer.parseInt(a[1]);
        TilePlan t = new TilePlan(Integer.parseInt(a[2]), Integer.parseInt(a[3]), Integer.parseInt(a[4]));
        Engine engine = Engine.valueOf(System.getProperty("engine", "MMA_SYNC"));
        write(att, Storage.valueOf(a[5]), d, Integer.getInteger("dv", d), t, engine, Boolean.getBoolean("strided"), Path.of(a[6]));
    }

    /** The kernel's emulator source at {@code out} and its call at {@code out.args.h}; returns the kernel's entry. */
    public static String write(Attention att, Storage storage, int d, int dv, TilePlan t, Engine engine, Path out) throws IOException {
        return write(att, storage, d, dv, t, engine, false, out);
    }

    /** {@link #write(Attention, Storage, int, int, TilePlan, Engine, Path)}, with {@code strided}: the form that reads views through layouts. */
    public static String write(Attention att, Storage storage, int d, int dv, TilePlan t, Engine engine, boolean strided, Path out)
            throws IOException {
        CudaCodegen.Options o = switch (engine) {
            case MMA_SYNC -> CudaCodegen.Options.defaults(d, t);
            case WGMMA -> CudaCodegen.Options.wgmma(d, t);
            // the policy's build for an H100/H200 at these tiles (its ring depth: 3 stages for 64-key tiles at D <= 64)
            case HOPPER -> ((Decision.Cuda) TargetPolicy.decisions(DeviceCaps.Cuda.parse("sm_90a"), d, dv, t, BackendOptions.NONE).getFirst())
                    .options();
        };
        if (o.engine() != engine) throw new IllegalArgumentException("the policy builds " + o.engine() + ", not " + engine + ", at " + t + ", D = " + d);
        CudaKernelSource k = CudaCodegen.generate(att, storage, d, dv, t, o, strided);
        String text = EmulatedSource.withoutPrimitives(k.text(), WGMMA_SHIM);
        if (engine == Engine.HOPPER) text = EmulatedSource.withoutSection(text, "// hopper primitives:", "// end of hopper primitives", "");
        Files.writeString(out, text);
        Files.writeString(Path.of(out + ".args.h"), "#define KERNEL_ARGS " + EmulatedSource.call(k.signature(), HARNESS) + "\n");
        return k.entry();
    }
}
