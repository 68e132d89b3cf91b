package dev.attnc.cli;

import dev.attnc.AttentionKernel;
import dev.attnc.AttnInputException;
import dev.attnc.Check;
import dev.attnc.Gradients;
import dev.attnc.Result;
import dev.attnc.Tensor;
import dev.attnc.compiler.grad.Gradient;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.io.Npy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code attnc run --dout}: the backward pass after the forward, on the same inputs. Its output
 * files ({@code --grads DIR}: dq.npy, dk.npy, dv.npy, d_<param>.npy) join the run's, so they are
 * checked before any work and written with the rest, all or nothing.
 */
final class BackwardRun {
    private final String dout;
    private final Path dlse;
    private final boolean atomic;

    /** With no --dout: the backward's other options are mistakes. */
    static BackwardRun none(Path dlse, Path grads, boolean atomic) {
        if (dlse != null || grads != null || atomic) throw new AttnInputException("--dlse, --grads and --atomic-grads need --dout");
        return new BackwardRun(null, null, false);
    }

    private BackwardRun(String dout, Path dlse, boolean atomic) {
        this.dout = dout;
        this.dlse = dlse;
        this.atomic = atomic;
    }

    /** Checks (and creates) the --grads folder and adds its files to the run's outputs. */
    BackwardRun(String dout, Path dlse, Path grads, boolean atomic, Attention attention, OutputFiles outputs) {
        this(dout, dlse, atomic);
        if (grads == null) return;
        if (Files.exists(grads) && !Files.isDirectory(grads)) throw new AttnInputException("--grads " + grads + " is a file, not a folder");
        try {
            Files.createDirectories(grads);
        } catch (IOException e) {
            throw new AttnInputException("--grads " + grads + ": cannot create the folder: " + e.getMessage(), e);
        }
        for (String name : names(attention)) outputs.add(name, grads.resolve(name + ".npy"));
    }

    /** The file stems, in order: dq, dk, dv, then d_<param> for each parameter with a gradient. */
    private static List<String> names(Attention a) {
        List<String> names = new java.util.ArrayList<>(List.of("dq", "dk", "dv"));
        Gradient.ofBackward(a).parameters().forEach(p -> names.add("d_" + p));
        return names;
    }

    /**
     * Runs the backward (when --dout was given), prints its time, puts its tensors into {@code written}
     * by file stem and, with {@code check}, compares them with the reference; false if that fails.
     */
    boolean run(AttentionKernel kernel, AttentionKernel.Prepared prepared, Tensor[] qkv, Map<String, Object> args, double scale,
            Result forward, long seed, boolean check, PrintWriter o, Map<String, Tensor> written, Layout layout) throws IOException {
        if (dout == null) return true;
        Tensor dO = dout.equals("random") ? Tensor.random(qkv[0].dtype(), seed + 4, forward.o().shape()) : layout.read(Npy.read(Path.of(dout)));
        Tensor dLse = dlse == null ? null : Npy.read(dlse);
        Gradients g = kernel.backward(qkv[0], qkv[1], qkv[2], args, scale, forward.o(), forward.lse(), dO, dLse, atomic);
        o.printf(Locale.ROOT, "backward: %.3f ms (one cold run), dQ dK dV%s%n", g.kernelNanos() / 1e6,
                g.params().isEmpty() ? "" : " and d " + String.join(", d ", g.params().keySet()));
        written.put("dq", layout.written(g.dq()));
        written.put("dk", layout.written(g.dk()));
        written.put("dv", layout.written(g.dv()));
        g.params().forEach((name, t) -> written.put("d_" + name, t));
        if (!check) return true;
        boolean passed = true;
        for (Check.GradientReport r : Check.gradients(kernel.attention(), prepared.inputs(), dO, dLse, g,
                prepared.kernel().effectiveStorage(qkv[0].dtype()))) {
            o.printf(Locale.ROOT, "check %s against the reference backward: max error %.3g (largest |%s| %.3g), non-finite = %d: %s%n",
                    r.name(), r.maxError(), r.name(), r.magnitude(), r.nonFinite(), r.passed() ? "ok" : "FAILED");
            passed &= r.passed();
        }
        return passed;
    }
}
