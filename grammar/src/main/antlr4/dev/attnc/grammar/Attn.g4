// The attention language (../../../../../../../docs/language.md). No actions: the parse tree is
// turned into AST records by compiler/front/AstBuilder. Every alternative is labelled so that the
// visitor has one method per construct.
grammar Attn;

program : sep* (definition (sep+ definition)*)? sep* EOF ;

definition
    : CONST name=IDENT '=' expr                                        # ConstDef
    | MASK name=IDENT paramList? '=' body                              # MaskDef
    | SCORE name=IDENT paramList? '=' body                             # ScoreDef
    | ATTENTION name=IDENT paramList? '{' sep* (clause (sep+ clause)*)? sep* '}' # AttentionDef
    ;

paramList : '(' (param (',' param)*)? ')' ;
param     : name=IDENT ':' type ('=' expr)? ;
type
    : scalar=(INT | FLOAT | BOOL)                                      # ScalarType
    | scalar=(INT | FLOAT | BOOL) '[' expr (',' expr)* ']'             # TensorType
    ;

// `score = ...` and `mask = ...` inside an attention; the keywords double as clause names.
// `normalize = softmax(sink = E)` is a named clause: `normalize` stays an ordinary identifier
// elsewhere, and the checker reports a clause name that is not one.
clause
    : kind=(SCORE | MASK) '=' body                                     # KeywordClause
    | name=IDENT '=' expr                                              # NamedClause
    ;

body
    : '{' sep* (statement sep+)* expr sep* '}'                         # BlockBody
    | expr                                                             # ExprBody
    ;
statement : LET name=IDENT '=' expr ;

// ANTLR gives the alternative listed first the tightest binding, so this list runs from postfix
// indexing (tightest) down to ?: (loosest): postfix, unary - !, * / %, + -, |>, < <= > >=, == !=,
// &&, ||, ?: (right-assoc).
expr
    : expr '[' expr (',' expr)* ']'                                    # IndexExpr
    | op=('-' | '!') expr                                              # Unary
    | expr op=('*' | '/' | '%') expr                                   # Multiplicative
    | expr op=('+' | '-') expr                                         # Additive
    | expr '|>' call                                                   # Pipe
    | expr op=('<' | '<=' | '>' | '>=') expr                           # Relational
    | expr op=('==' | '!=') expr                                       # Equality
    | expr op='&&' expr                                                # And
    | expr op='||' expr                                                # Or
    | <assoc=right> cond=expr '?' then=expr ':' otherwise=expr         # Ternary
    | call                                                             # CallExpr
    | INT_LIT                                                          # IntLiteral
    | FLOAT_LIT                                                        # FloatLiteral
    | value=(TRUE | FALSE)                                             # BoolLiteral
    | SCORE                                                            # ScoreRef
    | '(' expr ')'                                                     # Paren
    ;

// A name, with or without arguments: `causal`, `causal()`, `sliding_window(w = 4096)`.
// `int(x)` and `float(x)` are conversions; their keywords are allowed as call names here.
call : name=(IDENT | INT | FLOAT) (open='(' (argument (',' argument)*)? ')')? ;
argument : (name=IDENT '=')? expr ;

sep : NEWLINE | ';' ;

CONST     : 'const' ;
MASK      : 'mask' ;
SCORE     : 'score' ;
ATTENTION : 'attention' ;
LET       : 'let' ;
INT       : 'int' ;
FLOAT     : 'float' ;
BOOL      : 'bool' ;
TRUE      : 'true' ;
FALSE     : 'false' ;

IDENT     : [A-Za-z_] [A-Za-z0-9_]* ;
FLOAT_LIT : DIGITS '.' DIGITS? EXPONENT? | '.' DIGITS EXPONENT? | DIGITS EXPONENT ;
INT_LIT   : DIGITS ;
fragment DIGITS   : [0-9]+ ;
fragment EXPONENT : [eE] [+-]? DIGITS ;

COMMENT   : '#' ~[\r\n]* -> skip ;
// A newline ends a statement, except where the expression plainly goes on: inside ( ) or [ ],
// after an operator, or before a line that starts with a binary operator such as `|>` or `&&`.
// compiler/front/NewlineFilter drops those NEWLINE tokens between the lexer and the parser.
NEWLINE   : '\r'? '\n' ;
WS        : [ \t\f]+ -> skip ;
// Anything else is one bad character, reported by the parser's error listener.
BAD_CHAR  : . ;
