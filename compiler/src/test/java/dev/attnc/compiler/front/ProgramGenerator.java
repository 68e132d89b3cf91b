package dev.attnc.compiler.front;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random programs that follow the grammar (grammar/Attn.g4): consts, masks, scores and attentions
 * with parameters (scalars with defaults, tensors with shapes), blocks of lets, and expressions of
 * every form (calls of built-ins and of earlier definitions, |>, ?:, indexing, unary and binary
 * operators). Names are mostly ones in scope, types are often right but not always, so both the
 * happy path and the checker's diagnostics get exercised.
 */
final class ProgramGenerator {
    private static final String[] BINARY = {"+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "&&", "||"};
    private static final String[] FUNCTIONS = {"exp", "exp2", "log", "log2", "sqrt", "rsqrt", "tanh", "sigmoid",
            "abs", "floor", "ceil", "float", "int", "min", "max", "clamp"};
    private static final String[] VALUES = {"q", "kv", "b", "h", "B", "H", "H_KV", "Q_LEN", "KV_LEN", "D"};

    private final Random random;
    private final StringBuilder out = new StringBuilder();
    private final List<String> masks = new ArrayList<>();
    private final List<String> scores = new ArrayList<>();
    private final List<String> consts = new ArrayList<>();
    /** Names usable as values where the expression is being written (params, lets). */
    private List<String> locals = new ArrayList<>();
    private List<String> tensors = new ArrayList<>();
    private boolean inScore;
    private int names;

    ProgramGenerator(Random random) {
        this.random = random;
    }

    static String generate(Random random) {
        return new ProgramGenerator(random).program();
    }

    private String program() {
        int definitions = 1 + random.nextInt(6);
        for (int i = 0; i < definitions; i++) {
            switch (random.nextInt(4)) {
                case 0 -> constDef();
                case 1 -> function(true);
                case 2 -> function(false);
                default -> attention();
            }
            out.append(random.nextInt(5) == 0 ? "; " : "\n");
        }
        attention();
        return out.toString();
    }

    private String fresh(String prefix) {
        return prefix + (names++);
    }

    private void constDef() {
        String name = fresh("C");
        locals = new ArrayList<>();
        tensors = new ArrayList<>();
        inScore = false;
        out.append("const ").append(name).append(" = ").append(constant(2));
        consts.add(name);
    }

    private String constant(int depth) {
        if (depth == 0 || random.nextBoolean()) {
            return switch (random.nextInt(4)) {
                case 0 -> String.valueOf(random.nextInt(100));
                case 1 -> random.nextInt(100) + "." + random.nextInt(10);
                case 2 -> consts.isEmpty() ? "7" : pick(consts);
                default -> random.nextBoolean() ? "true" : "false";
            };
        }
        return constant(depth - 1) + " " + pick(new String[] {"+", "-", "*", "/"}) + " " + constant(depth - 1);
    }

    private void function(boolean mask) {
        String name = fresh(mask ? "m" : "s");
        out.append(mask ? "mask " : "score ").append(name);
        params();
        inScore = !mask;
        out.append(" = ").append(body());
        (mask ? masks : scores).add(name);
    }

    private void attention() {
        out.append("attention ").append(fresh("a"));
        params();
        out.append(" {\n");
        if (random.nextInt(4) != 0) {
            inScore = true;
            out.append("    score = ").append(body()).append('\n');
        }
        if (random.nextInt(4) != 0) {
            inScore = false;
            out.append("    mask = ").append(body()).append('\n');
        }
        out.append("}");
    }

    private void params() {
        locals = new ArrayList<>();
        tensors = new ArrayList<>();
        if (random.nextInt(3) == 0) return;
        out.append('(');
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            String name = fresh("p");
            out.append(i == 0 ? "" : ", ").append(name).append(": ");
            String scalar = pick(new String[] {"int", "float", "bool"});
            if (random.nextInt(3) == 0) {
                out.append(scalar).append('[').append(dimension());
                if (random.nextBoolean()) out.append(", ").append(dimension());
                out.append(']');
                tensors.add(name);
            } else {
                out.append(scalar);
                if (random.nextBoolean()) out.append(" = ").append(constant(1));
                locals.add(name);
            }
        }
        out.append(')');
    }

    private String dimension() {
        return switch (random.nextInt(4)) {
            case 0 -> String.valueOf(1 + random.nextInt(64));
            case 1 -> pick(new String[] {"H", "Q_LEN", "KV_LEN", "B", "H_KV"});
            case 2 -> "2 * KV_LEN - 1";
            default -> consts.isEmpty() ? "H" : pick(consts);
        };
    }

    private String body() {
        if (random.nextInt(3) != 0) return expr(3);
        StringBuilder b = new StringBuilder("{\n");
        int lets = random.nextInt(4);
        List<String> outer = new ArrayList<>(locals);
        for (int i = 0; i < lets; i++) {
            String name = fresh("x");
            b.append("        let ").append(name).append(" = ").append(expr(3)).append('\n');
            locals.add(name);
        }
        b.append("        ").append(expr(3)).append("\n    }");
        locals = outer;
        return b.toString();
    }

    private String expr(int depth) {
        if (depth == 0) return leaf();
        return switch (random.nextInt(10)) {
            case 0, 1 -> expr(depth - 1) + " " + pick(BINARY) + " " + expr(depth - 1);
            case 2 -> pick(new String[] {"-", "!"}) + expr(depth - 1);
            case 3 -> "(" + expr(depth - 1) + ")";
            case 4 -> expr(depth - 1) + " ? " + expr(depth - 1) + " : " + expr(depth - 1);
            case 5 -> call(depth);
            case 6 -> scores.isEmpty() ? leaf() : expr(depth - 1) + " |> " + pick(scores) + (random.nextBoolean() ? "()" : "");
            case 7 -> tensors.isEmpty() ? leaf() : pick(tensors) + "[" + expr(depth - 1) + (random.nextBoolean() ? ", " + expr(depth - 1) : "") + "]";
            case 8 -> masks.isEmpty() ? leaf() : pick(masks) + (random.nextBoolean() ? "" : "()");
            default -> leaf();
        };
    }

    private String call(int depth) {
        String f = pick(FUNCTIONS);
        int arity = switch (f) {
            case "min", "max" -> 2;
            case "clamp" -> 3;
            default -> 1;
        };
        if (random.nextInt(8) == 0) arity = random.nextInt(4);
        StringBuilder c = new StringBuilder(f).append('(');
        for (int i = 0; i < arity; i++) c.append(i == 0 ? "" : ", ").append(expr(depth - 1));
        return c.append(')').toString();
    }

    private String leaf() {
        return switch (random.nextInt(7)) {
            case 0 -> String.valueOf(random.nextInt(1000));
            case 1 -> random.nextInt(10) + "." + random.nextInt(100);
            case 2 -> inScore ? "score" : pick(VALUES);
            case 3 -> locals.isEmpty() ? "q" : pick(locals);
            case 4 -> consts.isEmpty() ? "kv" : pick(consts);
            case 5 -> random.nextBoolean() ? "true" : "false";
            default -> pick(VALUES);
        };
    }

    private String pick(String[] options) {
        return options[random.nextInt(options.length)];
    }

    private String pick(List<String> options) {
        return options.get(random.nextInt(options.size()));
    }
}
