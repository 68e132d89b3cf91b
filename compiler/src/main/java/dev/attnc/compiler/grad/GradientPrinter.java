package dev.attnc.compiler.grad;

import dev.attnc.compiler.grad.Gradient.ScalarGrad;
import dev.attnc.compiler.grad.Gradient.TensorGrad;
import dev.attnc.compiler.ir.IrPrinter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The stable text form of a {@link Gradient} ({@code attnc ir --grad}, golden tests): the forward
 * attention as {@link IrPrinter} prints it, then the derivatives' nodes, numbered on from the
 * forward's in the order of {@link Gradient#roots()} (so %N is the node a backward kernel's
 * placement numbers N), then one line per derivative:
 * <pre>
 * gradient
 *   %9 = mul %6, %6                            : float   @element
 *   ...
 *   d score = %12                 ∂s/∂score
 *   d $cap = %15                  ∂s/∂cap, a float scalar parameter
 *   d slopes[h] = %14             ∂s/∂(the element this read of slopes reads)
 *   d E: sinks[h] = %16           with a sink or a sigmoid bias E, ∂E/∂p ({@link Gradient#ofBackward})
 * </pre>
 */
public final class GradientPrinter {
    private GradientPrinter() {}

    /** Every derivative a backward kernel computes: the score's, then the normalisation's E ({@link Gradient#ofBackward}). */
    public static String print(dev.attnc.compiler.ir.Attention a) {
        return print(Gradient.ofBackward(a));
    }

    /** The forward, then each derivative; E's (the normalisation's) marked {@code E:}. */
    public static String print(Gradient g) {
        IrPrinter p = IrPrinter.over(g.forward(), g.roots());
        p.attention(g.forward());
        p.line("gradient");
        List<String> results = new ArrayList<>();
        results.add("d score = " + p.name(g.dScore()));
        for (ScalarGrad s : g.scalars()) {
            results.add("d " + (s.ofNormalization() ? "E: " : "") + "$" + s.param() + " = " + p.name(s.derivative()));
        }
        for (TensorGrad t : g.tensors()) {
            String derivative = p.name(t.derivative());
            String indices = t.load().indices().stream().map(p::name).collect(Collectors.joining(", "));
            results.add("d " + (t.ofNormalization() ? "E: " : "") + t.param() + "[" + indices + "]" + (t.load().clamped() ? " clamped" : "")
                    + " = " + derivative);
        }
        results.forEach(r -> p.line("  " + r));
        return p.text();
    }
}
