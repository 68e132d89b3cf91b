package dev.attnc;

import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Block plans for calls, remembered by what they depend on: the attention, the sizes, the scalar
 * arguments and the tensor arguments (by identity: a new tensor is a new plan), so a model that
 * calls a kernel in a loop with the same document layout builds its plan once.
 */
final class Plans {
    private static final int CAPACITY = 64;
    private static final Map<List<Object>, BlockPlan> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Object>, BlockPlan> eldest) {
            return size() > CAPACITY;
        }
    };

    private Plans() {}

    static BlockPlan plan(Attention a, Sizes sizes, Inputs.Bound bound, TilePlan tiles) {
        List<Object> key = List.of(a, sizes, bound.scalars(), identities(bound.tensors()), tiles);
        synchronized (CACHE) {
            BlockPlan known = CACHE.get(key);
            if (known != null) return known;
        }
        BlockPlan plan = BlockPlanner.plan(a, sizes, bound.bindings(), tiles.blockM(), tiles.blockN());
        synchronized (CACHE) {
            CACHE.put(key, plan);
        }
        return plan;
    }

    private static Map<String, Integer> identities(Map<String, Tensor> tensors) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        tensors.forEach((k, t) -> ids.put(k, System.identityHashCode(t.segment())));
        return ids;
    }
}
