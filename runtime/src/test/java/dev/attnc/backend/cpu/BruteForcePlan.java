package dev.attnc.backend.cpu;

import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Evaluator;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.TileKind;

/** The exact block plan of a mask, by evaluating it on every pair of every tile of every (b, h). */
final class BruteForcePlan {
    private BruteForcePlan() {}

    static BlockPlan of(Attention a, Sizes s, Bindings bindings, int blockM, int blockN) {
        Evaluator ev = new Evaluator(s, bindings.complete(a));
        BlockPlan.Builder plan = new BlockPlan.Builder(blockM, blockN, s.Q_LEN(), s.KV_LEN(), true, true, s.H(), "brute-force");
        for (int b = 0; b < s.B(); b++) {
            for (int h = 0; h < s.H(); h++) {
                for (int qt = 0; qt < plan.qTiles(); qt++) {
                    for (int kt = 0; kt < plan.kvTiles(); kt++) {
                        int kept = 0;
                        int pairs = 0;
                        for (int q = qt * blockM; q < Math.min(s.Q_LEN(), (qt + 1) * blockM); q++) {
                            for (int kv = kt * blockN; kv < Math.min(s.KV_LEN(), (kt + 1) * blockN); kv++) {
                                pairs++;
                                if (ev.at(b, h, q, kv, 0).evalBool(a.mask())) kept++;
                            }
                        }
                        plan.run(kt, kt + 1, kept == 0 ? TileKind.EMPTY : kept == pairs ? TileKind.FULL : TileKind.PARTIAL);
                    }
                    plan.endRow();
                }
            }
        }
        return plan.build();
    }
}
