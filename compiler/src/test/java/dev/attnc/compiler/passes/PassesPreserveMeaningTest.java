package dev.attnc.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.DiagnosticRenderer;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Evaluator;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.IrPrinter;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property: for random well-typed programs, the IR after every optimizing pass means exactly what
 * the lowered IR means — same mask and same score at random points, sizes and arguments.
 */
class PassesPreserveMeaningTest {
    @Test
    void randomProgramsKeepTheirMeaningThroughThePipeline() {
        check(false);
    }

    /** The normalize clause's sink or bias is carried by every pass too. */
    @Test
    void randomNormalisationsKeepTheirMeaningThroughThePipeline() {
        check(true);
    }

    private static void check(boolean normalize) {
        Random random = new Random(7);
        int checked = 0;
        for (int seed = 0; seed < 400; seed++) {
            String text = new RandomPrograms(seed).program(normalize);
            Compilation c = Compilation.of(new SourceFile("random" + seed + ".attn", text));
            // a constant index past the table's end is rightly rejected: such programs are skipped
            if (c.diagnostics().stream().allMatch(d -> d.key().equals("index.out-of-bounds")) && c.hasErrors()) continue;
            if (c.hasErrors()) {
                fail("a generated program did not compile:\n" + text + "\n" + c.diagnostics().stream().map(DiagnosticRenderer::render).toList());
            }
            Attention lowered = c.lowered(null);
            Attention optimized = c.optimized(null);
            for (int trial = 0; trial < 20; trial++) {
                Sizes s = new Sizes(1 + random.nextInt(3), 2, 1, 1 + random.nextInt(40), 1 + random.nextInt(40), 8);
                double[] ids = new double[s.KV_LEN()];
                for (int i = 0; i < ids.length; i++) ids[i] = random.nextInt(11) - 5;
                double[] table = new double[s.H() * 8];
                for (int i = 0; i < table.length; i++) table[i] = random.nextGaussian();
                Bindings b = new Bindings(
                        Map.of("n", random.nextInt(21) - 10, "f", random.nextGaussian() * 4, "flag", random.nextBoolean()),
                        Map.of("ids", TensorData.of(ids, s.KV_LEN()), "table", TensorData.of(table, s.H(), 8)));
                int bb = random.nextInt(s.B()), h = random.nextInt(s.H()), q = random.nextInt(s.Q_LEN()), kv = random.nextInt(s.KV_LEN());
                double score = random.nextGaussian() * 3;
                Evaluator before = new Evaluator(s, b).at(bb, h, q, kv, score);
                Evaluator after = new Evaluator(s, b).at(bb, h, q, kv, score);
                String where = "\n" + text + "\nat b=" + bb + " h=" + h + " q=" + q + " kv=" + kv + " " + s + "\n" + IrPrinter.print(optimized);
                assertEquals(before.evalBool(lowered.mask()), after.evalBool(optimized.mask()), "mask" + where);
                double x = before.evalFloat(lowered.score());
                double y = after.evalFloat(optimized.score());
                if (!(Double.isNaN(x) && Double.isNaN(y))) assertEquals(x, y, 1e-9 * Math.max(1, Math.abs(x)), "score" + where);
                assertEquals(lowered.normalization().getClass(), optimized.normalization().getClass(), "normalisation" + where);
                for (int i = 0; i < lowered.normalization().exprs().size(); i++) {
                    double e = before.evalFloat(lowered.normalization().exprs().get(i));
                    double o = after.evalFloat(optimized.normalization().exprs().get(i));
                    if (!(Double.isNaN(e) && Double.isNaN(o))) assertEquals(e, o, 1e-9 * Math.max(1, Math.abs(e)), "normalisation" + where);
                }
                checked++;
            }
        }
        assertTrue(checked >= 6000, "too few programs checked: " + checked);
    }
}
