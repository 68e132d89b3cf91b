package dev.attnc.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where a program's main thread spends its time, without JFR (the GPU machine's runtime image has no
 * jdk.jfr): runs {@code MAIN_CLASS ARGS...} while another thread takes the main thread's stack about
 * every half millisecond, then prints the methods seen on most stacks (inclusive) and on top (self).
 * A time in native code (a CUDA driver call through java.lang.foreign) shows as its Java caller.
 * With {@code -Dsampler.within=CLASS.METHOD} only the stacks through that method count, and a call tree
 * below it follows (each node's share of those stacks, nodes under 1 % left out): where one phase's time goes.
 * {@code -Dsampler.skip=CLASS.METHOD[,...]} drops the stacks through any of those (a one-time compile
 * inside the phase: {@code dev.attnc.backend.cuda.CudaBackend.module}).
 * {@code java -cp ... dev.attnc.bench.StackSampler dev.attnc.examples.DecodeStepOverhead cuda 8 32 8 32768 128 50}
 */
public final class StackSampler {
    private StackSampler() {}

    private static volatile boolean done;

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: StackSampler MAIN_CLASS [ARGS...]");
            System.exit(2);
        }
        Thread main = Thread.currentThread();
        Map<String, Integer> inclusive = new HashMap<>(), self = new HashMap<>();
        String within = System.getProperty("sampler.within");
        Set<String> skip = Set.of(System.getProperty("sampler.skip", "").split(","));
        Map<String, Integer> tree = new TreeMap<>(); // a path below `within` (frames joined by '\n'), its stacks
        int[] samples = {0};
        Thread sampler = new Thread(() -> {
            while (!done) {
                StackTraceElement[] stack = main.getStackTrace();
                int at = within == null ? 0 : depthOf(stack, within);
                for (StackTraceElement e : stack) if (skip.contains(name(e))) at = -1;
                if (stack.length > 0 && at >= 0) {
                    samples[0]++;
                    if (within != null) {
                        StringBuilder path = new StringBuilder();
                        for (int i = at; i >= Math.max(0, at - TREE_DEPTH); i--) {
                            path.append(i == at ? "" : "\n").append(name(stack[i]));
                            tree.merge(path.toString(), 1, Integer::sum);
                        }
                    }
                    self.merge(name(stack[0]), 1, Integer::sum);
                    Set<String> seen = new HashSet<>();
                    for (StackTraceElement e : stack) if (seen.add(name(e))) inclusive.merge(name(e), 1, Integer::sum);
                }
                try {
                    Thread.sleep(0, 500_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "stack-sampler");
        sampler.setDaemon(true);
        sampler.start();
        try {
            Class.forName(args[0]).getMethod("main", String[].class).invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } finally {
            done = true;
            sampler.join();
            System.out.println("== " + samples[0] + " samples of the main thread");
            print("inclusive (on the stack)", inclusive, 50);
            print("self (on top)", self, 25);
            if (within != null) printTree(tree, samples[0]);
        }
    }

    private static final int TREE_DEPTH = 9;

    /** The outermost frame of {@code method} on the stack (index from the top), or -1. */
    private static int depthOf(StackTraceElement[] stack, String method) {
        for (int i = stack.length - 1; i >= 0; i--) if (name(stack[i]).equals(method)) return i;
        return -1;
    }

    /** The paths in order (a parent before its children), indented by depth, those of at least 1 % of the samples. */
    private static void printTree(Map<String, Integer> tree, int samples) {
        System.out.println("-- call tree (% of the samples through the method)");
        printChildren(tree, "", samples);
    }

    private static void printChildren(Map<String, Integer> tree, String parent, int samples) {
        int depth = parent.isEmpty() ? 0 : (int) parent.chars().filter(c -> c == '\n').count() + 1;
        tree.entrySet().stream()
                .filter(e -> parent.isEmpty() ? e.getKey().indexOf('\n') < 0
                        : e.getKey().startsWith(parent + "\n") && e.getKey().indexOf('\n', parent.length() + 1) < 0)
                .filter(e -> e.getValue() * 100 >= samples)
                .sorted((a, b) -> b.getValue() - a.getValue())
                .forEach(e -> {
                    String leaf = e.getKey().substring(e.getKey().lastIndexOf('\n') + 1);
                    System.out.printf("%5.1f %s%s%n", 100.0 * e.getValue() / samples, "  ".repeat(depth), leaf);
                    printChildren(tree, e.getKey(), samples);
                });
    }

    private static String name(StackTraceElement e) {
        return e.getClassName() + "." + e.getMethodName();
    }

    private static void print(String title, Map<String, Integer> counts, int limit) {
        System.out.println("-- " + title);
        counts.entrySet().stream().filter(e -> !e.getKey().startsWith("java.lang.reflect.") && !e.getKey().startsWith("jdk.internal.reflect."))
                .sorted((a, b) -> b.getValue() - a.getValue()).limit(limit)
                .forEach(e -> System.out.printf("%6d %s%n", e.getValue(), e.getKey()));
    }
}
