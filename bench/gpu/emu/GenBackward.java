import dev.attnc.compiler.*;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.codegen.BackwardSignature;
import dev.attnc.compiler.codegen.KernelArg;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.cuda.*;
import dev.attnc.compiler.codegen.c.Storage;
import java.nio.file.*;
import java.util.*;

/** Gen.java's twin for the backward: writes the program and, per kernel, the harness's call from its signature. */
public class GenBackward {
  static final Map<String, String> COMMON = Map.ofEntries(Map.entry("Q", "Q.data()"), Map.entry("K", "K.data()"),
      Map.entry("V", "V.data()"), Map.entry("O", "O.data()"), Map.entry("LSE", "LSE.data()"), Map.entry("dO", "dO.data()"),
      Map.entry("dLSE", "dLSE.data()"), Map.entry("Delta", "Delta.data()"), Map.entry("dQ", "dQ.data()"),
      Map.entry("dK", "dK.data()"), Map.entry("dV", "dV.data()"), Map.entry("dQaccum", "dQaccum.data()"), Map.entry("B", "B"), Map.entry("H", "H"),
      Map.entry("H_KV", "H_KV"), Map.entry("Q_LEN", "Q_LEN"), Map.entry("KV_LEN", "KV_LEN"),
      Map.entry("plan_b_stride", "(per_b ? 1 : 0)"), Map.entry("plan_h_stride", "0"), Map.entry("scale", "scale"),
      Map.entry("atomic_params", "atomic_params"), Map.entry("partials", "partials_p"), Map.entry("sums", "sums_p"),
      Map.entry("rows", "rows_n"), Map.entry("elements", "elements_n"));

  public static void main(String[] a) throws Exception {
    // args: file D storage out [ATOMIC|DETERMINISTIC: the form of dQ, atomic by default as the policy's]
    // [MMA|WGMMA: the dK/dV kernel's products on mma.sync (the default) or on Hopper's wgmma, as sm_90a's policy picks]
    var src = SourceFile.class.getMethod("read", Path.class);
    Object sf = src.invoke(null, Path.of(a[0]));
    Compilation c = Compilation.of((SourceFile) sf).orThrow();
    var att = c.optimized(c.attentionNames().getFirst());
    var form = DqForm.valueOf(a.length > 4 ? a[4] : "ATOMIC");
    boolean wgmma = a.length > 5 && a[5].equals("WGMMA");
    var k = CudaBackwardCodegen.generate(att, Storage.valueOf(a[2]), Integer.parseInt(a[1]), form, wgmma);
    Files.writeString(Path.of(a[3]), k.text());
    StringBuilder h = new StringBuilder("#define DQ_ATOMIC " + (form == DqForm.ATOMIC ? 1 : 0) + "\n");
    // a parameter's gradient buffer: the harness's grad_<user's name>_p
    Map<String, String> grads = new HashMap<>();
    for (var p : k.withGradient()) grads.put(BackwardSignature.gradientName(p), "grad_" + p.name() + "_p");
    h.append(call("DELTA_ARGS", k.delta(), grads));
    h.append(call("DKDV_ARGS", k.dkdv(), with(grads, Map.of("run_offsets", "toff.data()", "run_start", "tst.data()", "run_end", "ten.data()",
        "run_partial", "tpart.data()", "q_tiles", "ktn"))));
    h.append(call("DQ_ARGS", k.dq(), with(grads, Map.of("run_offsets", "off.data()", "run_start", "st.data()", "run_end", "en.data()",
        "run_partial", "part.data()", "q_tiles", "qtn"))));
    h.append(call("REDUCE_ARGS", k.reduce(), grads));
    Files.writeString(Path.of(a[3] + ".args.h"), h.toString());
  }

  static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
    Map<String, String> m = new HashMap<>(a);
    m.putAll(b);
    return m;
  }

  static String call(String macro, KernelSignature sig, Map<String, String> own) {
    List<String> call = new ArrayList<>();
    for (KernelArg arg : sig.args()) {
      call.add(switch (arg.role()) {
        case KernelArg.Role.Fixed f -> Optional.ofNullable(own.getOrDefault(arg.name(), COMMON.get(arg.name())))
                .orElseThrow(() -> new IllegalStateException("the harness has no value for argument " + arg.name()));
        case KernelArg.Role.Param(var p) -> p.kind().isTensor() ? p.name() + ".data()" : p.name();
      });
    }
    return "#define " + macro + " " + String.join(", ", call) + "\n";
  }
}
