package dev.attnc.compiler.front;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.sparsity.MaskClass;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A program through everything the front end promises to survive: parse, check, lower, every pass
 * of Pipeline and the block-plan classification of each attention. Runs on a thread with a 1 MB
 * stack (the JDK's usual default; surefire's own threads get 8 MB), so a test that passes here
 * shows the limits keep the recursion inside an ordinary stack.
 */
final class FrontEndRun {
    private FrontEndRun() {}

    /** The compilation, after optimizing and classifying every attention it lowered. */
    static Compilation compile(String name, String text) throws Throwable {
        return onSmallStack(() -> throughEveryPass(name, text));
    }

    /** The CPU time of the thread that compiles {@code text} as {@link #compile} does. */
    static long compileCpuNanos(String name, String text) throws Throwable {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        return onSmallStack(() -> {
            long start = threads.getCurrentThreadCpuTime();
            throughEveryPass(name, text);
            return threads.getCurrentThreadCpuTime() - start;
        });
    }

    private static Compilation throughEveryPass(String name, String text) {
        Compilation c = Compilation.of(new SourceFile(name, text));
        for (String attention : c.hasErrors() ? java.util.List.<String>of() : c.attentionNames()) {
            Attention a = c.optimized(attention);
            MaskClass.of(a.mask());
        }
        return c;
    }

    interface Work<T> {
        T run() throws Throwable;
    }

    static <T> T onSmallStack(Work<T> work) throws Throwable {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                result.set(work.run());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "front-end-1mb", 1 << 20);
        t.start();
        t.join();
        if (failure.get() != null) throw failure.get();
        return result.get();
    }
}
