package dev.attnc.compiler.passes;

import java.util.Random;

/**
 * Random well-typed programs in the attention language: a helper mask and score function with
 * parameters, an attention with an int tensor, a float tensor and scalar parameters, blocks with
 * let, |> chains, every operator. Divisors are never the constant zero (a compile-time error).
 * Shared by the property tests of the passes and of the reference backward.
 */
public final class RandomPrograms {
    private final Random random;
    private int lets;
    /** Inside a helper definition only its own parameters exist, not the attention's. */
    private boolean inHelper;
    /** In a normalize clause's argument: q where kv would be, no helper mask (it reads kv). */
    private boolean perRow;

    public RandomPrograms(long seed) {
        this.random = new Random(seed);
    }

    public String program() {
        return program(false);
    }

    /** With {@code normalize}, the attention ends with a random normalize clause (softmax, a sink or sigmoid). */
    public String program(boolean normalize) {
        inHelper = true;
        String helpers = "mask helper(w: int = " + (1 + random.nextInt(9)) + ", c: float = 0.5) = " + bool(3, false) + "\n"
                + "score bump(c: float = 0.5, w: int = 3) = score * c + " + floating(2, true) + "\n";
        inHelper = false;
        return helpers + "attention t(n: int, f: float, flag: bool, ids: int[KV_LEN], table: float[H, 8]) {\n"
                + "  score = " + scoreExpr() + "\n"
                + "  mask = " + bool(3, true) + "\n"
                + (normalize ? "  normalize = " + normalization() + "\n" : "")
                + "}\n";
    }

    private String normalization() {
        perRow = true;
        String e = floating(2, false);
        perRow = false;
        return switch (random.nextInt(3)) {
            case 0 -> "softmax";
            case 1 -> "softmax(sink = " + e + ")";
            default -> "sigmoid(bias = " + e + ")";
        };
    }

    private String scoreExpr() {
        String e = floating(3, true);
        int pipes = random.nextInt(3);
        for (int i = 0; i < pipes; i++) e = "(" + e + ") |> bump(" + (random.nextBoolean() ? "" : "c = " + floating(1, false)) + ")";
        if (random.nextInt(4) == 0) {
            int id = lets++;
            e = "{ let v" + id + " = " + integer(2) + "; " + e + " + float(v" + id + ") }";
        }
        return e;
    }

    private String integer(int depth) {
        if (depth == 0 || random.nextInt(4) == 0) {
            return switch (random.nextInt(9)) {
                case 0 -> "q";
                case 1 -> perRow ? "q" : "kv";
                case 2 -> "h";
                case 3 -> "b";
                case 4 -> "Q_LEN";
                case 5 -> inHelper ? "w" : "n";
                case 6 -> inHelper ? "(kv - w)" : perRow ? "ids[q]" : "ids[kv]";
                case 7 -> inHelper ? "w" : "ids[q]";
                default -> Integer.toString(random.nextInt(21) - 10);
            };
        }
        String a = integer(depth - 1);
        String b = integer(depth - 1);
        return switch (random.nextInt(12)) {
            case 0 -> "(" + a + " + " + b + ")";
            case 1 -> "(" + a + " - " + b + ")";
            case 2 -> "(" + a + " * " + b + ")";
            case 3 -> "(" + a + " / " + nonZero() + ")";
            case 4 -> "(" + a + " % " + nonZero() + ")";
            case 5 -> "(" + a + " / " + b + ")";
            case 6 -> "min(" + a + ", " + b + ")";
            case 7 -> "max(" + a + ", " + b + ")";
            case 8 -> "abs(" + a + ")";
            case 9 -> "clamp(" + a + ", -4, 4)";
            case 10 -> "(" + bool(depth - 1, false) + " ? " + a + " : " + b + ")";
            default -> "int(" + floating(depth - 1, false) + ")";
        };
    }

    private String nonZero() {
        int v = random.nextInt(9) + 1;
        return random.nextBoolean() ? Integer.toString(v) : "-" + v;
    }

    private String floating(int depth, boolean hasScore) {
        if (depth == 0 || random.nextInt(4) == 0) {
            return switch (random.nextInt(hasScore ? 6 : 5)) {
                case 0 -> inHelper ? (hasScore ? "c" : "0.5") : "f";
                case 1 -> inHelper ? "float(q)" : "table[h, " + integer(1) + "]";
                case 2 -> "float(" + integer(1) + ")";
                case 3 -> (random.nextInt(200) - 100) / 8.0 + "";
                case 4 -> "0.25";
                default -> "score";
            };
        }
        String a = floating(depth - 1, hasScore);
        String b = floating(depth - 1, hasScore);
        return switch (random.nextInt(11)) {
            case 0 -> "(" + a + " + " + b + ")";
            case 1 -> "(" + a + " - " + b + ")";
            case 2 -> "(" + a + " * " + b + ")";
            case 3 -> "(" + a + " / 4.0)";
            case 4 -> "tanh(" + a + ")";
            case 5 -> "sigmoid(" + a + ")";
            case 6 -> "exp2(clamp(" + a + ", -8.0, 8.0))";
            case 7 -> "max(" + a + ", " + integer(depth - 1) + ")";
            case 8 -> "(" + bool(depth - 1, false) + " ? " + a + " : " + b + ")";
            case 9 -> "abs(" + a + ")";
            default -> "float(floor(" + a + "))";
        };
    }

    private String bool(int depth, boolean allowHelper) {
        if (depth == 0 || random.nextInt(5) == 0) {
            return switch (random.nextInt(4)) {
                case 0 -> inHelper ? "(q < kv)" : "flag";
                case 1 -> "true";
                case 2 -> allowHelper ? "helper(" + (1 + random.nextInt(5)) + ")" : perRow ? "(q >= 2)" : "(q >= kv)";
                default -> "(" + integer(1) + " <= " + integer(1) + ")";
            };
        }
        return switch (random.nextInt(7)) {
            case 0 -> "(" + bool(depth - 1, allowHelper) + " && " + bool(depth - 1, allowHelper) + ")";
            case 1 -> "(" + bool(depth - 1, allowHelper) + " || " + bool(depth - 1, allowHelper) + ")";
            case 2 -> "!" + bool(depth - 1, allowHelper);
            case 3 -> "(" + integer(depth - 1) + " == " + integer(depth - 1) + ")";
            case 4 -> "(" + integer(depth - 1) + " > " + integer(depth - 1) + ")";
            case 5 -> "(" + floating(depth - 1, false) + " < " + floating(depth - 1, false) + ")";
            default -> "(" + bool(depth - 1, allowHelper) + " != " + bool(depth - 1, allowHelper) + ")";
        };
    }
}
