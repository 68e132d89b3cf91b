package dev.attnc.cli.bench;

import dev.attnc.Program;
import dev.attnc.compiler.ir.Attention;

/** One attention of one file: what the bench runs on every shape. */
public record Variant(String file, Program program, String name) {
    public Attention ir() {
        return program.ir(name);
    }
}
