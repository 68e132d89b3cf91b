package dev.attnc.compiler.ir;

/** The four loop indices of an attention: batch, query head, query position, key position. */
public enum Axis {
    B("b"), H("h"), Q("q"), KV("kv");

    public final String word;

    Axis(String word) {
        this.word = word;
    }
}
