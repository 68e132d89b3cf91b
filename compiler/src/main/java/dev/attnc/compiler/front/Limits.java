package dev.attnc.compiler.front;

/**
 * How deep a program may go (docs/language.md, "Limits"). The parser, the checker, lowering, the
 * passes and the code generators all recurse over expressions; these bounds keep that recursion
 * far inside an ordinary 1 MB thread stack, so a deep program gets a diagnostic instead of a
 * StackOverflowError. Real attention programs stay below a few dozen levels.
 */
public final class Limits {
    private Limits() {}

    /** Brackets, ?: and prefix operators open at one place of the text (limit.nesting). */
    public static final int NESTING = 256;

    /**
     * Levels of one expression as written, each operator of a chain counting one
     * (limit.expression-depth), and of an attention's expression once lets and calls are put in
     * place (limit.inlined-depth).
     */
    public static final int DEPTH = 1000;

    /**
     * Nodes of an attention's score or mask written out as a tree, once lets and calls are put in
     * place (limit.inlined-size): masks that each use the one before twice double at each step.
     * The passes key maps by IR records, whose hashCode walks the tree below a node.
     */
    public static final int TREE_SIZE = 100_000;
}
