package dev.attnc.compiler.sparsity;

/**
 * A bool over a whole tile: TRUE for every pair, FALSE for every pair, or UNKNOWN (some pairs
 * either way, or the analysis cannot tell). Kleene's logic, which is sound for && || !.
 */
enum Tri {
    FALSE, TRUE, UNKNOWN;

    static Tri of(boolean b) {
        return b ? TRUE : FALSE;
    }

    Tri not() {
        return switch (this) {
            case FALSE -> TRUE;
            case TRUE -> FALSE;
            case UNKNOWN -> UNKNOWN;
        };
    }

    Tri and(Tri o) {
        if (this == FALSE || o == FALSE) return FALSE;
        return this == TRUE && o == TRUE ? TRUE : UNKNOWN;
    }

    Tri or(Tri o) {
        if (this == TRUE || o == TRUE) return TRUE;
        return this == FALSE && o == FALSE ? FALSE : UNKNOWN;
    }

    /** Bool equality: known only when both sides are. */
    Tri same(Tri o) {
        return this == UNKNOWN || o == UNKNOWN ? UNKNOWN : of(this == o);
    }

    /** The value of a select whose condition is this, from its two branches. */
    Tri choose(Tri then, Tri otherwise) {
        return switch (this) {
            case TRUE -> then;
            case FALSE -> otherwise;
            case UNKNOWN -> then == otherwise ? then : UNKNOWN;
        };
    }
}
