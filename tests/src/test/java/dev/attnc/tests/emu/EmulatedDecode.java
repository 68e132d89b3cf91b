package dev.attnc.tests.emu;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaDecodeCodegen;
import dev.attnc.compiler.codegen.cuda.CudaDecodeSource;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The CUDA decode program as bench/gpu/emu/harness_decode.cpp compiles it on the CPU emulator: the
 * generated source with its primitives left to emu.h, and the two kernels' calls written as the
 * harness's variables, bound by each argument's name. Used by bench/gpu/emu/run-decode.sh (through
 * {@link #main}) and by {@link CudaDecodeEmulatorTest}.
 */
public final class EmulatedDecode {
    /** The harness's value of each fixed kernel argument, by the argument's name. */
    static final Map<String, String> HARNESS = Map.ofEntries(Map.entry("Q", "Q.data()"), Map.entry("K", "Kin.data()"),
            Map.entry("V", "Vin.data()"), Map.entry("O", "O.data()"), Map.entry("LSE", "LSE.data()"),
            Map.entry("O_part", "Opart.data()"), Map.entry("LSE_part", "Lpart.data()"),
            Map.entry("run_offsets", "off.data()"), Map.entry("run_start", "st.data()"), Map.entry("run_end", "en.data()"),
            Map.entry("run_partial", "part.data()"), Map.entry("B", "B"), Map.entry("H", "H"), Map.entry("H_KV", "H_KV"),
            Map.entry("Q_LEN", "Q_LEN"), Map.entry("KV_LEN", "KV_LEN"), Map.entry("plan_b_stride", "(per_b ? 1 : 0)"),
            Map.entry("plan_h_stride", "0"), Map.entry("q_tiles", "q_tiles"), Map.entry("scale", "scale"),
            Map.entry("heads_packed", "HP"), Map.entry("splits", "SPLITS"), Map.entry("kv_lens", "lens.data()"),
            Map.entry("K_offset", "0LL"), Map.entry("K_stride_b", "kst[0]"), Map.entry("K_stride_h", "kst[1]"), Map.entry("K_stride_s", "kst[2]"),
            Map.entry("V_offset", "0LL"), Map.entry("V_stride_b", "vst[0]"), Map.entry("V_stride_h", "vst[1]"), Map.entry("V_stride_s", "vst[2]"),
            Map.entry("K_pages", "table.data()"), Map.entry("K_page_size", "page"), Map.entry("K_max_pages", "max_pages"),
            Map.entry("K_stride_page", "stride_page"), Map.entry("V_pages", "table.data()"), Map.entry("V_page_size", "page"),
            Map.entry("V_max_pages", "max_pages"), Map.entry("V_stride_page", "stride_page_v"),
            Map.entry("O_offset", "0LL"), Map.entry("O_stride_b", "(long long)H * Q_LEN * DV"), Map.entry("O_stride_h", "(long long)Q_LEN * DV"),
            Map.entry("O_stride_s", "(long long)DV"));

    private EmulatedDecode() {}

    /**
     * Args: FILE D BLOCK_N STAGES BF16|F16 OUT (-Ddv=DV: a value dimension other than D; -DblockM=M: the plan's
     * query tiles of M rows, for the harness's PLAN_M); writes OUT and OUT.args.h.
     */
    public static void main(String[] a) throws IOException {
        Compilation c = Compilation.of(SourceFile.read(Path.of(a[0]))).orThrow();
        Attention att = c.optimized(c.attentionNames().getFirst());
        int d = Integer.parseInt(a[1]);
        write(att, Storage.valueOf(a[4]), d, Integer.getInteger("dv", d), Integer.parseInt(a[2]), Integer.getInteger("blockM", 0),
                Integer.parseInt(a[3]), Path.of(a[5]));
    }

    /**
     * The program's emulator source at {@code out} and its calls at {@code out.args.h}; {@code blockM}: the
     * plan's query tiles where the rows reach past the first (TargetPolicy.CudaDecode#planQueryTile), else 0.
     */
    public static void write(Attention att, Storage storage, int d, int dv, int blockN, int blockM, int stages, Path out) throws IOException {
        CudaDecodeSource k = CudaDecodeCodegen.generate(att, storage, d, dv, blockN, blockM, stages, true);
        Files.writeString(out, EmulatedSource.withoutPrimitives(k.text(), ""));
        Files.writeString(Path.of(out + ".args.h"), "#define KERNEL_ARGS " + EmulatedSource.call(k.decode(), HARNESS)
                + "\n#define COMBINE_ARGS " + EmulatedSource.call(k.combine(), HARNESS) + "\n#define DECODE_SMEM " + k.sharedBytes() + "\n");
    }
}
