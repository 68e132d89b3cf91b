package dev.attnc.compiler;

import dev.attnc.compiler.diag.CompileException;
import dev.attnc.compiler.diag.Diagnostic;
import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.diag.Span;
import dev.attnc.compiler.diag.Suggestions;
import dev.attnc.compiler.front.Ast;
import dev.attnc.compiler.front.Checked;
import dev.attnc.compiler.front.Checker;
import dev.attnc.compiler.front.Limits;
import dev.attnc.compiler.front.Parsing;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Lowering;
import dev.attnc.compiler.passes.BoundsCheck;
import dev.attnc.compiler.passes.PerRowCheck;
import dev.attnc.compiler.passes.Pipeline;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One source file through the front end: parse, check, lower every attention and check its
 * tensor reads. Holds the diagnostics and, when there are none, each attention's IR (lowered, and
 * optimized by {@link Pipeline} on first use).
 */
public final class Compilation {
    private final SourceFile source;
    private final List<Diagnostic> diagnostics;
    private final Map<String, Attention> lowered;
    private final Map<String, Attention> optimized = new ConcurrentHashMap<>();

    private Compilation(SourceFile source, List<Diagnostic> diagnostics, Map<String, Attention> lowered) {
        this.source = source;
        this.diagnostics = diagnostics;
        this.lowered = lowered;
    }

    public static Compilation of(SourceFile source) {
        Diagnostics diags = new Diagnostics(source);
        Map<String, Attention> lowered = new LinkedHashMap<>();
        Ast.Program program = Parsing.parse(diags);
        if (program != null) {
            Checked checked = new Checker(diags).check(program);
            if (checked != null) {
                for (String name : checked.attentionNames()) {
                    Lowering.Result r = lowerWithinLimits(checked, name, diags);
                    if (r == null) continue;
                    BoundsCheck.run(r.attention(), r.loadSpans(), diags);
                    PerRowCheck.run(r.attention(), checked.attentions().get(name), diags);
                    lowered.put(name, r.attention());
                }
            }
        }
        return new Compilation(source, diags.all(), diags.hasErrors() ? Map.of() : lowered);
    }

    /**
     * Lowers one attention, or reports limit.inlined-depth or limit.inlined-size and gives null
     * when its expressions, with lets and calls put in place, are deeper than {@link Limits#DEPTH}
     * or larger than {@link Limits#TREE_SIZE} (every later stage recurses over them and hashes them).
     */
    private static Lowering.Result lowerWithinLimits(Checked checked, String name, Diagnostics diags) {
        Span at = checked.attentions().get(name).nameSpan();
        try {
            return Lowering.lower(checked, name);
        } catch (Lowering.BeyondLimits e) {
            if (e.depth()) diags.error("limit.inlined-depth", at, name, Limits.DEPTH);
            else diags.error("limit.inlined-size", at, name, Limits.TREE_SIZE);
            return null;
        }
    }

    public SourceFile source() {
        return source;
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    public boolean hasErrors() {
        return diagnostics.stream().anyMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
    }

    /** Throws the program's errors, if it has any. */
    public Compilation orThrow() {
        if (hasErrors()) throw new CompileException(diagnostics);
        return this;
    }

    public List<String> attentionNames() {
        return List.copyOf(lowered.keySet());
    }

    /**
     * The attention a command means: the one named, or the only one in the file. A wrong or
     * missing choice is a user error (a {@link CompileException} with a def.* diagnostic).
     */
    public String resolve(String name) {
        orThrow();
        if (name != null) {
            if (lowered.containsKey(name)) return name;
            throw new CompileException(List.of(Diagnostic.error("def.unknown-attention", source, Span.NONE, name,
                    Suggestions.didYouMean(name, lowered.keySet()))));
        }
        if (lowered.size() == 1) return lowered.keySet().iterator().next();
        if (lowered.isEmpty()) throw new CompileException(List.of(Diagnostic.error("def.no-attention", source, Span.NONE)));
        throw new CompileException(List.of(Diagnostic.error("def.ambiguous-attention", source, Span.NONE, String.join(", ", lowered.keySet()))));
    }

    public Attention lowered(String name) {
        return lowered.get(resolve(name));
    }

    /** The IR after every pass of {@link Pipeline}. */
    public Attention optimized(String name) {
        return optimized.computeIfAbsent(resolve(name), n -> Pipeline.run(lowered.get(n)));
    }
}
