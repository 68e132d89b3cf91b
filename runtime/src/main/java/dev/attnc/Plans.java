package dev.attnc;

import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import dev.attnc.compiler.sparsity.SequencePlanner;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Block plans for calls, remembered by what they depend on: the attention, the sizes, the scalar
 * arguments and the contents of the tensors the mask reads, so a model that calls a kernel in a
 * loop with the same document layout builds its plan once, and one that rewrites the same tensor
 * (a document-id buffer refilled every batch, memory under {@code Tensor.wrap} changed elsewhere)
 * gets a new plan. Contents, not identities or write counters: attnc cannot see writes to wrapped
 * memory, and hashing the mask's tensors is cheap beside a call (see docs/reliability.md). Keys
 * hold copies of those contents, at most {@link #BUDGET_BYTES} in all; a call whose mask tensors
 * are larger than that is planned afresh every time.
 */
final class Plans {
    private static final int CAPACITY = 64;
    static final long BUDGET_BYTES = 64L << 20;

    /** {@code kvLens}: each sequence's KV_LEN (their contents: a decode loop's lengths grow each step), empty for none. */
    private record Key(Attention attention, Sizes sizes, Map<String, Object> scalars, Map<String, TensorContents> tensors, TilePlan tiles,
            List<Integer> kvLens) {
        long byteSize() {
            return tensors.values().stream().mapToLong(TensorContents::byteSize).sum();
        }

        Key snapshot() {
            Map<String, TensorContents> copies = new TreeMap<>();
            tensors.forEach((name, c) -> copies.put(name, c.snapshot()));
            return new Key(attention, sizes, scalars, copies, tiles, kvLens);
        }
    }

    private static final LinkedHashMap<Key, BlockPlan> CACHE = new LinkedHashMap<>(16, 0.75f, true);
    private static long cachedBytes;

    private Plans() {}

    /** The plan of a call; {@code kvLens} (null: none) gives each sequence's own KV_LEN ({@link SequencePlanner}). */
    static BlockPlan plan(Attention a, Sizes sizes, Inputs.Bound bound, TilePlan tiles, int[] kvLens) {
        Map<String, TensorContents> read = new TreeMap<>();
        for (String name : tensorsRead(a.mask())) read.put(name, TensorContents.of(bound.tensors().get(name)));
        Key key = new Key(a, sizes, bound.scalars(), read, tiles,
                kvLens == null ? List.of() : java.util.Arrays.stream(kvLens).boxed().toList());
        synchronized (CACHE) {
            BlockPlan known = CACHE.get(key);
            if (known != null) return known;
        }
        BlockPlan plan = kvLens == null ? BlockPlanner.plan(a, sizes, bound.bindings(), tiles.blockM(), tiles.blockN())
                : SequencePlanner.plan(a, sizes, bound.bindings(), tiles.blockM(), tiles.blockN(), kvLens);
        if (key.byteSize() <= BUDGET_BYTES) remember(key.snapshot(), plan);
        return plan;
    }

    private static void remember(Key key, BlockPlan plan) {
        synchronized (CACHE) {
            if (CACHE.put(key, plan) == null) cachedBytes += key.byteSize();
            Iterator<Key> eldest = CACHE.keySet().iterator();
            while (CACHE.size() > CAPACITY || cachedBytes > BUDGET_BYTES) {
                cachedBytes -= eldest.next().byteSize();
                eldest.remove();
            }
        }
    }

    /** The names of the tensors an expression loads from (each shared node visited once: the IR is a DAG). */
    private static Set<String> tensorsRead(Expr root) {
        Set<String> names = new TreeSet<>();
        Set<Expr> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Expr> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            Expr e = todo.pop();
            if (!seen.add(e)) continue;
            if (e instanceof Expr.Load l) names.add(l.tensor().name());
            e.children().forEach(todo::push);
        }
        return names;
    }
}
