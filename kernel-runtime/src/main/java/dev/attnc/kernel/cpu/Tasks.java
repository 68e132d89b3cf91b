package dev.attnc.kernel.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * Runs {@code body(0 .. count-1)} on a ForkJoinPool, splitting the range in halves down to single
 * tasks: tile costs differ (causal rows, sparse plans), and work stealing evens them out.
 */
public final class Tasks {
    private Tasks() {}

    public static void forEach(ForkJoinPool pool, int count, IntConsumer body) {
        if (count > 0) pool.invoke(new Range(0, count, body));
    }

    private static final class Range extends RecursiveAction {
        private final int from, to;
        private final IntConsumer body;

        Range(int from, int to, IntConsumer body) {
            this.from = from;
            this.to = to;
            this.body = body;
        }

        @Override
        protected void compute() {
            if (to - from == 1) {
                body.accept(from);
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new Range(from, mid, body), new Range(mid, to, body));
        }
    }
}
