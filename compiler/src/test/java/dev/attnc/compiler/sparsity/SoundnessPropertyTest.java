package dev.attnc.compiler.sparsity;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.interp.Bindings;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.TileKind;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The law, on random programs: a tile the planner calls EMPTY keeps no pair and a tile it calls
 * FULL drops none, checked against the reference interpreter on every pair, for random sizes
 * (ragged edges, tiny tiles, several batch elements and heads). Affine and brute-force plans
 * must moreover be exact.
 */
class SoundnessPropertyTest {
    /** More with -Dattnc.sparsity.programs=N. */
    private static final int PROGRAMS = Integer.getInteger("attnc.sparsity.programs", 4000);

    @Test
    void everyTierIsSoundOnRandomMasks() {
        Random rnd = new Random(20240607);
        Map<MaskClass, Integer> seen = new EnumMap<>(MaskClass.class);
        for (int i = 0; i < PROGRAMS; i++) {
            Attention a = new RandomMasks(rnd, false).attention(1 + rnd.nextInt(5));
            check(a, rnd);
            seen.merge(MaskClass.of(a.mask()), 1, Integer::sum);
        }
        System.out.println("random masks by class: " + seen);
        for (MaskClass c : MaskClass.values()) assertTrue(seen.getOrDefault(c, 0) > PROGRAMS / 50, "too few " + c + " programs: " + seen);
    }

    @Test
    void affineMasksArePlannedExactly() {
        Random rnd = new Random(7);
        int affine = 0, classified = 0;
        for (int i = 0; i < PROGRAMS; i++) {
            Attention a = new RandomMasks(rnd, true).attention(1 + rnd.nextInt(5));
            // a deep nest of abs, min, max and selects may split into too many pieces
            if (MaskClass.of(a.mask()) != MaskClass.AFFINE) continue;
            classified++;
            if ("affine".equals(check(a, rnd))) affine++;
        }
        System.out.println("affine programs: " + classified + " of " + PROGRAMS + " classified affine, " + affine + " planned as affine");
        assertTrue(classified > PROGRAMS * 8 / 10, "only " + classified + " classified affine");
        // the rest fell back to interval analysis where an affine term could wrap around
        assertTrue(affine > classified * 8 / 10, "only " + affine + " planned as affine");
    }

    /** Plans one program at random sizes and checks it; returns the plan's method. */
    private static String check(Attention a, Random rnd) {
        Sizes s = RandomMasks.sizes(rnd);
        Bindings b = RandomMasks.bindings(rnd, s);
        int bm = RandomMasks.block(rnd), bn = RandomMasks.block(rnd);
        TileKind[][][][] exact = ExactTiles.of(a, s, b, bm, bn);
        BlockPlan plan = BlockPlanner.plan(a, s, b, bm, bn);
        assertNull(ExactTiles.unsound(plan, exact, a, s));
        if (plan.method.equals("affine") || plan.method.equals("brute-force")) assertNull(ExactTiles.inexact(plan, exact, a, s));
        assertNull(ExactTiles.inexact(BlockPlanner.bruteForce(a, s, b, bm, bn), exact, a, s));
        return plan.method;
    }
}
