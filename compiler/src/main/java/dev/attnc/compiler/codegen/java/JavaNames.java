package dev.attnc.compiler.codegen.java;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.ParamDecl;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The identifiers of generated Java. User text (attention and parameter names) reaches the source
 * only through {@link #sanitize}: letters, digits and '_' only, behind a prefix that no keyword,
 * template name or other parameter can share ({@code p3_slopes}: the parameter's position first).
 */
final class JavaNames {
    static final String PACKAGE = "dev.attnc.generated";

    private final Map<String, Integer> positions = new HashMap<>();
    private final List<ParamDecl> params;

    JavaNames(Attention a) {
        params = a.params();
        for (int i = 0; i < params.size(); i++) positions.put(params.get(i).name(), i);
    }

    /** Letters, digits and '_' (ASCII) only, at most 40 characters. */
    static String sanitize(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && out.length() < 40; i++) {
            char c = s.charAt(i);
            boolean safe = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
            out.append(safe ? c : '_');
        }
        return out.toString();
    }

    static String className(Attention a) {
        return "Attn_" + sanitize(a.name());
    }

    /** The position of a parameter in {@code JavaKernelArgs.params()}. */
    int position(String param) {
        Integer i = positions.get(param);
        if (i == null) throw new IllegalArgumentException("not a parameter of the attention: " + sanitize(param));
        return i;
    }

    /** The local that holds a parameter's value (a scalar, or a tensor's array). */
    String param(String name) {
        return "p" + position(name) + "_" + sanitize(name);
    }

    /** The local that holds dimension {@code i} of a tensor parameter. */
    String dim(String tensor, int i) {
        return param(tensor) + "_n" + i;
    }
}
