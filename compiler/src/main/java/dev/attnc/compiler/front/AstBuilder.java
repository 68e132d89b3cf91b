package dev.attnc.compiler.front;

import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Span;
import dev.attnc.compiler.diag.Suggestions;
import dev.attnc.compiler.front.Ast.*;
import dev.attnc.grammar.AttnBaseVisitor;
import dev.attnc.grammar.AttnParser;
import dev.attnc.grammar.AttnParser.*;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;

/** Parse tree → AST records with spans. Only literal range errors are found here. */
final class AstBuilder extends AttnBaseVisitor<Object> {
    private final Diagnostics diagnostics;

    AstBuilder(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
    }

    static Span span(ParserRuleContext ctx) {
        Token start = ctx.getStart();
        Token stop = ctx.getStop() == null ? start : ctx.getStop();
        int end = Math.max(start.getStartIndex(), stop.getStopIndex() + 1);
        return new Span(start.getLine(), start.getCharPositionInLine() + 1, start.getStartIndex(), end);
    }

    static Span span(Token t) {
        return SyntaxErrors.spanOf(t);
    }

    Program program(ProgramContext ctx) {
        List<Definition> defs = new ArrayList<>();
        for (DefinitionContext d : ctx.definition()) defs.add((Definition) visit(d));
        return new Program(defs);
    }

    @Override
    public Definition visitConstDef(ConstDefContext ctx) {
        return new ConstDef(ctx.name.getText(), span(ctx.name), expr(ctx.expr()));
    }

    @Override
    public Definition visitMaskDef(MaskDefContext ctx) {
        return new FunctionDef(FunctionKind.MASK, ctx.name.getText(), span(ctx.name), params(ctx.paramList()), body(ctx.body()));
    }

    @Override
    public Definition visitScoreDef(ScoreDefContext ctx) {
        return new FunctionDef(FunctionKind.SCORE, ctx.name.getText(), span(ctx.name), params(ctx.paramList()), body(ctx.body()));
    }

    @Override
    public Definition visitAttentionDef(AttentionDefContext ctx) {
        Clause score = null;
        Clause mask = null;
        Clause normalize = null;
        for (ClauseContext c : ctx.clause()) {
            switch (c) {
                case KeywordClauseContext k when k.kind.getType() == AttnParser.SCORE -> score = once("score", score, new Clause(span(k.kind), body(k.body())));
                case KeywordClauseContext k -> mask = once("mask", mask, new Clause(span(k.kind), body(k.body())));
                case NamedClauseContext n when n.name.getText().equals(NORMALIZE) ->
                        normalize = once(NORMALIZE, normalize, new Clause(span(n.name), expr(n.expr())));
                case NamedClauseContext n -> diagnostics.error("def.unknown-clause", span(n.name), n.name.getText(),
                        Suggestions.didYouMean(n.name.getText(), List.of("score", "mask", NORMALIZE)));
                default -> throw new IllegalStateException("unknown clause form " + c.getClass());
            }
        }
        return new AttentionDef(ctx.name.getText(), span(ctx.name), params(ctx.paramList()), score, mask, normalize);
    }

    /** The name of the third clause; not a keyword, so that it stays free as an identifier elsewhere. */
    static final String NORMALIZE = "normalize";

    /** The first clause of a kind; a second one is reported and dropped. */
    private Clause once(String kind, Clause first, Clause next) {
        if (first == null) return next;
        diagnostics.error("def.duplicate-clause", next.span(), kind, first.span().line());
        return first;
    }

    private List<Param> params(ParamListContext ctx) {
        if (ctx == null) return List.of();
        List<Param> out = new ArrayList<>();
        for (ParamContext p : ctx.param()) {
            out.add(new Param(p.name.getText(), span(p.name), type(p.type()), p.expr() == null ? null : expr(p.expr())));
        }
        return out;
    }

    private TypeRef type(TypeContext ctx) {
        return switch (ctx) {
            case ScalarTypeContext s -> new TypeRef(scalar(s.scalar), List.of(), span(ctx));
            case TensorTypeContext t -> new TypeRef(scalar(t.scalar), t.expr().stream().map(this::expr).toList(), span(ctx));
            default -> throw new IllegalStateException("unknown type form " + ctx.getClass());
        };
    }

    private static Scalar scalar(Token t) {
        return switch (t.getType()) {
            case AttnParser.INT -> Scalar.INT;
            case AttnParser.FLOAT -> Scalar.FLOAT;
            default -> Scalar.BOOL;
        };
    }

    private Expr body(BodyContext ctx) {
        return switch (ctx) {
            case ExprBodyContext e -> expr(e.expr());
            case BlockBodyContext b -> new Block(
                    b.statement().stream().map(s -> new Let(s.name.getText(), span(s.name), expr(s.expr()))).toList(),
                    expr(b.expr()), span(ctx));
            default -> throw new IllegalStateException("unknown body form " + ctx.getClass());
        };
    }

    private Expr expr(ExprContext ctx) {
        return (Expr) visit(ctx);
    }

    @Override
    public Expr visitIndexExpr(IndexExprContext ctx) {
        List<Expr> all = ctx.expr().stream().map(this::expr).toList();
        return new Index(all.getFirst(), all.subList(1, all.size()), span(ctx));
    }

    @Override
    public Expr visitUnary(UnaryContext ctx) {
        // -2147483648 is the one int literal that needs its sign: 2147483648 alone does not fit.
        if (ctx.op.getText().equals("-") && ctx.expr() instanceof IntLiteralContext lit && lit.getText().equals("2147483648")) {
            return new IntLit(Integer.MIN_VALUE, span(ctx));
        }
        UnaryOp op = ctx.op.getText().equals("-") ? UnaryOp.NEG : UnaryOp.NOT;
        return new Unary(op, expr(ctx.expr()), span(ctx.op), span(ctx));
    }

    @Override public Expr visitMultiplicative(MultiplicativeContext ctx) { return binary(ctx, ctx.op, ctx.expr(0), ctx.expr(1)); }
    @Override public Expr visitAdditive(AdditiveContext ctx) { return binary(ctx, ctx.op, ctx.expr(0), ctx.expr(1)); }
    @Override public Expr visitRelational(RelationalContext ctx) { return binary(ctx, ctx.op, ctx.expr(0), ctx.expr(1)); }
    @Override public Expr visitEquality(EqualityContext ctx) { return binary(ctx, ctx.op, ctx.expr(0), ctx.expr(1)); }
    @Override public Expr visitAnd(AndContext ctx) { return binary(ctx, ctx.op, ctx.expr(0), ctx.expr(1)); }
    @Override public Expr visitOr(OrContext ctx) { return binary(ctx, ctx.op, ctx.expr(0), ctx.expr(1)); }

    private Expr binary(ParserRuleContext ctx, Token op, ExprContext l, ExprContext r) {
        BinaryOp kind = null;
        for (BinaryOp b : BinaryOp.values()) if (b.symbol.equals(op.getText())) kind = b;
        return new Binary(kind, expr(l), expr(r), span(op), span(ctx));
    }

    @Override
    public Expr visitPipe(PipeContext ctx) {
        return new Pipe(expr(ctx.expr()), call(ctx.call()), span(tokenOf(ctx)), span(ctx));
    }

    private static Token tokenOf(PipeContext ctx) {
        for (int i = 0; i < ctx.getChildCount(); i++) {
            if (ctx.getChild(i) instanceof org.antlr.v4.runtime.tree.TerminalNode t && t.getText().equals("|>")) return t.getSymbol();
        }
        return ctx.start;
    }

    @Override
    public Expr visitTernary(TernaryContext ctx) {
        return new Ternary(expr(ctx.cond), expr(ctx.then), expr(ctx.otherwise), span(ctx));
    }

    @Override
    public Expr visitCallExpr(CallExprContext ctx) {
        return call(ctx.call());
    }

    private Call call(CallContext ctx) {
        List<Arg> args = new ArrayList<>();
        for (ArgumentContext a : ctx.argument()) {
            args.add(new Arg(a.name == null ? null : a.name.getText(), a.name == null ? span(a) : span(a.name), expr(a.expr())));
        }
        return new Call(ctx.name.getText(), span(ctx.name), args, ctx.open != null, span(ctx));
    }

    @Override
    public Expr visitIntLiteral(IntLiteralContext ctx) {
        String text = ctx.getText();
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            value = Long.MAX_VALUE;
        }
        if (value > Integer.MAX_VALUE) {
            diagnostics.error("syntax.int-too-large", span(ctx), text);
            value = 0;
        }
        return new IntLit(value, span(ctx));
    }

    @Override
    public Expr visitFloatLiteral(FloatLiteralContext ctx) {
        double value = Double.parseDouble(ctx.getText());
        // Every literal that rounds to a finite float is fine (3.4028235e38 is FLT_MAX); overflow is not.
        if (Float.isInfinite((float) value)) {
            diagnostics.error("syntax.bad-float", span(ctx), ctx.getText());
            value = 0;
        }
        return new FloatLit(value, ctx.getText(), span(ctx));
    }

    @Override
    public Expr visitBoolLiteral(BoolLiteralContext ctx) {
        return new BoolLit(ctx.value.getType() == AttnParser.TRUE, span(ctx));
    }

    @Override
    public Expr visitScoreRef(ScoreRefContext ctx) {
        return new ScoreRef(span(ctx));
    }

    @Override
    public Expr visitParen(ParenContext ctx) {
        return expr(ctx.expr());
    }
}
