package dev.attnc.compiler.sparsity;

import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Expr;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The last few brute-force plans, so a model that calls one kernel in a loop pays the O(Q·KV)
 * evaluation once per shape and data. Keyed by the mask IR, the sizes, the tile shape, the
 * scalars the mask reads and the identity of the tensors it reads (new data, new plan; the
 * entries hold those tensors until they are evicted).
 */
final class PlanCache {
    static final int CAPACITY = 16;

    record Key(Expr mask, Sizes sizes, int blockM, int blockN, Map<String, Object> scalars, List<Identity> tensors) {}

    /** Equal only to itself: tensors are compared by identity, never by content. */
    record Identity(Object ref) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Identity i && i.ref == ref;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(ref);
        }
    }

    private static final Map<Key, BlockPlan> PLANS = new LinkedHashMap<>(CAPACITY, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, BlockPlan> eldest) {
            return size() > CAPACITY;
        }
    };

    private PlanCache() {}

    static BlockPlan get(Key key, Supplier<BlockPlan> build) {
        synchronized (PLANS) {
            BlockPlan known = PLANS.get(key);
            if (known != null) return known;
        }
        BlockPlan plan = build.get();
        synchronized (PLANS) {
            PLANS.put(key, plan);
        }
        return plan;
    }
}
