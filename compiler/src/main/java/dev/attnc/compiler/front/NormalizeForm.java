package dev.attnc.compiler.front;

import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Suggestions;
import dev.attnc.compiler.front.Ast.Arg;
import dev.attnc.compiler.front.Ast.Call;
import dev.attnc.compiler.front.Ast.Expr;
import java.util.Arrays;
import java.util.List;

/**
 * What a {@code normalize} clause says, read from the call as written: {@code softmax},
 * {@code softmax(sink = E)} or {@code sigmoid(bias = E)} (docs/language.md, "Normalisation").
 * The checker reads it with diagnostics on; lowering reads it again from a checked program.
 *
 * @param argument E, or null when none is given (plain softmax; sigmoid with bias 0)
 */
public record NormalizeForm(Kind kind, Expr argument) {

    /** A normalisation and the name of its one (optional, named) argument. */
    public enum Kind {
        SOFTMAX("softmax", "sink"), SIGMOID("sigmoid", "bias");

        public final String word;
        public final String argumentName;

        Kind(String word, String argumentName) {
            this.word = word;
            this.argumentName = argumentName;
        }

        static Kind named(String word) {
            return Arrays.stream(values()).filter(k -> k.word.equals(word)).findFirst().orElse(null);
        }
    }

    /** The clause's form, or null after reporting why it is not one (when {@code diagnostics} is not null). */
    public static NormalizeForm read(Expr value, Diagnostics diagnostics) {
        if (!(value instanceof Call call)) {
            report(diagnostics, "norm.expected", value, null);
            return null;
        }
        Kind kind = Kind.named(call.name());
        if (kind == null) {
            if (diagnostics != null) {
                diagnostics.error("norm.unknown", call.nameSpan(), call.name(), Suggestions.didYouMean(call.name(), words()));
            }
            return null;
        }
        Expr argument = null;
        boolean ok = true;
        for (Arg a : call.args()) {
            if (!a.named()) {
                report(diagnostics, "norm.positional-argument", a.value(), kind);
                ok = false;
            } else if (!a.name().equals(kind.argumentName)) {
                if (diagnostics != null) diagnostics.error("norm.unknown-argument", a.nameSpan(), kind.word, kind.argumentName, a.name());
                ok = false;
            } else if (argument != null) {
                if (diagnostics != null) diagnostics.error("call.duplicate-argument", a.nameSpan(), a.name(), kind.word);
                ok = false;
            } else {
                argument = a.value();
            }
        }
        return ok ? new NormalizeForm(kind, argument) : null;
    }

    private static void report(Diagnostics diagnostics, String key, Expr at, Kind kind) {
        if (diagnostics == null) return;
        if (kind == null) diagnostics.error(key, at.span());
        else diagnostics.error(key, at.span(), kind.word, kind.argumentName);
    }

    private static List<String> words() {
        return Arrays.stream(Kind.values()).map(k -> k.word).toList();
    }
}
