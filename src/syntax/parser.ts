/**
 * The `.tfm` grammar as a chevrotain CST parser: one method per production, each quoting its EBNF
 * (grammar/README.md has the whole grammar). One shared instance: building a chevrotain parser
 * runs a grammar analysis that costs far more than parsing a typical file.
 *
 * Error recovery is on; recovery.ts refines chevrotain's and renders nothing: syntax-errors.ts
 * turns the recorded errors into diagnostics.
 */
import { tokenMatcher } from 'chevrotain';
import {
  allTokens,
  ArithOp,
  BinaryOp,
  Colon,
  Comma,
  Dot,
  Eq,
  Float,
  Identifier,
  IntLiteral,
  Kw,
  LBrace,
  LBracket,
  LParen,
  Question,
  RBrace,
  RBracket,
  RParen,
  Semi,
  StringLiteral,
  UnaryOp,
} from './lexer.js';
import { errorMessageProvider, RecoveringParser } from './recovery.js';

export class TfmParser extends RecoveringParser {
  constructor() {
    super(allTokens, {
      recoveryEnabled: true,
      nodeLocationTracking: 'full',
      maxLookahead: 2,
      errorMessageProvider,
    });
    this.performSelfAnalysis();
  }

  /**
   * Whether the next tokens can begin a statement, decided with the same two tokens `stmt` uses:
   * a name starts one only as `name =`, and the contextual keyword `memory` (also a name) only
   * as `memory name` or `memory =`.
   */
  private canStartStatement(): boolean {
    const first = this.LA(1);
    if (!tokenMatcher(first, Identifier)) return true;
    const second = this.LA(2);
    if (first.tokenType === Kw.memory && tokenMatcher(second, Identifier)) return true;
    return tokenMatcher(second, Eq);
  }

  // ── items ──

  /** `file = { item } ;` */
  file = this.RULE('file', () => {
    this.MANY(() => this.SUBRULE(this.item));
  });

  /** `item = importDecl | blockDecl | modelDecl ;` */
  item = this.RULE('item', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.importDecl) },
      { ALT: () => this.SUBRULE(this.blockDecl) },
      { ALT: () => this.SUBRULE(this.modelDecl) },
    ]);
  });

  /** `importDecl = "import" STRING ;` */
  importDecl = this.RULE('importDecl', () => {
    this.CONSUME(Kw.import);
    this.CONSUME(StringLiteral);
  });

  /** `blockDecl = "block" IDENT paramList body ;` */
  blockDecl = this.RULE('blockDecl', () => {
    this.CONSUME(Kw.block);
    this.CONSUME(Identifier);
    this.SUBRULE(this.paramList);
    this.SUBRULE(this.body);
  });

  /**
   * `paramList = "(" [ param { "," param } [ "," ] ] ")" ;`
   * (A rule of its own so that a broken list re-syncs at the body's `{` instead of losing the body.)
   */
  paramList = this.RULE('paramList', () => {
    this.CONSUME(LParen);
    this.OPTION(() => {
      this.SUBRULE(this.param);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.param);
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RParen);
  });

  /** `param = IDENT [ ":" valueType ] [ "=" expr ] ;` */
  param = this.RULE('param', () => {
    this.CONSUME(Identifier);
    this.OPTION(() => {
      this.CONSUME(Colon);
      this.SUBRULE(this.valueType);
    });
    this.OPTION2(() => {
      this.CONSUME(Eq);
      this.SUBRULE(this.expr);
    });
  });

  /** `valueType = enumType | IDENT ;` */
  valueType = this.RULE('valueType', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.enumType) }, { ALT: () => this.CONSUME(Identifier) }]);
  });

  /** `enumType = "enum" "(" IDENT { "," IDENT } [ "," ] ")" ;` */
  enumType = this.RULE('enumType', () => {
    this.CONSUME(Kw.enum);
    this.CONSUME(LParen);
    this.CONSUME(Identifier);
    this.MANY(() => {
      this.CONSUME(Comma);
      this.CONSUME2(Identifier);
    });
    this.OPTION(() => this.CONSUME2(Comma));
    this.CONSUME(RParen);
  });

  /** `modelDecl = "model" IDENT [ "extends" IDENT ] body ;` */
  modelDecl = this.RULE('modelDecl', () => {
    this.CONSUME(Kw.model);
    this.CONSUME(Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(Kw.extends);
      this.CONSUME2(Identifier, { LABEL: 'base' });
    });
    this.SUBRULE(this.body);
  });

  /**
   * `body = "{" { stmt } "}" ;`
   * The gate (see `canStartStatement`) keeps a stray `foo(x)` line out of `stmt`: there it would
   * fail without consuming anything and recovery would give up on the rest of the body, while
   * the repetition's own recovery skips to the next statement.
   */
  body = this.RULE('body', () => {
    this.CONSUME(LBrace);
    this.MANY({
      GATE: () => this.canStartStatement(),
      DEF: () => this.SUBRULE(this.stmt),
    });
    this.CONSUME(RBrace);
  });

  // ── statements ──

  /**
   * `stmt = ( configBlock | inputDecl | letStmt | assignStmt | outStmt | lossStmt | declStmt
   *         | expectStmt | ifStmt ) [ ";" ] ;`
   */
  stmt = this.RULE('stmt', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.configBlock) },
      { ALT: () => this.SUBRULE(this.inputDecl) },
      { ALT: () => this.SUBRULE(this.letStmt) },
      { ALT: () => this.SUBRULE(this.assignStmt) },
      { ALT: () => this.SUBRULE(this.outStmt) },
      { ALT: () => this.SUBRULE(this.lossStmt) },
      { ALT: () => this.SUBRULE(this.declStmt) },
      { ALT: () => this.SUBRULE(this.expectStmt) },
      { ALT: () => this.SUBRULE(this.ifStmt) },
    ]);
    this.OPTION(() => this.CONSUME(Semi));
  });

  /**
   * `configBlock = "config" "{" { configEntry } "}" ;`
   * (As in `body`, a gate keeps a name that is not followed by `=` or `:` out of `configEntry`.)
   */
  configBlock = this.RULE('configBlock', () => {
    this.CONSUME(Kw.config);
    this.CONSUME(LBrace);
    this.MANY({
      GATE: () => tokenMatcher(this.LA(2), Eq) || tokenMatcher(this.LA(2), Colon),
      DEF: () => this.SUBRULE(this.configEntry),
    });
    this.CONSUME(RBrace);
  });

  /** `configEntry = IDENT [ ":" valueType ] "=" expr [ ";" | "," ] ;` */
  configEntry = this.RULE('configEntry', () => {
    this.CONSUME(Identifier);
    this.OPTION(() => {
      this.CONSUME(Colon);
      this.SUBRULE(this.valueType);
    });
    this.CONSUME(Eq);
    this.SUBRULE(this.expr);
    this.OPTION2(() => this.OR([{ ALT: () => this.CONSUME(Semi) }, { ALT: () => this.CONSUME(Comma) }]));
  });

  /** `inputDecl = ( "input" | "in" ) IDENT ":" tensorType [ "?" ] [ "where" expr { "," expr } ] ;` */
  inputDecl = this.RULE('inputDecl', () => {
    this.OR([{ ALT: () => this.CONSUME(Kw.input) }, { ALT: () => this.CONSUME(Kw.in) }]);
    this.CONSUME(Identifier);
    this.CONSUME(Colon);
    this.SUBRULE(this.tensorType);
    this.OPTION(() => this.CONSUME(Question));
    this.OPTION2(() => {
      this.CONSUME(Kw.where);
      this.SUBRULE(this.expr);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.expr);
      });
    });
  });

  /** `tensorType = ( IDENT | "mask" ) "[" [ expr { "," expr } [ "," ] ] "]" ;` */
  tensorType = this.RULE('tensorType', () => {
    this.OR([{ ALT: () => this.CONSUME(Identifier) }, { ALT: () => this.CONSUME(Kw.mask) }]);
    this.CONSUME(LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expr);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.expr);
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RBracket);
  });

  /** `letStmt = "let" IDENT "=" expr ;` */
  letStmt = this.RULE('letStmt', () => {
    this.CONSUME(Kw.let);
    this.CONSUME(Identifier);
    this.CONSUME(Eq);
    this.SUBRULE(this.expr);
  });

  /** `assignStmt = IDENT "=" expr ;` */
  assignStmt = this.RULE('assignStmt', () => {
    this.CONSUME(Identifier);
    this.CONSUME(Eq);
    this.SUBRULE(this.expr);
  });

  /**
   * `outStmt = "out" [ IDENT "=" ] expr | "output" IDENT "=" expr ;`
   * (`out x` outputs the value `x`; `out x = e` names the output: two tokens of lookahead.)
   */
  outStmt = this.RULE('outStmt', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Kw.out);
          this.OPTION(() => {
            this.CONSUME(Identifier);
            this.CONSUME(Eq);
          });
          this.SUBRULE(this.expr);
        },
      },
      {
        ALT: () => {
          this.CONSUME(Kw.output);
          this.CONSUME2(Identifier);
          this.CONSUME2(Eq);
          this.SUBRULE2(this.expr);
        },
      },
    ]);
  });

  /** `lossStmt = "loss" IDENT "=" expr ;` */
  lossStmt = this.RULE('lossStmt', () => {
    this.CONSUME(Kw.loss);
    this.CONSUME(Identifier);
    this.CONSUME(Eq);
    this.SUBRULE(this.expr);
  });

  /** `declStmt = ( "mask" | "memory" ) IDENT "=" expr ;` */
  declStmt = this.RULE('declStmt', () => {
    this.OR([{ ALT: () => this.CONSUME(Kw.mask) }, { ALT: () => this.CONSUME(Kw.memory) }]);
    this.CONSUME(Identifier);
    this.CONSUME(Eq);
    this.SUBRULE(this.expr);
  });

  /** `expectStmt = "expect" expr ;` */
  expectStmt = this.RULE('expectStmt', () => {
    this.CONSUME(Kw.expect);
    this.SUBRULE(this.expr);
  });

  /** `ifStmt = "if" expr body [ "else" ( ifStmt | body ) ] ;` */
  ifStmt = this.RULE('ifStmt', () => {
    this.CONSUME(Kw.if);
    this.SUBRULE(this.expr);
    this.SUBRULE(this.body, { LABEL: 'then' });
    this.OPTION(() => {
      this.CONSUME(Kw.else);
      this.OR([
        { ALT: () => this.SUBRULE(this.ifStmt, { LABEL: 'elseIf' }) },
        { ALT: () => this.SUBRULE2(this.body, { LABEL: 'else' }) },
      ]);
    });
  });

  // ── expressions ──
  //
  // Operator sequences are read flat, `operand { op operand }`, and build-ast applies precedence
  // and associativity (grammar/README.md has the table). A rule per precedence level would cost a
  // dozen nested CST nodes for every name or number in the file; this costs three.

  /** `expr = operand { binaryOp operand } ;` */
  expr = this.RULE('expr', () => {
    this.SUBRULE(this.operand);
    this.MANY(() => {
      this.CONSUME(BinaryOp);
      this.SUBRULE2(this.operand);
    });
  });

  /** `arithExpr = operand { arithOp operand } ;` (a repeat count: no comparisons or logic) */
  arithExpr = this.RULE('arithExpr', () => {
    this.SUBRULE(this.operand);
    this.MANY(() => {
      this.CONSUME(ArithOp);
      this.SUBRULE2(this.operand);
    });
  });

  /** `operand = { "-" | "!" } primary { suffix } ;` */
  operand = this.RULE('operand', () => {
    this.MANY(() => this.CONSUME(UnaryOp));
    this.SUBRULE(this.primary);
    this.MANY2(() => this.SUBRULE(this.suffix));
  });

  /** `suffix = "(" [ arg { "," arg } [ "," ] ] ")" | "." IDENT ;` */
  suffix = this.RULE('suffix', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(LParen);
          this.OPTION(() => {
            this.SUBRULE(this.arg);
            this.MANY(() => {
              this.CONSUME(Comma);
              this.SUBRULE2(this.arg);
            });
            this.OPTION2(() => this.CONSUME2(Comma));
          });
          this.CONSUME(RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(Dot);
          this.CONSUME(Identifier);
        },
      },
    ]);
  });

  /** `arg = [ IDENT ":" ] expr ;` (a named argument needs two tokens of lookahead) */
  arg = this.RULE('arg', () => {
    this.OPTION(() => {
      this.CONSUME(Identifier);
      this.CONSUME(Colon);
    });
    this.SUBRULE(this.expr);
  });

  /** `primary = INT | FLOAT | STRING | "true" | "false" | IDENT | "(" expr ")" | repeatExpr ;` */
  primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(IntLiteral) },
      { ALT: () => this.CONSUME(Float) },
      { ALT: () => this.CONSUME(StringLiteral) },
      { ALT: () => this.CONSUME(Kw.true) },
      { ALT: () => this.CONSUME(Kw.false) },
      { ALT: () => this.CONSUME(Identifier) },
      {
        ALT: () => {
          this.CONSUME(LParen);
          this.SUBRULE(this.expr);
          this.CONSUME(RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.repeatExpr) },
    ]);
  });

  /** `repeatExpr = "repeat" arithExpr [ "shared" ] "{" expr "}" ;` */
  repeatExpr = this.RULE('repeatExpr', () => {
    this.CONSUME(Kw.repeat);
    this.SUBRULE(this.arithExpr);
    this.OPTION(() => this.CONSUME(Kw.shared));
    this.CONSUME(LBrace);
    this.SUBRULE(this.expr);
    this.CONSUME(RBrace);
  });
}

/** The one parser instance (chevrotain parsers are reusable: assigning `input` resets them). */
export const parser = new TfmParser();
