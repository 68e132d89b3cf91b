package dev.attnc.cli.mask;

import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Evaluator;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What {@code attnc mask} shows: the block plan of an attention for given sizes and arguments, as
 * JSON (the contract), as a text picture and as a PNG. A plan may differ per batch element and
 * head (when the mask reads b or h); a report shows one of them, (b, h) = (0, 0) unless asked.
 */
public record MaskReport(Attention attention, Sizes sizes, Bindings bindings, BlockPlan plan, int b, int h) {
    public static MaskReport of(Attention a, Sizes sizes, Bindings bindings, int blockM, int blockN, int b, int h) {
        if (b < 0 || b >= sizes.B() || h < 0 || h >= sizes.H()) throw new IllegalArgumentException("no batch element " + b + ", head " + h);
        Bindings complete = bindings.complete(a);
        return new MaskReport(a, sizes, complete, BlockPlanner.plan(a, sizes, complete, blockM, blockN), b, h);
    }

    public int slot() {
        return plan.slot(b, h);
    }

    public String json() {
        return MaskJson.of(plan, slot());
    }

    public String text() {
        return MaskText.of(title() + ": Q_LEN " + sizes.Q_LEN() + " × KV_LEN " + sizes.KV_LEN() + ", " + plan.qTiles + " × " + plan.kvTiles
                + " tiles of " + plan.blockM + "×" + plan.blockN + ", method " + plan.method, plan, slot());
    }

    public void writePng(Path out) throws IOException {
        Evaluator ev = new Evaluator(sizes, bindings);
        MaskPng.Pairs pairs = (q, kv) -> ev.at(b, h, q, kv, 0).evalBool(attention.mask());
        MaskPng.write(out, MaskPng.render(title(), plan, slot(), sizes.Q_LEN(), sizes.KV_LEN(), pairs));
    }

    private String title() {
        return attention.name() + (plan.perBatch || plan.perHead ? " (b=" + b + ", h=" + h + ")" : "");
    }
}
