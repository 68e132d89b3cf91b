package dev.attnc.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Where a program's main thread spends its time, without JFR (the GPU machine's runtime image has no
 * jdk.jfr): runs {@code MAIN_CLASS ARGS...} while another thread takes the main thread's stack about
 * every half millisecond, then prints the methods seen on most stacks (inclusive) and on top (self).
 * A time in native code (a CUDA driver call through java.lang.foreign) shows as its Java caller.
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
        int[] samples = {0};
        Thread sampler = new Thread(() -> {
            while (!done) {
                StackTraceElement[] stack = main.getStackTrace();
                if (stack.length > 0) {
                    samples[0]++;
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
        }
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
