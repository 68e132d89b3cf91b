package dev.attnc.compiler.codegen.c;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.ParamDecl;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The identifiers generated code uses. User text reaches the kernel only through {@link #mangle}:
 * a prefix with the parameter's position (so two names can never collide, nor meet a name of the
 * template) and the name with every character outside [A-Za-z0-9_] replaced. The fixed names
 * that the printer and every C-family template share are here too.
 */
public final class Names {
    /** The loop indices and the incoming score, as the templates declare them. */
    public static final String B = "b", H = "h", Q = "q", KV = "kv", SCORE = "score";

    private final Map<String, String> params = new HashMap<>();

    public Names(Attention a) {
        List<ParamDecl> ps = a.params();
        for (int i = 0; i < ps.size(); i++) params.put(ps.get(i).name(), mangle(i, ps.get(i).name()));
    }

    /** The identifier of a parameter of the attention. */
    public String param(String name) {
        String id = params.get(name);
        if (id == null) throw new IllegalArgumentException("not a parameter of the attention: " + name);
        return id;
    }

    public static String mangle(int index, String userName) {
        return "p" + index + "_" + sanitize(userName);
    }

    /** Letters, digits and '_' only; at most 40 characters (enough to recognize the name). */
    public static String sanitize(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && out.length() < 40; i++) {
            char c = s.charAt(i);
            out.append(c < 128 && (Character.isLetterOrDigit(c) || c == '_') ? c : '_');
        }
        return out.toString();
    }

    /** The C name of a size: the head dimension is a compile-time constant, the rest are kernel arguments. */
    public static String size(dev.attnc.kernel.SizeName s) {
        return switch (s) {
            case B -> "B";
            case H -> "H";
            case H_KV -> "H_KV";
            case Q_LEN -> "Q_LEN";
            case KV_LEN -> "KV_LEN";
            case D -> "HEAD_DIM";
        };
    }
}
