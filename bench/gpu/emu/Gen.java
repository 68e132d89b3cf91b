import dev.attnc.compiler.*;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.codegen.KernelArg;
import dev.attnc.compiler.codegen.cuda.*;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.plan.TilePlan;
import java.nio.file.*;
import java.util.*;
public class Gen {
  // the harness's value of each fixed kernel argument, by the argument's name
  static final Map<String, String> HARNESS = Map.ofEntries(Map.entry("Q", "Q.data()"), Map.entry("K", "K.data()"),
      Map.entry("V", "V.data()"), Map.entry("O", "O.data()"), Map.entry("LSE", "LSE.data()"),
      Map.entry("run_offsets", "off.data()"), Map.entry("run_start", "st.data()"), Map.entry("run_end", "en.data()"),
      Map.entry("run_partial", "part.data()"), Map.entry("B", "B"), Map.entry("H", "H"), Map.entry("H_KV", "H_KV"),
      Map.entry("Q_LEN", "Q_LEN"), Map.entry("KV_LEN", "KV_LEN"), Map.entry("plan_b_stride", "(per_b ? 1 : 0)"),
      Map.entry("plan_h_stride", "0"), Map.entry("q_tiles", "qt"), Map.entry("scale", "scale"));

  public static void main(String[] a) throws Exception {
    // args: file D BM BN warps storage out; also writes out.args.h: the harness's call, from the kernel's signature
    var src = SourceFile.class.getMethod("read", Path.class);
    Object sf = src.invoke(null, Path.of(a[0]));
    Compilation c = Compilation.of((SourceFile) sf).orThrow();
    var att = c.optimized(c.attentionNames().getFirst()); // gpt_oss.attn: its first attention
    int d = Integer.parseInt(a[1]);
    int dv = Integer.getInteger("dv", d); // -Ddv=N: V's and O's rows of N (the mma.sync forward only)
    TilePlan t = new TilePlan(Integer.parseInt(a[2]), Integer.parseInt(a[3]), Integer.parseInt(a[4]));
    var o = Boolean.getBoolean("wgmma") ? CudaCodegen.Options.wgmma(d, t) : CudaCodegen.Options.defaults(d, t);
    var k = CudaCodegen.generate(att, Storage.valueOf(a[5]), d, dv, t, o);
    Files.writeString(Path.of(a[6]), k.text());
    List<String> call = new ArrayList<>();
    for (KernelArg arg : k.signature().args()) {
      call.add(switch (arg.role()) {
        case KernelArg.Role.Fixed f -> Optional.ofNullable(HARNESS.get(arg.name()))
            .orElseThrow(() -> new IllegalStateException("the emulator harness has no value for argument " + arg.name()));
        // the harness keeps each parameter in a global of the user's name
        case KernelArg.Role.Param(var p) -> p.kind().isTensor() ? p.name() + ".data()" : p.name();
      });
    }
    Files.writeString(Path.of(a[6] + ".args.h"), "#define KERNEL_ARGS " + String.join(", ", call) + "\n");
  }
}
