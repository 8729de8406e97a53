/**
 * The `.tfm` grammar as a chevrotain parser: one method per production, each quoting its EBNF
 * (grammar/README.md has the whole grammar), whose actions build the AST of `ast.ts` directly:
 * each rule reads its pieces and hands them to `AstBuilder` (build-ast.ts) for its node.
 * One shared instance: building a chevrotain parser runs a grammar analysis that costs far more
 * than parsing a typical file.
 *
 * Error recovery is on; recovery.ts refines chevrotain's and renders nothing: syntax-errors.ts
 * turns the recorded errors into diagnostics.
 *
 * How the actions cope with recovery:
 * - A rule that fails part-way still yields a node, built from what it read before the failure:
 *   every rule catches the recognition exception, builds its partial node and attaches it to the
 *   exception (`fail`, recovery.ts); the enclosing rule takes it as the value of the failed
 *   sub-rule, and so on up to the rule where chevrotain re-synchronises, which returns it
 *   (`RECOVER`). Missing pieces become placeholders (see build-ast.ts).
 * - A node's span is the extent of the tokens its rule consumed: rules note the token index at
 *   their start, and the span runs from the first to the last token consumed since, leaving out
 *   tokens recovery skipped and tokens it inserted (which are not in the input; `RuleSpans` in
 *   token-spans.ts).
 * - Where a placeholder goes depends on what came before it, so rules that may produce one
 *   (`expr`, `operand`, `primary`, `valueType`, `tensorType`) take that offset from their caller
 *   in `at`, set just before the `SUBRULE`.
 */
import type { IToken } from 'chevrotain';
import { isRecognitionException, tokenMatcher } from './chevrotain.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type * as A from './ast.js';
import { AstBuilder, errorExpr } from './build-ast.js';
import { climb, type Sequence } from './operator-climbing.js';
import { errorMessageProvider, fail, failed, RECOVER, RecoveringParser } from './recovery.js';
import { spanCover, type LineIndex, type Span } from '../diagnostics/spans.js';
import { RuleSpans, tokEnd, type Tok } from './token-spans.js';
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
} from './tokens.js';

/** The keywords a `replace` may precede. */
const REPLACEABLE: ReadonlySet<unknown> = new Set([Kw.let, Kw.output, Kw.out, Kw.loss, Kw.mask, Kw.memory]);

/** `at` for an argument's value: the argument's own start, known only once its first token is read. */
const SELF = -1;

// Sub-rule labels (kept for the grammar's serialized form, which the syntax diagrams show).
const NAME = { LABEL: 'name' };
const BASE = { LABEL: 'base' };
const THEN = { LABEL: 'then' };
const ELSE_IF = { LABEL: 'elseIf' };
const ELSE = { LABEL: 'else' };

export class TfmParser extends RecoveringParser {
  /** Set by `begin` for each file. */
  private fileName = '';
  /** Syntax errors only visible in the tree (chained comparisons), in source order. */
  late: Diagnostic[] = [];
  /** The spans of what rules consumed, and the nodes the rules build from what they read. */
  private readonly spans = new RuleSpans(this);
  private readonly build = new AstBuilder(this, this.spans);
  /** The placeholder offset for the next sub-rule that takes one (see the file comment). */
  private at = 0;
  /** Side outputs of `operand`, read right after it returns (or fails). */
  private outer: Span | undefined;
  private prefixes: IToken[] | undefined;

  /**
   * `validate`: run chevrotain's grammar validations (ambiguities, left recursion, unreachable
   * alternatives), which throw on a broken grammar. They cost a third of building the parser on
   * every start of `tfmc` and find nothing in a grammar that passed them once, so the shared
   * instance skips them and test/syntax/parse.test.ts builds one with them.
   */
  constructor(options: { validate?: boolean } = {}) {
    super(allTokens, {
      recoveryEnabled: true,
      maxLookahead: 2,
      errorMessageProvider,
      skipValidations: options.validate !== true,
    });
    this.performSelfAnalysis();
  }

  /** Prepares to parse the `tokens` of a file; `file()` then parses them. */
  begin(tokens: IToken[], lines: LineIndex, fileName: string): void {
    this.setInput(tokens);
    this.spans.lines = lines;
    this.fileName = fileName;
    this.late = [];
  }

  /**
   * Whether the next tokens can begin a statement, decided with the same two tokens `stmt` uses:
   * a name starts one only as `name =`, the contextual keyword `memory` (also a name) only
   * as `memory name` or `memory =`, and `replace` only as `replace` and a binding keyword.
   */
  private canStartStatement(): boolean {
    const first = this.LA(1);
    if (!tokenMatcher(first, Identifier)) return true;
    const second = this.LA(2);
    if (first.tokenType === Kw.memory && tokenMatcher(second, Identifier)) return true;
    if (first.tokenType === Kw.replace && REPLACEABLE.has(second.tokenType)) return true;
    return tokenMatcher(second, Eq);
  }
  private readonly canStartStatementGate = () => this.canStartStatement();
  private readonly canStartEntryGate = () => tokenMatcher(this.LA(2), Eq) || tokenMatcher(this.LA(2), Colon);

  // ── items ──

  /** `file = { item } ;` */
  file = this.RULE(
    'file',
    (): A.Item[] => {
      const items: A.Item[] = [];
      try {
        this.MANY(() => {
          const item = this.SUBRULE(this.item);
          if (item !== undefined) items.push(item);
        });
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e) && e.tfmPartial !== undefined) items.push(e.tfmPartial as A.Item);
        throw fail(e, items);
      }
      return items;
    },
    RECOVER,
  );

  private readonly itemAlts = [
    { ALT: () => this.SUBRULE(this.importDecl) },
    { ALT: () => this.SUBRULE(this.blockDecl) },
    { ALT: () => this.SUBRULE(this.modelDecl) },
  ];

  /** `item = importDecl | blockDecl | modelDecl ;` (an import without its path is dropped) */
  item = this.RULE(
    'item',
    (): A.Item | undefined => {
      try {
        return this.OR<A.Item | undefined>(this.itemAlts);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        throw fail(e, failed(e) ? e.tfmPartial : undefined);
      }
    },
    RECOVER,
  );

  /** `importDecl = "import" STRING ;` */
  importDecl = this.RULE(
    'importDecl',
    (): A.ImportDecl | undefined => {
      const entry = this.currIdx;
      let path: Tok;
      try {
        this.CONSUME(Kw.import);
        path = this.CONSUME(StringLiteral);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        throw fail(e, this.build.importDecl(entry, path));
      }
      return this.build.importDecl(entry, path);
    },
    RECOVER,
  );

  /** `blockDecl = "block" IDENT paramList body ;` */
  blockDecl = this.RULE(
    'blockDecl',
    (): A.BlockDecl => {
      const entry = this.currIdx;
      let kw: Tok;
      let name: Tok;
      let params: A.ParamDecl[] = [];
      let body: A.Stmt[] = [];
      let stage = 0;
      try {
        kw = this.CONSUME(Kw.block);
        name = this.CONSUME(Identifier);
        stage = 1;
        params = this.SUBRULE(this.paramList);
        stage = 2;
        body = this.SUBRULE(this.body);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) {
          if (stage === 1) params = e.tfmPartial as A.ParamDecl[];
          else body = e.tfmPartial as A.Stmt[];
        }
        throw fail(e, this.build.blockDecl(entry, kw, name, params, body));
      }
      return this.build.blockDecl(entry, kw, name, params, body);
    },
    RECOVER,
  );

  /**
   * `paramList = "(" [ param { "," param } [ "," ] ] ")" ;`
   * (A rule of its own so that a broken list re-syncs at the body's `{` instead of losing the body.)
   */
  paramList = this.RULE(
    'paramList',
    (): A.ParamDecl[] => {
      const params: A.ParamDecl[] = [];
      try {
        this.CONSUME(LParen);
        this.OPTION(() => {
          params.push(this.SUBRULE(this.param));
          this.MANY(() => {
            this.CONSUME(Comma);
            params.push(this.SUBRULE2(this.param));
          });
          this.OPTION2(() => this.CONSUME2(Comma));
        });
        this.CONSUME(RParen);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) params.push(e.tfmPartial as A.ParamDecl);
        throw fail(e, params);
      }
      return params;
    },
    RECOVER,
  );

  /** `param = IDENT [ ":" valueType ] [ "=" expr ] ;` */
  param = this.RULE(
    'param',
    (): A.ParamDecl => {
      const entry = this.currIdx;
      let name: Tok;
      let colon: Tok;
      let type: A.ValueType | undefined;
      let typeEntry = -1;
      let typeExit = -1;
      let eq: Tok;
      let value: A.Expr | undefined;
      let stage = 0;
      try {
        name = this.CONSUME(Identifier);
        this.OPTION(() => {
          colon = this.CONSUME(Colon);
          this.at = Math.max(this.spans.startHere(entry), tokEnd(name), tokEnd(colon));
          stage = 1;
          typeEntry = this.currIdx;
          type = this.SUBRULE(this.valueType);
          typeExit = this.currIdx;
        });
        this.OPTION2(() => {
          eq = this.CONSUME(Eq);
          const typeEnd = this.spans.nodeEnd(typeEntry, typeExit);
          this.at = Math.max(this.spans.startHere(entry), tokEnd(name), tokEnd(colon), typeEnd, tokEnd(eq));
          stage = 2;
          value = this.SUBRULE(this.expr);
        });
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) {
          if (stage === 1) {
            type = e.tfmPartial as A.ValueType;
            typeExit = this.currIdx;
          } else value = e.tfmPartial as A.Expr;
        }
        throw fail(e, this.build.paramDecl(entry, name, colon, type, typeEntry, typeExit, eq, value));
      }
      return this.build.paramDecl(entry, name, colon, type, typeEntry, typeExit, eq, value);
    },
    RECOVER,
  );

  private readonly valueTypeAlts = [
    { ALT: () => this.SUBRULE(this.enumType) },
    { ALT: () => this.CONSUME(Identifier) },
  ];

  /** `valueType = enumType | IDENT ;` */
  valueType = this.RULE(
    'valueType',
    (): A.ValueType => {
      const at = this.at;
      let result: A.EnumType | IToken | undefined;
      try {
        result = this.OR<A.EnumType | IToken>(this.valueTypeAlts);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) result = e.tfmPartial as A.EnumType;
        throw fail(e, this.build.valueType(result, at));
      }
      return this.build.valueType(result, at);
    },
    RECOVER,
  );

  /** `enumType = "enum" "(" IDENT { "," IDENT } [ "," ] ")" ;` */
  enumType = this.RULE(
    'enumType',
    (): A.EnumType => {
      const entry = this.currIdx;
      let open: Tok;
      const members: Tok[] = [];
      try {
        this.CONSUME(Kw.enum);
        open = this.CONSUME(LParen);
        members.push(this.CONSUME(Identifier));
        this.MANY(() => {
          this.CONSUME(Comma);
          members.push(this.CONSUME2(Identifier));
        });
        this.OPTION(() => this.CONSUME2(Comma));
        this.CONSUME(RParen);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        throw fail(e, this.build.enumType(entry, open, members));
      }
      return this.build.enumType(entry, open, members);
    },
    RECOVER,
  );

  /** `modelDecl = "model" IDENT [ "extends" IDENT ] body ;` */
  modelDecl = this.RULE(
    'modelDecl',
    (): A.ModelDecl => {
      const entry = this.currIdx;
      let kw: Tok;
      let name: Tok;
      let ext: Tok;
      let base: Tok;
      let body: A.Stmt[] = [];
      try {
        kw = this.CONSUME(Kw.model);
        name = this.CONSUME(Identifier, NAME);
        this.OPTION(() => {
          ext = this.CONSUME(Kw.extends);
          base = this.CONSUME2(Identifier, BASE);
        });
        body = this.SUBRULE(this.body);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) body = e.tfmPartial as A.Stmt[];
        throw fail(e, this.build.modelDecl(entry, kw, name, ext, base, body));
      }
      return this.build.modelDecl(entry, kw, name, ext, base, body);
    },
    RECOVER,
  );

  /**
   * `body = "{" { stmt } "}" ;`
   * The gate (see `canStartStatement`) keeps a stray `foo(x)` line out of `stmt`: there it would
   * fail without consuming anything and recovery would give up on the rest of the body, while
   * the repetition's own recovery skips to the next statement.
   */
  body = this.RULE(
    'body',
    (): A.Stmt[] => {
      const stmts: A.Stmt[] = [];
      try {
        this.CONSUME(LBrace);
        this.MANY({
          GATE: this.canStartStatementGate,
          DEF: () => {
            stmts.push(this.SUBRULE(this.stmt));
          },
        });
        this.CONSUME(RBrace);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) stmts.push(e.tfmPartial as A.Stmt);
        throw fail(e, stmts);
      }
      return stmts;
    },
    RECOVER,
  );

  // ── statements ──

  private readonly stmtAlts = [
    { ALT: () => this.SUBRULE(this.configBlock) },
    { ALT: () => this.SUBRULE(this.inputDecl) },
    { ALT: () => this.SUBRULE(this.letStmt) },
    { ALT: () => this.SUBRULE(this.assignStmt) },
    { ALT: () => this.SUBRULE(this.outStmt) },
    { ALT: () => this.SUBRULE(this.lossStmt) },
    { ALT: () => this.SUBRULE(this.declStmt) },
    { ALT: () => this.SUBRULE(this.replaceStmt) },
    { ALT: () => this.SUBRULE(this.expectStmt) },
    { ALT: () => this.SUBRULE(this.ifStmt) },
  ];
  private readonly semi = () => this.CONSUME(Semi);

  /**
   * `stmt = ( configBlock | inputDecl | letStmt | assignStmt | outStmt | lossStmt | declStmt
   *         | replaceStmt | expectStmt | ifStmt ) [ ";" ] ;`
   */
  stmt = this.RULE(
    'stmt',
    (): A.Stmt => {
      const entry = this.currIdx;
      const lateMark = this.late.length;
      let inner: A.Stmt | undefined;
      let innerExit = entry;
      try {
        inner = this.OR<A.Stmt>(this.stmtAlts);
        innerExit = this.currIdx;
        this.OPTION(this.semi);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) {
          inner = e.tfmPartial as A.Stmt;
          innerExit = this.currIdx;
        }
        throw fail(e, this.build.stmt(entry, inner, innerExit, lateMark));
      }
      return this.build.stmt(entry, inner, innerExit, lateMark);
    },
    RECOVER,
  );

  /**
   * `configBlock = "config" "{" { configEntry } "}" ;`
   * (As in `body`, a gate keeps a name that is not followed by `=` or `:` out of `configEntry`.)
   */
  configBlock = this.RULE(
    'configBlock',
    (): A.ConfigBlock => {
      const entry = this.currIdx;
      const entries: A.ConfigEntry[] = [];
      try {
        this.CONSUME(Kw.config);
        this.CONSUME(LBrace);
        this.MANY({
          GATE: this.canStartEntryGate,
          DEF: () => {
            entries.push(this.SUBRULE(this.configEntry));
          },
        });
        this.CONSUME(RBrace);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) entries.push(e.tfmPartial as A.ConfigEntry);
        throw fail(e, this.build.configBlock(entry, entries));
      }
      return this.build.configBlock(entry, entries);
    },
    RECOVER,
  );

  private readonly entryEndAlts = [{ ALT: () => this.CONSUME(Semi) }, { ALT: () => this.CONSUME(Comma) }];

  /** `configEntry = IDENT [ ":" valueType ] "=" expr [ ";" | "," ] ;` */
  configEntry = this.RULE(
    'configEntry',
    (): A.ConfigEntry => {
      const entry = this.currIdx;
      let name: Tok;
      let colon: Tok;
      let type: A.ValueType | undefined;
      let typeEntry = -1;
      let typeExit = -1;
      let eq: Tok;
      let value: A.Expr | undefined;
      let valueEntry = -1;
      let valueExit = -1;
      let stage = 0;
      try {
        name = this.CONSUME(Identifier);
        this.OPTION(() => {
          colon = this.CONSUME(Colon);
          this.at = Math.max(this.spans.startHere(entry), tokEnd(name), tokEnd(colon));
          stage = 1;
          typeEntry = this.currIdx;
          type = this.SUBRULE(this.valueType);
          typeExit = this.currIdx;
        });
        eq = this.CONSUME(Eq);
        this.at = Math.max(this.spans.startHere(entry), tokEnd(name), tokEnd(colon), this.spans.nodeEnd(typeEntry, typeExit), tokEnd(eq));
        stage = 2;
        valueEntry = this.currIdx;
        value = this.SUBRULE(this.expr);
        valueExit = this.currIdx;
        this.OPTION2(() => this.OR(this.entryEndAlts));
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) {
          if (stage === 1) {
            type = e.tfmPartial as A.ValueType;
            typeExit = this.currIdx;
          } else {
            value = e.tfmPartial as A.Expr;
            valueExit = this.currIdx;
          }
        }
        throw fail(e, this.build.configEntry(entry, name, colon, type, typeEntry, typeExit, eq, value, valueEntry, valueExit));
      }
      return this.build.configEntry(entry, name, colon, type, typeEntry, typeExit, eq, value, valueEntry, valueExit);
    },
    RECOVER,
  );

  private readonly inputKeywordAlts = [{ ALT: () => this.CONSUME(Kw.input) }, { ALT: () => this.CONSUME(Kw.in) }];

  /**
   * `inputDecl = ( "input" | "in" ) IDENT ":" tensorType [ "?" ] [ valueRange ] [ "where" expr { "," expr } ] ;`
   * `valueRange = "in" "[" expr "," expr ( ")" | "]" ) ;` — `in` followed by `[`, so a block's next
   * port (`in x: ...`) is never read as a range.
   */
  inputDecl = this.RULE(
    'inputDecl',
    (): A.InputDecl => {
      const entry = this.currIdx;
      let kw: Tok;
      let name: Tok;
      let colon: Tok;
      let type: A.TensorType | undefined;
      let question: Tok;
      let range: A.ValueRange | undefined;
      const constraints: A.Expr[] = [];
      let stage = 0;
      try {
        kw = this.OR(this.inputKeywordAlts);
        name = this.CONSUME(Identifier);
        colon = this.CONSUME(Colon);
        this.at = Math.max(this.spans.startHere(entry), tokEnd(kw), tokEnd(name), tokEnd(colon));
        stage = 1;
        type = this.SUBRULE(this.tensorType);
        this.OPTION(() => {
          question = this.CONSUME(Question);
        });
        this.OPTION3({
          GATE: () => this.LA(2).tokenType === LBracket,
          DEF: () => {
            const kwIn = this.CONSUME2(Kw.in);
            const open = this.CONSUME(LBracket);
            this.at = Math.max(this.spans.startHere(entry), tokEnd(kwIn), tokEnd(open));
            stage = 3;
            const low = this.SUBRULE3(this.expr);
            this.CONSUME2(Comma);
            const high = this.SUBRULE4(this.expr);
            const close = this.OR2([{ ALT: () => this.CONSUME(RParen) }, { ALT: () => this.CONSUME(RBracket) }]);
            range = this.build.valueRange(kwIn, close, low, high);
          },
        });
        this.OPTION2(() => {
          const where = this.CONSUME(Kw.where);
          this.at = Math.max(this.spans.startHere(entry), tokEnd(where));
          stage = 2;
          constraints.push(this.SUBRULE(this.expr));
          this.MANY(() => {
            const comma = this.CONSUME(Comma);
            this.at = Math.max(this.spans.startHere(entry), tokEnd(comma));
            constraints.push(this.SUBRULE2(this.expr));
          });
        });
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) {
          if (stage === 1) type = e.tfmPartial as A.TensorType;
          else if (stage === 2) constraints.push(e.tfmPartial as A.Expr);
        }
        throw fail(e, this.build.inputDecl(entry, kw, name, colon, type, question, constraints, range));
      }
      return this.build.inputDecl(entry, kw, name, colon, type, question, constraints, range);
    },
    RECOVER,
  );

  private readonly dtypeAlts = [{ ALT: () => this.CONSUME(Identifier) }, { ALT: () => this.CONSUME(Kw.mask) }];

  /** `tensorType = ( IDENT | "mask" ) "[" [ expr { "," expr } [ "," ] ] "]" ;` */
  tensorType = this.RULE(
    'tensorType',
    (): A.TensorType => {
      const at = this.at;
      const entry = this.currIdx;
      let dtype: Tok;
      const dims: A.Expr[] = [];
      try {
        dtype = this.OR(this.dtypeAlts);
        this.bracketed(entry, dims);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) dims.push(e.tfmPartial as A.Expr);
        throw fail(e, this.build.tensorType(entry, at, dtype, dims));
      }
      return this.build.tensorType(entry, at, dtype, dims);
    },
    RECOVER,
  );

  /** `letStmt = "let" IDENT "=" expr ;` */
  letStmt = this.RULE('letStmt', this.binding('LetStmt', () => this.CONSUME(Kw.let)), RECOVER);

  /** `assignStmt = IDENT "=" expr ;` */
  assignStmt = this.RULE('assignStmt', this.binding('AssignStmt'), RECOVER);

  /**
   * The body of the statements `[ keyword ] IDENT "=" expr`: `letStmt`, `assignStmt` (which has
   * no keyword), `lossStmt` and `declStmt`; `keyword` reads the keyword.
   */
  private binding(kind: 'LetStmt' | 'AssignStmt' | 'LossStmt' | 'MaskStmt', keyword?: () => IToken): () => A.Stmt {
    return (): A.Stmt => {
      const entry = this.currIdx;
      let kw: Tok;
      let name: Tok;
      let eq: Tok;
      let value: A.Expr | undefined;
      let valueEntry = -1;
      try {
        if (keyword) kw = keyword();
        name = this.CONSUME(Identifier);
        eq = this.CONSUME(Eq);
        this.at = Math.max(this.spans.startHere(entry), tokEnd(kw), tokEnd(name), tokEnd(eq));
        valueEntry = this.currIdx;
        value = this.SUBRULE(this.expr);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) value = e.tfmPartial as A.Expr;
        throw fail(e, this.build.binding(kind, entry, kw, name, eq, value, valueEntry));
      }
      return this.build.binding(kind, entry, kw, name, eq, value, valueEntry);
    };
  }

  /**
   * `outStmt = "out" [ IDENT "=" ] expr | "output" IDENT "=" expr ;`
   * (`out x` outputs the value `x`; `out x = e` names the output: two tokens of lookahead.)
   */
  outStmt = this.RULE(
    'outStmt',
    (): A.OutStmt => {
      const entry = this.currIdx;
      let kw: Tok;
      let name: Tok;
      let eq: Tok;
      let value: A.Expr | undefined;
      try {
        this.OR([
          {
            ALT: () => {
              kw = this.CONSUME(Kw.out);
              this.OPTION(() => {
                name = this.CONSUME(Identifier);
                eq = this.CONSUME(Eq);
              });
              this.at = Math.max(this.spans.startHere(entry), tokEnd(kw), tokEnd(name), tokEnd(eq));
              value = this.SUBRULE(this.expr);
            },
          },
          {
            ALT: () => {
              kw = this.CONSUME(Kw.output);
              name = this.CONSUME2(Identifier);
              eq = this.CONSUME2(Eq);
              this.at = Math.max(this.spans.startHere(entry), tokEnd(kw), tokEnd(name), tokEnd(eq));
              value = this.SUBRULE2(this.expr);
            },
          },
        ]);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) value = e.tfmPartial as A.Expr;
        throw fail(e, this.build.outStmt(entry, kw, name, eq, value));
      }
      return this.build.outStmt(entry, kw, name, eq, value);
    },
    RECOVER,
  );

  /** `lossStmt = "loss" IDENT "=" expr ;` */
  lossStmt = this.RULE('lossStmt', this.binding('LossStmt', () => this.CONSUME(Kw.loss)), RECOVER);

  private readonly declKeywordAlts = [{ ALT: () => this.CONSUME(Kw.mask) }, { ALT: () => this.CONSUME(Kw.memory) }];

  /** `declStmt = ( "mask" | "memory" ) IDENT "=" expr ;` */
  declStmt = this.RULE('declStmt', this.binding('MaskStmt', () => this.OR(this.declKeywordAlts)), RECOVER);

  private readonly replaceableAlts = [
    { ALT: () => this.SUBRULE2(this.letStmt) },
    { ALT: () => this.SUBRULE2(this.outStmt) },
    { ALT: () => this.SUBRULE2(this.lossStmt) },
    { ALT: () => this.SUBRULE2(this.declStmt) },
  ];

  /** `replaceStmt = "replace" ( letStmt | outStmt | lossStmt | declStmt ) ;` */
  replaceStmt = this.RULE(
    'replaceStmt',
    (): A.Stmt => {
      const entry = this.currIdx;
      let kw: Tok;
      let inner: A.Stmt | undefined;
      try {
        kw = this.CONSUME(Kw.replace);
        inner = this.OR(this.replaceableAlts);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) inner = e.tfmPartial as A.Stmt;
        throw fail(e, this.build.replaceStmt(entry, kw, inner));
      }
      return this.build.replaceStmt(entry, kw, inner);
    },
    RECOVER,
  );

  /** `expectStmt = "expect" expr ;` */
  expectStmt = this.RULE(
    'expectStmt',
    (): A.ExpectStmt => {
      const entry = this.currIdx;
      let kw: Tok;
      let condition: A.Expr | undefined;
      try {
        kw = this.CONSUME(Kw.expect);
        this.at = Math.max(this.spans.startHere(entry), tokEnd(kw));
        condition = this.SUBRULE(this.expr);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) condition = e.tfmPartial as A.Expr;
        throw fail(e, this.build.expectStmt(entry, kw, condition));
      }
      return this.build.expectStmt(entry, kw, condition);
    },
    RECOVER,
  );

  /** `ifStmt = "if" expr body [ "else" ( ifStmt | body ) ] ;` */
  ifStmt = this.RULE(
    'ifStmt',
    (): A.IfStmt => {
      const entry = this.currIdx;
      let kw: Tok;
      let condition: A.Expr | undefined;
      let then: A.Stmt[] = [];
      let hasElse = false;
      let otherwise: A.Stmt[] | undefined;
      let stage = 0;
      try {
        kw = this.CONSUME(Kw.if);
        this.at = Math.max(this.spans.startHere(entry), tokEnd(kw));
        stage = 1;
        condition = this.SUBRULE(this.expr);
        stage = 2;
        then = this.SUBRULE(this.body, THEN);
        this.OPTION(() => {
          this.CONSUME(Kw.else);
          hasElse = true;
          this.OR([
            {
              ALT: () => {
                stage = 3;
                otherwise = [this.SUBRULE(this.ifStmt, ELSE_IF)];
              },
            },
            {
              ALT: () => {
                stage = 4;
                otherwise = this.SUBRULE2(this.body, ELSE);
              },
            },
          ]);
        });
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) {
          const partial = e.tfmPartial;
          if (stage === 1) condition = partial as A.Expr;
          else if (stage === 2) then = partial as A.Stmt[];
          else if (stage === 3) otherwise = [partial as A.IfStmt];
          else otherwise = partial as A.Stmt[];
        }
        throw fail(e, this.build.ifStmt(entry, kw, condition, then, hasElse, otherwise));
      }
      return this.build.ifStmt(entry, kw, condition, then, hasElse, otherwise);
    },
    RECOVER,
  );

  // ── expressions ──
  //
  // Operator sequences are read flat, `operand { op operand }`, and precedence and associativity
  // are applied afterwards (operator-climbing.ts; grammar/README.md has the table). A rule per
  // precedence level would cost a dozen nested rule calls for every name or number in the file.

  /**
   * The operators and further operands of the sequence being read (undefined until its first
   * operator). Repetition bodies are created once, not per call, so they find their sequence
   * here; a nested sequence (in an argument, say) has its own, and the step restores the outer one.
   */
  private seq: Sequence | undefined;
  private readonly binaryStep = () => this.sequenceStep(this.CONSUME(BinaryOp));
  private readonly arithStep = () => this.sequenceStep(this.CONSUME(ArithOp));

  /** `expr = operand { binaryOp operand } ;` */
  expr = this.RULE('expr', this.operatorSequence(this.binaryStep), RECOVER);

  /** `arithExpr = operand { arithOp operand } ;` (a repeat count: no comparisons or logic) */
  arithExpr = this.RULE('arithExpr', this.operatorSequence(this.arithStep), RECOVER);

  /** `op operand`, after `op` was read. */
  private sequenceStep(op: IToken): void {
    let seq = this.seq;
    if (seq === undefined) seq = this.seq = { ops: [], rest: [], lateMarks: [this.late.length] };
    seq.ops.push(op);
    this.at = tokEnd(op);
    let expr: A.Expr;
    try {
      expr = this.SUBRULE2(this.operand);
    } catch (e) {
      this.seq = seq;
      throw e;
    }
    this.seq = seq;
    seq.rest.push({ expr, outer: this.outer!, prefixes: this.prefixes });
    seq.lateMarks.push(this.late.length);
  }

  /**
   * The body of `expr` and `arithExpr`, `operand { op operand }` with `step` reading `op operand`
   * (each rule has its own, so the DSL occurrences are distinct; the body is the rule's own
   * function, not a call from it, which saves a stack frame per nesting level).
   */
  private operatorSequence(step: () => void): () => A.Expr {
    return (): A.Expr => {
      const at = this.at;
      const lateMark = this.late.length;
      let first: A.Expr | undefined;
      let firstOuter: Span | undefined;
      let firstPrefixes: IToken[] | undefined;
      try {
        this.at = at;
        first = this.SUBRULE(this.operand);
        firstOuter = this.outer;
        firstPrefixes = this.prefixes;
        this.seq = undefined;
        this.MANY(step);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        let seq: Sequence | undefined;
        if (first !== undefined) seq = this.seq;
        if (failed(e)) {
          const expr = e.tfmPartial as A.Expr;
          if (first === undefined) {
            first = expr;
            firstOuter = this.outer;
            firstPrefixes = this.prefixes;
          } else {
            seq!.rest.push({ expr, outer: this.outer!, prefixes: this.prefixes });
            seq!.lateMarks.push(this.late.length);
          }
        }
        throw fail(e, this.tree(first!, firstOuter!, firstPrefixes, seq, lateMark));
      }
      return this.tree(first, firstOuter!, firstPrefixes, this.seq, lateMark);
    };
  }

  /** The tree of an operator sequence (operator-climbing.ts applies the precedence). */
  private tree(first: A.Expr, firstOuter: Span, firstPrefixes: IToken[] | undefined, seq: Sequence | undefined, lateMark: number): A.Expr {
    if (this.RECORDING_PHASE) return undefined as never;
    return climb(first, firstOuter, firstPrefixes, seq, this.fileName, this.late, lateMark);
  }

  /**
   * `operand = { "-" | "!" } primary { suffix } ;`
   * Returns the primary with its suffixes applied; the prefixes (`this.prefixes`) are applied by
   * the climber, since `^` binds tighter: `-x ^ 2` is `-(x ^ 2)`. `this.outer` is the extent
   * without prefixes, parentheses included.
   */
  operand = this.RULE(
    'operand',
    (): A.Expr => {
      let at = this.at;
      const entry = this.currIdx;
      let prefixes: IToken[] | undefined;
      let expr: A.Expr | undefined;
      let outer: Span | undefined;
      let primEntry = -1;
      let stage = 0;
      try {
        this.pendingPrefixes = undefined;
        this.MANY(this.prefixStep);
        prefixes = this.pendingPrefixes;
        // An argument's value starts the argument: its placeholder goes to the first token read.
        if (at === SELF) at = this.spans.startHere(entry);
        primEntry = this.currIdx;
        this.at = at;
        stage = 1;
        expr = this.SUBRULE(this.primary);
        outer = this.spans.primaryOuter(expr, primEntry, at);
        stage = 2;
        this.suffixed = expr;
        this.suffixedOuter = outer;
        this.MANY2(this.suffixStep);
        expr = this.suffixed;
        outer = this.suffixedOuter;
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (at === SELF) at = this.spans.startHere(entry);
        if (stage === 0) {
          // Never got to the primary (cannot happen: prefixes are optional and cannot fail).
          prefixes = this.pendingPrefixes;
          expr = errorExpr(this.spans.empty(at));
          outer = expr.span;
        } else if (stage === 1) {
          expr = failed(e) ? (e.tfmPartial as A.Expr) : errorExpr(this.spans.spanOf(primEntry, this.currIdx, at));
          outer = this.spans.primaryOuter(expr, primEntry, at);
        } else {
          expr = this.suffixed!;
          outer = this.suffixedOuter!;
          if (failed(e)) {
            // A suffix failed part-way: apply what there is of it.
            outer = spanCover(outer, this.spans.spanOf(this.suffixEntry, this.currIdx, outer.end.offset));
            expr = this.build.applySuffix(expr, e.tfmPartial as A.Arg[] | A.Ident, outer);
          }
        }
        this.outer = outer;
        this.prefixes = prefixes;
        throw fail(e, expr);
      }
      this.outer = outer;
      this.prefixes = prefixes;
      return expr!;
    },
    RECOVER,
  );

  /** Prefix operators read by `prefixStep` for the current operand. */
  private pendingPrefixes: IToken[] | undefined;
  private readonly prefixStep = () => {
    (this.pendingPrefixes ??= []).push(this.CONSUME(UnaryOp));
  };

  /** The current operand so far (its primary and the suffixes read), and where its last suffix started. */
  private suffixed: A.Expr | undefined;
  private suffixedOuter: Span | undefined;
  private suffixEntry = -1;
  private readonly suffixStep = () => {
    const expr = this.suffixed!;
    const outer = this.suffixedOuter!;
    const entry = this.currIdx;
    let suffix: A.Arg[] | A.Ident;
    try {
      suffix = this.SUBRULE(this.suffix);
    } catch (e) {
      // for the operand's partial node (nested operands have used these fields meanwhile)
      this.suffixed = expr;
      this.suffixedOuter = outer;
      this.suffixEntry = entry;
      throw e;
    }
    if (this.RECORDING_PHASE) return;
    const span = spanCover(outer, this.spans.spanOf(entry, this.currIdx, outer.end.offset));
    this.suffixed = this.build.applySuffix(expr, suffix, span);
    this.suffixedOuter = span;
  };

  private readonly suffixAlts = [
    {
      ALT: (): A.Arg[] => {
        const args: A.Arg[] = [];
        const outerArgs = this.args;
        this.args = args;
        try {
          this.CONSUME(LParen);
          this.OPTION(this.argsBody);
          this.CONSUME(RParen);
        } catch (e) {
          if (!isRecognitionException(e as Error)) throw e;
          if (failed(e)) args.push(e.tfmPartial as A.Arg);
          throw fail(e, args);
        } finally {
          this.args = outerArgs;
        }
        return args;
      },
    },
    {
      ALT: (): A.Ident => {
        let name: Tok;
        const dot = this.CONSUME(Dot);
        try {
          name = this.CONSUME(Identifier);
        } catch (e) {
          if (!isRecognitionException(e as Error)) throw e;
          throw fail(e, this.RECORDING_PHASE ? undefined : this.build.ident(undefined, Math.max(0, tokEnd(dot))));
        }
        return this.RECORDING_PHASE ? (undefined as never) : this.build.ident(name, Math.max(0, tokEnd(dot)));
      },
    },
  ];

  /** The arguments of the call being read (each call has its own: `argsBody` and `argStep` add to it). */
  private args: A.Arg[] = [];
  private readonly argsBody = () => {
    this.args.push(this.SUBRULE(this.arg));
    this.MANY(this.argStep);
    this.OPTION2(this.trailingComma);
  };
  private readonly argStep = () => {
    this.CONSUME(Comma);
    this.args.push(this.SUBRULE2(this.arg));
  };
  private readonly trailingComma = () => this.CONSUME2(Comma);

  /**
   * `suffix = "(" [ arg { "," arg } [ "," ] ] ")" | "." IDENT ;`
   * A call's arguments, or a member's name.
   */
  suffix = this.RULE(
    'suffix',
    (): A.Arg[] | A.Ident => {
      try {
        return this.OR<A.Arg[] | A.Ident>(this.suffixAlts);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        throw fail(e, failed(e) ? e.tfmPartial : []);
      }
    },
    RECOVER,
  );

  /** `arg = [ IDENT ":" ] expr ;` (a named argument needs two tokens of lookahead) */
  arg = this.RULE(
    'arg',
    (): A.Arg => {
      const entry = this.currIdx;
      let name: Tok;
      let colon: Tok;
      let value: A.Expr | undefined;
      try {
        this.argName = undefined;
        this.argColon = undefined;
        this.OPTION(this.argNameBody);
        name = this.argName;
        colon = this.argColon;
        this.at = name ? Math.max(this.spans.startHere(entry), tokEnd(name), tokEnd(colon)) : SELF;
        value = this.SUBRULE(this.expr);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) value = e.tfmPartial as A.Expr;
        throw fail(e, this.build.arg(entry, name, colon, value));
      }
      return this.build.arg(entry, name, colon, value);
    },
    RECOVER,
  );

  /** `IDENT ":"` of a named argument, read by `argNameBody`. */
  private argName: Tok;
  private argColon: Tok;
  private readonly argNameBody = () => {
    this.argName = this.CONSUME(Identifier);
    this.argColon = this.CONSUME(Colon);
  };

  private readonly primaryAlts = [
    { ALT: () => this.build.literal(this.CONSUME(IntLiteral)) },
    { ALT: () => this.build.literal(this.CONSUME(Float)) },
    { ALT: () => this.build.literal(this.CONSUME(StringLiteral)) },
    { ALT: () => this.build.bool(this.CONSUME(Kw.true)) },
    { ALT: () => this.build.bool(this.CONSUME(Kw.false)) },
    { ALT: () => this.build.name(this.CONSUME(Identifier)) },
    {
      ALT: (): A.Expr => {
        const open = this.CONSUME(LParen);
        let inner: A.Expr | undefined;
        try {
          this.at = open.startOffset + 1;
          inner = this.SUBRULE(this.expr);
          this.CONSUME(RParen);
        } catch (e) {
          if (!isRecognitionException(e as Error)) throw e;
          if (failed(e)) inner = e.tfmPartial as A.Expr;
          throw fail(e, inner);
        }
        return inner;
      },
    },
    { ALT: () => this.SUBRULE(this.repeatExpr) },
    { ALT: () => this.SUBRULE(this.listExpr) },
  ];

  /** `primary = INT | FLOAT | STRING | "true" | "false" | IDENT | "(" expr ")" | repeatExpr | listExpr ;` */
  primary = this.RULE(
    'primary',
    (): A.Expr => {
      const at = this.at;
      const entry = this.currIdx;
      try {
        return this.OR<A.Expr>(this.primaryAlts);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        const partial = failed(e) ? (e.tfmPartial as A.Expr) : this.RECORDING_PHASE ? undefined : errorExpr(this.spans.spanOf(entry, this.currIdx, at));
        throw fail(e, partial);
      }
    },
    RECOVER,
  );

  /**
   * `"[" [ expr { "," expr } [ "," ] ] "]"` into `items`: the dimensions of a tensor type and the
   * items of a list (part of the rule that calls it).
   */
  private bracketed(entry: number, items: A.Expr[]): void {
    const open = this.CONSUME(LBracket);
    this.OPTION(() => {
      this.at = Math.max(this.spans.startHere(entry), tokEnd(open));
      items.push(this.SUBRULE(this.expr));
      this.MANY(() => {
        const comma = this.CONSUME(Comma);
        this.at = Math.max(this.spans.startHere(entry), tokEnd(comma));
        items.push(this.SUBRULE2(this.expr));
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RBracket);
  }

  /** `listExpr = "[" [ expr { "," expr } [ "," ] ] "]" ;` (a shape, an axis order, a list of tensors) */
  listExpr = this.RULE(
    'listExpr',
    (): A.ListExpr => {
      const entry = this.currIdx;
      const items: A.Expr[] = [];
      try {
        this.bracketed(entry, items);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) items.push(e.tfmPartial as A.Expr);
        throw fail(e, this.build.listExpr(entry, items));
      }
      return this.build.listExpr(entry, items);
    },
    RECOVER,
  );

  /** `repeatExpr = "repeat" arithExpr [ "shared" ] "{" expr "}" ;` */
  repeatExpr = this.RULE(
    'repeatExpr',
    (): A.RepeatExpr => {
      const entry = this.currIdx;
      let kw: Tok;
      let count: A.Expr | undefined;
      let countEntry = -1;
      let countExit = -1;
      let shared: Tok;
      let open: Tok;
      let body: A.Expr | undefined;
      let stage = 0;
      try {
        kw = this.CONSUME(Kw.repeat);
        this.at = Math.max(this.spans.startHere(entry), tokEnd(kw));
        stage = 1;
        countEntry = this.currIdx;
        count = this.SUBRULE(this.arithExpr);
        countExit = this.currIdx;
        this.OPTION(() => {
          shared = this.CONSUME(Kw.shared);
        });
        open = this.CONSUME(LBrace);
        this.at = Math.max(this.spans.startHere(entry), tokEnd(kw), this.spans.nodeEnd(countEntry, countExit), tokEnd(shared), tokEnd(open));
        stage = 2;
        body = this.SUBRULE(this.expr);
        this.CONSUME(RBrace);
      } catch (e) {
        if (!isRecognitionException(e as Error)) throw e;
        if (failed(e)) {
          if (stage === 1) {
            count = e.tfmPartial as A.Expr;
            countExit = this.currIdx;
          } else body = e.tfmPartial as A.Expr;
        }
        throw fail(e, this.build.repeatExpr(entry, kw, count, countEntry, countExit, shared, open, body));
      }
      return this.build.repeatExpr(entry, kw, count, countEntry, countExit, shared, open, body);
    },
    RECOVER,
  );
}

/** The one parser instance (chevrotain parsers are reusable: `begin` starts a new file). */
export const parser = new TfmParser();
