/**
 * Error recovery for the `.tfm` parser: chevrotain's, refined where its defaults produce cascades.
 *
 * Chevrotain recovers by single-token insertion/deletion, and otherwise by re-synchronising: it
 * skips to the first token that may follow some rule on the stack. Its choice is often poor in
 * this language (an operator or an argument name counts, and `{ ... }` on one line is not skipped
 * as a whole), so the enclosing body ends early and the rest of the model is misread. The
 * overrides below change which tokens qualify; the mechanics stay chevrotain's.
 *
 * They override undocumented methods of chevrotain 11 (`tryInRuleRecovery`,
 * `canRecoverWithSingleTokenInsertion`, `findReSyncTokenType`, `reSyncTo`,
 * `tryInRepetitionRecovery`, `SAVE_ERROR`, and for speed `manyInternalLogic`);
 * test/syntax/recovery.test.ts and fuzz.test.ts cover them.
 *
 * The parser builds the AST in its actions, and a node's span is the extent of the tokens its rule
 * consumed. Tokens that recovery skips belong to no node, so `SKIP_TOKEN` marks them (`skipped`).
 * A rule that fails part-way hands its partial node up with the exception (`fail`, `failed`,
 * `RECOVER`), so that recovery keeps what was read.
 *
 * Error messages are not rendered here: the message provider encodes what was expected as JSON,
 * and syntax-errors.ts turns that into a diagnostic once it also knows the surrounding tokens.
 */
import type { IParserConfig, IParserErrorMessageProvider, IRecognitionException, IToken, TokenType } from 'chevrotain';
import { EmbeddedActionsParser, EOF, MismatchedTokenException, tokenMatcher } from './chevrotain.js';
import {
  BinaryOp,
  Colon,
  Dot,
  Eq,
  Identifier,
  KeywordCat,
  LBrace,
  LBracket,
  LParen,
  RBrace,
  RBracket,
  RParen,
  Semi,
  UnaryOp,
} from './tokens.js';

/** What the parser expected when it failed; carried inside chevrotain's error message. */
export interface ExpectationInfo {
  kind: 'mismatch' | 'noViableAlt' | 'earlyExit' | 'notAllInput';
  /** Token type names that would have been accepted (first tokens only). */
  expected: string[];
  rule: string;
}

const encode = (info: ExpectationInfo): string => JSON.stringify(info);

const firstTokens = (paths: TokenType[][]): string[] => [
  ...new Set(paths.filter((p) => p.length > 0).map((p) => p[0].name)),
];

export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, ruleName }) =>
    encode({ kind: 'mismatch', expected: [expected.name], rule: ruleName }),
  buildNotAllInputParsedMessage: ({ ruleName }) =>
    encode({ kind: 'notAllInput', expected: [EOF.name], rule: ruleName }),
  buildNoViableAltMessage: ({ expectedPathsPerAlt, ruleName }) =>
    encode({ kind: 'noViableAlt', expected: firstTokens(expectedPathsPerAlt.flat()), rule: ruleName }),
  buildEarlyExitMessage: ({ expectedIterationPaths, ruleName }) =>
    encode({ kind: 'earlyExit', expected: firstTokens(expectedIterationPaths), rule: ruleName }),
};

/** Reads back what `errorMessageProvider` encoded; undefined for a message chevrotain wrote itself. */
export function decodeExpectation(message: string): ExpectationInfo | undefined {
  try {
    const info = JSON.parse(message) as ExpectationInfo;
    return Array.isArray(info?.expected) ? info : undefined;
  } catch {
    return undefined;
  }
}

// ── partial nodes (see parser.ts) ──

/** A recognition exception carrying the partial node of the rule it is leaving. */
export interface Failure extends IRecognitionException {
  tfmHasPartial?: boolean;
  tfmPartial?: unknown;
}

/** Attaches a failed rule's partial node to the exception passing through it. */
export function fail(e: unknown, partial: unknown): unknown {
  const f = e as Failure;
  f.tfmHasPartial = true;
  f.tfmPartial = partial;
  return e;
}

/** Whether `e` carries the partial node of the sub-rule that failed (rather than coming from this rule). */
export function failed(e: unknown): e is Failure & { tfmHasPartial: true } {
  return (e as Failure).tfmHasPartial === true;
}

/** Returned to chevrotain, which returns it from the rule where it re-synchronised. */
function takePartial(e: IRecognitionException): never {
  const f = e as Failure;
  const value = f.tfmPartial;
  f.tfmHasPartial = false;
  f.tfmPartial = undefined;
  return value as never;
}

/** The options of every rule: where recovery re-synchronises, the rule returns the partial node. */
export const RECOVER = { recoveryValueFunc: takePartial };

// ── the parser ──

/** Chevrotain internals used below (not in its public typings). */
interface Internals {
  tryInRuleRecovery(this: EmbeddedActionsParser, expected: TokenType, follows: TokenType[]): IToken;
  flattenFollowSet(this: EmbeddedActionsParser): TokenType[];
  exportLexerState(this: EmbeddedActionsParser): number;
  importLexerState(this: EmbeddedActionsParser, state: number): void;
  getCurrRuleFullName(this: EmbeddedActionsParser): string;
  canRecoverWithSingleTokenInsertion(this: EmbeddedActionsParser, expected: TokenType, follows: TokenType[]): boolean;
  SAVE_ERROR(this: EmbeddedActionsParser, error: Error): Error;
  manyInternalLogic(this: EmbeddedActionsParser, occurrence: number, action: unknown, key: number): void;
  doSingleRepetition(this: EmbeddedActionsParser, action: () => void): boolean;
  getLaFuncFromCache(this: EmbeddedActionsParser, key: number): (this: EmbeddedActionsParser) => boolean;
}
const base = EmbeddedActionsParser.prototype as unknown as Internals;

const CLOSES: ReadonlySet<TokenType> = new Set([RParen, RBracket, RBrace]);
const CLOSER: ReadonlyMap<TokenType, TokenType> = new Map([
  [LParen, RParen],
  [LBracket, RBracket],
  [LBrace, RBrace],
]);

/**
 * Bracket pairs that open and close on the same line: for each opener's token index, its closer's
 * index (-1 elsewhere). Recovery skips such a group whole: the `}` of `repeat n { f(x) }` must not
 * be mistaken for the end of the model. (A bracket whose partner is on another line may well be
 * the mistake, so it is not trusted.)
 */
function sameLineGroups(tokens: IToken[]): Int32Array {
  const groups = new Int32Array(tokens.length).fill(-1);
  const open: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (CLOSER.has(t.tokenType)) open.push(i);
    else if (open.length > 0 && CLOSER.get(tokens[open[open.length - 1]].tokenType) === t.tokenType) {
      const opener = open.pop()!;
      if (tokens[opener].startLine === t.startLine) groups[opener] = i;
    }
  }
  return groups;
}

export abstract class RecoveringParser extends EmbeddedActionsParser {
  // Chevrotain's token-vector state (lexer_adapter.js), read directly on hot paths; public for
  // AST building (token-spans.ts), which takes node spans from it.
  /** Index of the last consumed token (-1 before the first). */
  declare readonly currIdx: number;
  declare readonly tokVector: IToken[];
  declare protected tokVectorLength: number;
  declare protected consumeToken: () => void;

  /** Same-line bracket groups (see `sameLineGroups`), computed at the first recovery. */
  private groups: Int32Array | undefined;
  /** `skipped[i]` is 1 when recovery skipped token `i`; allocated at the first skip. */
  skipped: Uint8Array | undefined;
  /** Offsets of tokens that a parser error was reported at, mid-line (see `SAVE_ERROR`). */
  readonly suspects = new Set<number>();

  constructor(tokens: TokenType[], config: IParserConfig) {
    super(tokens, config);
  }

  /** Sets the tokens to parse (resetting the parser). */
  setInput(tokens: IToken[]): void {
    this.input = tokens;
    this.groups = undefined;
    this.skipped = undefined;
    this.suspects.clear();
  }

  // Chevrotain's recovery state read by `manyInternalLogic` (recoverable.js, recognizer_engine.js).
  declare private firstAfterRepMap: Record<number, { token: TokenType | undefined } | undefined>;
  declare private RULE_STACK_IDX: number;

  /**
   * `MANY` (chevrotain's `manyInternalLogic`, unchanged in effect). After the loop chevrotain
   * calls `attemptInRepetitionRecovery`, building its arguments on every call; that attempt can
   * only do something when a token follows the repetition in its rule (`firstAfterRepMap`), which
   * is not the case for the hot repetitions (prefixes, suffixes, operators, arguments), so for
   * those the loop runs alone. The first call for each repetition takes chevrotain's path, which
   * fills in `firstAfterRepMap`.
   */
  manyInternalLogic(occurrence: number, action: unknown, key: number): void {
    const after = this.firstAfterRepMap[key];
    if (after === undefined || after.token !== undefined || typeof action !== 'function' || this.RULE_STACK_IDX === 0) {
      return base.manyInternalLogic.call(this, occurrence, action, key);
    }
    const lookahead = base.getLaFuncFromCache.call(this, key);
    let notStuck = true;
    while (lookahead.call(this) === true && notStuck) notStuck = base.doSingleRepetition.call(this, action as () => void);
  }

  /** Skips the next token, remembering that it belongs to no node. */
  protected override SKIP_TOKEN(): IToken {
    const i = this.currIdx + 1;
    if (i < this.tokVectorLength) (this.skipped ??= new Uint8Array(this.tokVectorLength))[i] = 1;
    return super.SKIP_TOKEN();
  }

  /** Consumes the next token as the value of the current `CONSUME` (after a recovery decided so). */
  private takeToken(): void {
    this.consumeToken();
  }

  /**
   * Records a parser error. A statement starting at a token that an error was reported at,
   * mid-line, is an artefact of recovery (`f(a b)` re-syncs at `b` and reads `b ...` as a new
   * statement), so the parser makes it an ErrorStmt: the checker must not see a made-up
   * assignment to `b`. All errors at a token are recorded before the token is consumed.
   */
  SAVE_ERROR(error: Error): Error {
    const saved = base.SAVE_ERROR.call(this, error);
    const token = (error as unknown as { token: IToken }).token;
    const tokens = this.tokVector;
    const i = token && Number.isFinite(token.startOffset) ? indexAt(tokens, this.tokVectorLength, token.startOffset) : -1;
    if (i > 0 && tokens[i - 1].endLine === tokens[i].startLine) this.suspects.add(tokens[i].startOffset);
    return saved;
  }

  /** The next unconsumed token; used to place an error after an unexpected crash. */
  peek(): IToken {
    return this.LA(1);
  }

  /**
   * Chevrotain repairs a mismatch by inserting or deleting one token. Two more repairs (the
   * mismatch error itself has already been recorded):
   * - substitution for the commonest slip, a keyword used as a name (`let mask = ...`): the
   *   keyword is taken as the name, so the binding survives;
   * - a missing closing bracket that appears later on the same line (`f(a b)`, `{ g, (x) }`,
   *   `f(x, mask: m)`): skip to it, so the bracket closes what it was meant to close and the
   *   rest of the line is not misread as new statements. Tried before insertion and deletion.
   */
  tryInRuleRecovery(expected: TokenType, follows: TokenType[]): IToken {
    const next = this.LA(1);
    if (expected === Identifier && tokenMatcher(next, KeywordCat) && follows.some((f) => tokenMatcher(this.LA(2), f))) {
      this.takeToken();
      return next;
    }
    const k = this.closerAhead(expected);
    if (k === 0) return base.tryInRuleRecovery.call(this, expected, follows);
    for (let i = 1; i < k; i++) this.SKIP_TOKEN();
    const closer = this.LA(1);
    this.takeToken();
    return closer;
  }

  /**
   * Chevrotain inserts a missing token when the next one may follow it. After a closing bracket a
   * name may follow only as the start of the next statement or entry (`name =`, `name:`), so
   * `layers == 12` inside `config { }` is skipped as a bad entry instead of closing the block.
   */
  canRecoverWithSingleTokenInsertion(expected: TokenType, follows: TokenType[]): boolean {
    const next = this.LA(1);
    if (CLOSES.has(expected) && next.tokenType === Identifier) {
      const after = this.LA(2);
      if (!tokenMatcher(after, Eq) && !tokenMatcher(after, Colon)) return false;
    }
    return base.canRecoverWithSingleTokenInsertion.call(this, expected, follows);
  }

  /** Lookahead index of the closing bracket `expected` further on this line, or 0. */
  private closerAhead(expected: TokenType): number {
    if (!CLOSES.has(expected)) return 0;
    const line = this.LA(1).startLine;
    for (let k = 1; ; k = this.skip(k)) {
      const t = this.LA(k);
      if (tokenMatcher(t, EOF) || t.startLine !== line || t.tokenType === Semi) return 0;
      if (tokenMatcher(t, expected)) return k;
      // Another kind of closer: it closes something further out, except that a stray `)` or `]`
      // inside braces (whose `(` went missing) is skipped like any other token.
      if (t.tokenType === RBrace || (expected !== RBrace && (t.tokenType === RParen || t.tokenType === RBracket))) return 0;
    }
  }

  /**
   * The re-sync target: the token type of the first upcoming token where some rule on the stack
   * can carry on (see `resumesAt`). Unlike chevrotain's, this does not rescan the whole input
   * when only end of file qualifies, which made a long run of garbage quadratic.
   */
  findReSyncTokenType(): TokenType {
    const follows = base.flattenFollowSet.call(this);
    if (follows.every((f) => f === EOF)) return EOF;
    for (let k = 1; ; k = this.skip(k)) {
      // Past the end LA is the EOF token, and EOF is always a follow: the loop ends.
      for (const f of follows) if (this.resumesAt(k, f)) return f;
    }
  }

  /** Skips to the point `findReSyncTokenType` chose. */
  reSyncTo(tokType: TokenType): IToken[] {
    let k = 1;
    while (!this.resumesAt(k, tokType) && !tokenMatcher(this.LA(k), EOF)) k = this.skip(k);
    const skipped: IToken[] = [];
    for (let i = 1; i < k; i++) {
      skipped.push(this.LA(1));
      this.SKIP_TOKEN();
    }
    return skipped;
  }

  /**
   * Recovery at the end of a repetition (`{ stmt }` met something that is neither a statement
   * nor `}`): skip to the next iteration or to what follows the repetition, reporting the first
   * skipped token. As chevrotain's, but same-line bracket groups are skipped whole.
   */
  tryInRepetitionRecovery(rule: (...args: unknown[]) => void, args: unknown[], lookahead: () => boolean, expected: TokenType): void {
    const reSync = this.findReSyncTokenType();
    const saved = base.exportLexerState.call(this);
    const offending = this.LA(1);
    const report = () => {
      const message = encode({ kind: 'mismatch', expected: [expected.name], rule: base.getCurrRuleFullName.call(this) });
      this.SAVE_ERROR(new MismatchedTokenException(message, offending, this.LA(0)));
    };
    for (;;) {
      if (tokenMatcher(this.LA(1), expected)) return report();
      if (lookahead.call(this)) {
        report();
        return rule.apply(this, args);
      }
      if (this.resumesAt(1, reSync) || tokenMatcher(this.LA(1), EOF)) break;
      for (let end = this.skip(1), i = 1; i < end; i++) this.SKIP_TOKEN();
    }
    // Nothing closer to resume at: rewind and let the error surface in the enclosing rule.
    if (this.skipped) this.skipped.fill(0, saved + 1, base.exportLexerState.call(this) + 1);
    base.importLexerState.call(this, saved);
  }

  /**
   * Whether parsing can resume at LA(k) with a rule that `f` may follow. Operators, `(` and `.`
   * never qualify (they would continue some outer expression mid-way), and a name only as
   * `name =` (an assignment or config entry), or every argument name of a broken call would be
   * read as the next statement.
   */
  private resumesAt(k: number, f: TokenType): boolean {
    const next = this.LA(k);
    if (!tokenMatcher(next, f)) return false;
    if (tokenMatcher(next, BinaryOp) || tokenMatcher(next, UnaryOp) || next.tokenType === LParen || next.tokenType === Dot) {
      return false;
    }
    return f !== Identifier || tokenMatcher(this.LA(k + 1), Eq);
  }

  /** The lookahead index after LA(k), or after its whole same-line group if it opens one. */
  private skip(k: number): number {
    const i = this.currIdx + k;
    if (i < 0 || i >= this.tokVectorLength) return k + 1;
    const groups = (this.groups ??= sameLineGroups(this.tokVector.slice(0, this.tokVectorLength)));
    return groups[i] < 0 ? k + 1 : groups[i] - this.currIdx + 1;
  }
}

/** Index of the token starting at `offset` (tokens are sorted by offset), or -1. */
function indexAt(tokens: IToken[], length: number, offset: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].startOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo < length && tokens[lo].startOffset === offset ? lo : -1;
}
