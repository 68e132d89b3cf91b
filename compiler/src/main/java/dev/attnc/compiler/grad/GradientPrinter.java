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
        Gradient score = Gradient.of(a);
        return print(Gradient.ofBackward(a), score.scalars().size(), score.tensors().size());
    }

    public static String print(Gradient g) {
        return print(g, g.scalars().size(), g.tensors().size());
    }

    /** The scalars from {@code scoreScalars} on and the tensors from {@code scoreTensors} on are E's. */
    private static String print(Gradient g, int scoreScalars, int scoreTensors) {
        IrPrinter p = IrPrinter.over(g.forward(), g.roots());
        p.attention(g.forward());
        p.line("gradient");
        List<String> results = new ArrayList<>();
        results.add("d score = " + p.name(g.dScore()));
        for (int i = 0; i < g.scalars().size(); i++) {
            ScalarGrad s = g.scalars().get(i);
            results.add("d " + (i >= scoreScalars ? "E: " : "") + "$" + s.param() + " = " + p.name(s.derivative()));
        }
        for (int i = 0; i < g.tensors().size(); i++) {
            TensorGrad t = g.tensors().get(i);
            String derivative = p.name(t.derivative());
            String indices = t.load().indices().stream().map(p::name).collect(Collectors.joining(", "));
            results.add("d " + (i >= scoreTensors ? "E: " : "") + t.param() + "[" + indices + "]" + (t.load().clamped() ? " clamped" : "")
                    + " = " + derivative);
        }
        results.forEach(r -> p.line("  " + r));
        return p.text();
    }
}
