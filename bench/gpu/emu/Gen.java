import dev.attnc.compiler.*;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.codegen.cuda.*;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.plan.TilePlan;
import java.nio.file.*;
public class Gen {
  public static void main(String[] a) throws Exception {
    // args: file D BM BN warps storage out
    var src = SourceFile.class.getMethod("read", Path.class);
    Object sf = src.invoke(null, Path.of(a[0]));
    Compilation c = Compilation.of((SourceFile) sf).orThrow();
    var att = c.optimized(null);
    int d = Integer.parseInt(a[1]);
    TilePlan t = new TilePlan(Integer.parseInt(a[2]), Integer.parseInt(a[3]), Integer.parseInt(a[4]));
    var o = Boolean.getBoolean("wgmma") ? CudaCodegen.Options.wgmma(d, t) : CudaCodegen.Options.defaults(d, t);
    var k = CudaCodegen.generate(att, Storage.valueOf(a[5]), d, t, o);
    Files.writeString(Path.of(a[6]), k.text());
  }
}
