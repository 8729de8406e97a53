/**
 * The typed abstract syntax tree of a `.tfm` file.
 *
 * Every node carries the span it came from. The parser recovers from errors, so any child may be
 * an `ErrorExpr` / `ErrorStmt` placeholder; later phases skip those silently (the syntax error was
 * already reported) instead of reporting a second, derived error.
 */
import type { Span } from '../diagnostics/spans.js';

export interface Ident {
  kind: 'Ident';
  name: string;
  span: Span;
}

export interface Comment {
  kind: 'Comment';
  text: string; // including the `//` or `/* */`
  span: Span;
}

export interface SourceFile {
  kind: 'SourceFile';
  items: Item[];
  comments: Comment[];
  span: Span;
}

export type Item = ImportDecl | BlockDecl | ModelDecl;

/** `import "path/to/file.tfm"` */
export interface ImportDecl {
  kind: 'ImportDecl';
  path: StringLit;
  span: Span;
}

/** `block Name(params) { body }`: a parameterised sub-graph with typed ports. */
export interface BlockDecl {
  kind: 'BlockDecl';
  name: Ident;
  params: ParamDecl[];
  body: Stmt[];
  span: Span;
}

/** `model Name [extends Base] { body }` */
export interface ModelDecl {
  kind: 'ModelDecl';
  name: Ident;
  base?: Ident;
  body: Stmt[];
  span: Span;
}

/** A block parameter: `heads: int`, `d_k = d_model / heads`, `norm: enum(pre, post) = post`. */
export interface ParamDecl {
  kind: 'ParamDecl';
  name: Ident;
  type?: ValueType;
  default?: Expr;
  span: Span;
}

/** The type of a config value or block parameter. */
export type ValueType = NamedType | EnumType;

/** `int`, `float`, `bool` (and any other name, which the checker rejects). */
export interface NamedType {
  kind: 'NamedType';
  name: Ident;
  span: Span;
}

/** `enum(pre, post)` */
export interface EnumType {
  kind: 'EnumType';
  members: Ident[];
  span: Span;
}

/** `float32[batch, seq, d_model]` or `mask[B, Tq, Tk]`; each dim is an expression. */
export interface TensorType {
  kind: 'TensorType';
  dtype: Ident; // `mask` is spelled as an identifier here
  dims: Expr[];
  span: Span;
}

export type Stmt =
  | ConfigBlock
  | InputDecl
  | LetStmt
  | AssignStmt
  | OutStmt
  | LossStmt
  | MaskStmt
  | ExpectStmt
  | IfStmt
  | ErrorStmt;

/** `config { name[: type] = value ... }` (models only). */
export interface ConfigBlock {
  kind: 'ConfigBlock';
  entries: ConfigEntry[];
  span: Span;
}

export interface ConfigEntry {
  kind: 'ConfigEntry';
  name: Ident;
  type?: ValueType;
  value: Expr;
  span: Span;
}

/**
 * `input ids: int32[batch, seq] where seq <= ctx` (model) or `in q: float32[B, T, d]` (block).
 * `optional` is the trailing `?` of a block port.
 */
export interface InputDecl {
  kind: 'InputDecl';
  keyword: 'input' | 'in';
  name: Ident;
  type: TensorType;
  optional: boolean;
  /** `in [0, vocab)`: the values an int32 input may hold (`)` excludes the upper end, `]` includes it). */
  range?: ValueRange;
  constraints: Expr[];
  span: Span;
}

export interface ValueRange {
  kind: 'ValueRange';
  low: Expr;
  high: Expr;
  highInclusive: boolean;
  span: Span;
}

/**
 * `replace` before a binding of a variant (`replace let head = ...`): the statement takes the
 * place of the base's binding of the same name. The span is the keyword's.
 */
export interface Replace {
  kind: 'Replace';
  span: Span;
}

/** `let name = value` */
export interface LetStmt {
  kind: 'LetStmt';
  name: Ident;
  value: Expr;
  replace?: Replace;
  span: Span;
}

/** `name = value`: rebinds an existing value (the graph stays SSA: a new node, same name). */
export interface AssignStmt {
  kind: 'AssignStmt';
  name: Ident;
  value: Expr;
  span: Span;
}

/** `out value` / `out name = value` (block) or `output name = value` (model). */
export interface OutStmt {
  kind: 'OutStmt';
  keyword: 'out' | 'output';
  name?: Ident;
  value: Expr;
  replace?: Replace;
  span: Span;
}

/** `loss name = cross_entropy(...)` */
export interface LossStmt {
  kind: 'LossStmt';
  name: Ident;
  value: Expr;
  replace?: Replace;
  span: Span;
}

/**
 * Typed declarations whose use the compiler tracks: `mask pad = padding(ids, pad: 0)`,
 * `mask both = causal & pad`, `memory enc = encoder(src)`. Declaring one and never using it is
 * an error (a forgotten mask or encoder output is a silent bug, not a style issue).
 */
export interface MaskStmt {
  kind: 'MaskStmt';
  keyword: 'mask' | 'memory';
  name: Ident;
  value: Expr;
  replace?: Replace;
  span: Span;
}

/** The statements a variant may `replace`: the bindings that have a keyword. */
export type ReplaceableStmt = LetStmt | OutStmt | LossStmt | MaskStmt;

/** `expect params == 124_439_808`, `expect d_model % heads == 0` */
export interface ExpectStmt {
  kind: 'ExpectStmt';
  condition: Expr;
  span: Span;
}

/** `if cond { ... } else { ... }`: resolved at compile time from config values. */
export interface IfStmt {
  kind: 'IfStmt';
  condition: Expr;
  then: Stmt[];
  else?: Stmt[];
  span: Span;
}

export interface ErrorStmt {
  kind: 'ErrorStmt';
  span: Span;
}

export type Expr =
  | IntLit
  | FloatLit
  | BoolLit
  | StringLit
  | NameExpr
  | UnaryExpr
  | BinaryExpr
  | CallExpr
  | MemberExpr
  | RepeatExpr
  | ListExpr
  | ErrorExpr;

export interface IntLit {
  kind: 'IntLit';
  value: number; // `124_439_808` → 124439808
  text: string; // as written, for the formatter
  span: Span;
}

export interface FloatLit {
  kind: 'FloatLit';
  value: number;
  text: string;
  span: Span;
}

export interface BoolLit {
  kind: 'BoolLit';
  value: boolean;
  span: Span;
}

export interface StringLit {
  kind: 'StringLit';
  value: string; // unescaped
  text: string; // as written, with quotes
  span: Span;
}

export interface NameExpr {
  kind: 'NameExpr';
  name: string;
  span: Span;
}

export type UnaryOp = '-' | '!';

export interface UnaryExpr {
  kind: 'UnaryExpr';
  op: UnaryOp;
  operand: Expr;
  span: Span;
}

/**
 * Binary operators, loosest first:
 * `||`; `&&`; `|` (mask union); `&` (mask intersection); `== != < <= > >=` (non-associative);
 * `+ -`; `* / % @`; unary `- !`; `^` (right-associative); then postfix call and member.
 */
export type BinaryOp =
  | '||'
  | '&&'
  | '|'
  | '&'
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '@'
  | '^';

/**
 * Binding power of each binary operator, higher binds tighter: the parser builds trees with it
 * and the formatter decides parentheses with it. Comparisons (5) do not chain; prefix `-` `!`
 * bind at 8, between `* / % @` and `^`.
 */
export const BINARY_PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  '||': 1,
  '&&': 2,
  '|': 3,
  '&': 4,
  '==': 5,
  '!=': 5,
  '<': 5,
  '<=': 5,
  '>': 5,
  '>=': 5,
  '+': 6,
  '-': 6,
  '*': 7,
  '/': 7,
  '%': 7,
  '@': 7,
  '^': 9,
};

/** The precedence of the non-associative comparison operators. */
export const COMPARISON_PRECEDENCE = 5;

export interface BinaryExpr {
  kind: 'BinaryExpr';
  op: BinaryOp;
  left: Expr;
  right: Expr;
  opSpan: Span;
  span: Span;
}

/** `callee(args)`. Calls chain: `Linear(d_model)(x)` is a call whose callee is a call. */
export interface CallExpr {
  kind: 'CallExpr';
  callee: Expr;
  args: Arg[];
  span: Span;
}

/** A positional (`x`) or named (`bias: false`) argument. */
export interface Arg {
  kind: 'Arg';
  name?: Ident;
  value: Expr;
  span: Span;
}

/** `object.name` */
export interface MemberExpr {
  kind: 'MemberExpr';
  object: Expr;
  name: Ident;
  span: Span;
}

/**
 * `repeat layers { EncoderLayer(d_model, heads) }`: a stack of `count` copies of the module the
 * body builds, each with its own parameters (`shared` before the brace: one set for all copies).
 */
export interface RepeatExpr {
  kind: 'RepeatExpr';
  count: Expr;
  shared: boolean;
  body: Expr;
  span: Span;
}

/** `[a, b, c]`: a shape (`reshape(x, [batch, seq, heads, d_k])`), an axis order, or tensors to join. */
export interface ListExpr {
  kind: 'ListExpr';
  items: Expr[];
  span: Span;
}

export interface ErrorExpr {
  kind: 'ErrorExpr';
  span: Span;
}
