package dev.attnc.compiler.front;

import java.util.List;
import java.util.Map;

/** A program that passed the checker: its definitions by name and the values of its consts. */
public record Checked(
        Ast.Program program,
        Map<String, Object> constValues,
        Map<String, Ast.FunctionDef> functions,
        Map<String, Ast.AttentionDef> attentions) {

    public List<String> attentionNames() {
        return List.copyOf(attentions.keySet());
    }
}
