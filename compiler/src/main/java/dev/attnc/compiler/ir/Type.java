package dev.attnc.compiler.ir;

/** The value types of the language. int is 32-bit two's complement; float is 32-bit in kernels. */
public enum Type {
    INT("int"), FLOAT("float"), BOOL("bool");

    public final String word;

    Type(String word) {
        this.word = word;
    }

    public boolean isNumeric() {
        return this != BOOL;
    }
}
