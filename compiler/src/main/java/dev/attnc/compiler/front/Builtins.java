package dev.attnc.compiler.front;

import dev.attnc.compiler.ir.Axis;
import dev.attnc.kernel.SizeName;
import dev.attnc.compiler.ir.UnaryOp;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The names that are always there: the indices, the sizes and the built-in functions. */
public final class Builtins {
    private Builtins() {}

    /** A built-in function: how many arguments it takes and what it computes. */
    public enum Function {
        EXP(1, UnaryOp.EXP), EXP2(1, UnaryOp.EXP2), LOG(1, UnaryOp.LOG), LOG2(1, UnaryOp.LOG2),
        SQRT(1, UnaryOp.SQRT), RSQRT(1, UnaryOp.RSQRT), TANH(1, UnaryOp.TANH), SIGMOID(1, UnaryOp.SIGMOID),
        ABS(1, UnaryOp.ABS), FLOOR(1, UnaryOp.FLOOR), CEIL(1, UnaryOp.CEIL),
        FLOAT(1, UnaryOp.TO_FLOAT), INT(1, UnaryOp.TO_INT),
        MIN(2, null), MAX(2, null), CLAMP(3, null);

        public final int arity;
        /** The IR operation of a one-argument function; null for min, max, clamp. */
        public final UnaryOp unary;

        Function(int arity, UnaryOp unary) {
            this.arity = arity;
            this.unary = unary;
        }

        public String word() {
            return name().toLowerCase();
        }

        /** Functions whose result has the argument's numeric type instead of always float. */
        public boolean keepsIntegers() {
            return this == ABS || this == MIN || this == MAX || this == CLAMP;
        }
    }

    private static final Map<String, Function> FUNCTIONS = new LinkedHashMap<>();
    private static final Map<String, Axis> AXES = new LinkedHashMap<>();
    private static final Map<String, SizeName> SIZES = new LinkedHashMap<>();

    static {
        for (Function f : Function.values()) FUNCTIONS.put(f.word(), f);
        for (Axis a : Axis.values()) AXES.put(a.word, a);
        for (SizeName s : SizeName.values()) SIZES.put(s.word(), s);
    }

    public static Function function(String name) {
        return FUNCTIONS.get(name);
    }

    public static Axis axis(String name) {
        return AXES.get(name);
    }

    public static SizeName size(String name) {
        return SIZES.get(name);
    }

    /** Names a program may not define: indices, sizes and functions. */
    public static boolean isReserved(String name) {
        return FUNCTIONS.containsKey(name) || AXES.containsKey(name) || SIZES.containsKey(name);
    }

    public static Set<String> valueNames() {
        Set<String> names = new TreeSet<>(AXES.keySet());
        names.addAll(SIZES.keySet());
        return names;
    }

    public static Set<String> functionNames() {
        return new TreeSet<>(Arrays.stream(Function.values()).map(Function::word).toList());
    }
}
