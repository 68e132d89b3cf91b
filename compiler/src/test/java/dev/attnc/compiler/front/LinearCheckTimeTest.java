package dev.attnc.compiler.front;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checking is about linear in the program's size (issue 15, item 3): 40,000 lines take at most
 * about twice as long as 20,000 (quadratic would be 4×). The bound is loose, each size is timed
 * twice keeping the faster, and a failed comparison is measured again (up to three times), so
 * that a busy machine does not fail it. The time is the compiling thread's CPU time (another
 * process on the machine does not count), under the serial collector the surefire configuration
 * sets: with G1 on two cores, the compiling thread's own time for 40,000 lines was 6-8x that of
 * 20,000 (CI: 100 ms against 750-1,000 ms), while with the serial collector, or with no collector
 * at all (Epsilon), it was 2x: the JVM's allocation costs, not the checker's algorithm.
 */
class LinearCheckTimeTest {
    private static final double MAX_RATIO = 3.0;
    private static final long SLACK_NANOS = 300_000_000L;
    private static final int ATTEMPTS = 3;

    private static String program(String shape, int lines) {
        StringBuilder s = new StringBuilder();
        IntFunction<String> line = switch (shape) {
            // Each let uses an earlier one: shallow IR, so the whole program compiles.
            case "lets" -> i -> "    let x" + i + " = x" + i / 2 + " + q\n";
            // Each mask calls the one before: lowering stops at the depth limit, checking does not.
            case "definitions" -> i -> "mask m" + i + " = m" + (i - 1) + " && q >= kv - " + i + "\n";
            case "unknown-names" -> i -> "mask m" + i + " = unknwn" + i + " && q >= kv\n";
            // Written backwards: each const uses the next line's.
            case "consts" -> i -> "const c" + (lines - i) + " = c" + (lines - i - 1) + " + 1\n";
            default -> throw new IllegalArgumentException(shape);
        };
        switch (shape) {
            case "lets" -> s.append("attention a {\n  score = {\n    let x0 = score\n");
            case "definitions" -> s.append("mask m0 = q >= kv\n");
            case "consts" -> s.append("const c0 = 1\n");
            default -> { }
        }
        for (int i = 1; i < lines; i++) s.append(line.apply(i));
        switch (shape) {
            case "lets" -> s.append("    x").append(lines - 1).append("\n  }\n}\n");
            case "definitions" -> s.append("attention a { mask = m").append(lines - 1).append(" }\n");
            case "consts" -> s.append("attention a { mask = q >= kv - c").append(lines - 1).append(" }\n");
            default -> { }
        }
        return s.toString();
    }

    private static long fastestOfTwo(String text) throws Throwable {
        long best = Long.MAX_VALUE;
        for (int run = 0; run < 2; run++) {
            System.gc();
            best = Math.min(best, FrontEndRun.compileCpuNanos("big.attn", text));
        }
        return best;
    }

    @ParameterizedTest
    @ValueSource(strings = {"lets", "definitions", "unknown-names", "consts"})
    void fortyThousandLinesTakeAboutTwiceTwentyThousand(String shape) throws Throwable {
        FrontEndRun.compile("warm.attn", program(shape, 5_000));
        String small = program(shape, 20_000);
        String large = program(shape, 40_000);
        // A busy machine can slow one measurement; n² time fails every attempt.
        String report = "";
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            long smallNanos = fastestOfTwo(small);
            long largeNanos = fastestOfTwo(large);
            report += String.format("%s, attempt %d: 20,000 lines %d ms, 40,000 lines %d ms%n", shape, attempt, smallNanos / 1_000_000, largeNanos / 1_000_000);
            if (largeNanos <= MAX_RATIO * smallNanos + SLACK_NANOS) break;
            assertTrue(attempt < ATTEMPTS, "not linear: " + report);
        }
        System.out.print("check time, " + report);
    }
}
