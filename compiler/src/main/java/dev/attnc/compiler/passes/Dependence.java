package dev.attnc.compiler.passes;

/**
 * What a value varies with, from least to most: once per call, per (batch, head), per query row,
 * per key column, per (row, column) element. Code generators compute each value in the outermost
 * loop where it is fixed: {@code slopes[h]} before any loop, {@code doc[q]} outside the key loop.
 */
public enum Dependence {
    CONSTANT("const"), HEAD("head"), ROW("row"), COLUMN("column"), ELEMENT("element");

    public final String word;

    Dependence(String word) {
        this.word = word;
    }

    public Dependence join(Dependence o) {
        if (this == o) return this;
        if (this == ROW && o == COLUMN || this == COLUMN && o == ROW) return ELEMENT;
        return ordinal() >= o.ordinal() ? this : o;
    }
}
