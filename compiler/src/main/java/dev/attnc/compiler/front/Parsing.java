package dev.attnc.compiler.front;

import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.grammar.AttnLexer;
import dev.attnc.grammar.AttnParser;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;

/** Text → AST. Lexer and parser errors become diagnostics; ANTLR never prints to the console. */
public final class Parsing {
    private Parsing() {}

    /** The AST, or null when the text has syntax errors (reported to {@code diagnostics}). */
    public static Ast.Program parse(Diagnostics diagnostics) {
        if (!NestingCheck.check(diagnostics)) return null;
        AttnLexer lexer = new AttnLexer(CharStreams.fromString(diagnostics.source().text(), diagnostics.source().name()));
        lexer.removeErrorListeners();
        SyntaxErrors errors = new SyntaxErrors(diagnostics);
        AttnParser parser = new AttnParser(new CommonTokenStream(new NewlineFilter(lexer, errors::badCharacter)));
        parser.removeErrorListeners();
        parser.addErrorListener(new BaseErrorListener());
        parser.setErrorHandler(errors);
        AttnParser.ProgramContext tree = parser.program();
        if (diagnostics.hasErrors() || !ExpressionDepth.check(tree, diagnostics)) return null;
        Ast.Program program = new AstBuilder(diagnostics).program(tree);
        return diagnostics.hasErrors() ? null : program;
    }
}
