package dev.attnc.compiler.front;

import dev.attnc.compiler.ir.Poly;
import dev.attnc.compiler.ir.Type;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Local names inside one definition: its parameters, then nested blocks of {@code let}s. */
final class Scope {
    /** A local name: a let value, a scalar parameter, or a tensor parameter (with its shape). */
    sealed interface Local {
        String kindWord();
    }

    record LetValue(Type type, int line) implements Local {
        public String kindWord() { return "let value"; }
    }

    record ScalarParam(Ast.Param param, Type type) implements Local {
        public String kindWord() { return "parameter"; }
    }

    /** dims holds null where a dimension was not a valid size expression (already reported). */
    record TensorParam(Ast.Param param, Type elementType, List<Poly> dims) implements Local {
        public String kindWord() { return "tensor parameter"; }

        String shape() {
            StringBuilder s = new StringBuilder(elementType.word).append('[');
            for (int i = 0; i < dims.size(); i++) s.append(i == 0 ? "" : ", ").append(dims.get(i));
            return s.append(']').toString();
        }
    }

    private final Scope parent;
    private final Map<String, Local> names = new LinkedHashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    Local lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Local l = s.names.get(name);
            if (l != null) return l;
        }
        return null;
    }

    /** The local of this name in this block alone (for "defined twice in one block"). */
    Local own(String name) {
        return names.get(name);
    }

    void define(String name, Local local) {
        names.put(name, local);
    }

    Set<String> visibleNames() {
        Set<String> out = new TreeSet<>();
        for (Scope s = this; s != null; s = s.parent) out.addAll(s.names.keySet());
        return out;
    }
}
