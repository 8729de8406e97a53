/** Compact printers for AST shapes, so tests read like the source they check. */
import type { Expr, Stmt, ValueType, SourceFile, Item } from '../../src/syntax/ast.js';
import type { Span } from '../../src/diagnostics/spans.js';

export function sexpr(e: Expr): string {
  switch (e.kind) {
    case 'IntLit':
    case 'FloatLit':
    case 'StringLit':
      return e.text;
    case 'BoolLit':
      return String(e.value);
    case 'NameExpr':
      return e.name;
    case 'UnaryExpr':
      return `(${e.op}${sexpr(e.operand)})`;
    case 'BinaryExpr':
      return `(${e.op} ${sexpr(e.left)} ${sexpr(e.right)})`;
    case 'CallExpr':
      return `(call ${[sexpr(e.callee), ...e.args.map((a) => (a.name ? `${a.name.name}:` : '') + sexpr(a.value))].join(' ')})`;
    case 'MemberExpr':
      return `(. ${sexpr(e.object)} ${e.name.name})`;
    case 'RepeatExpr':
      return `(repeat ${sexpr(e.count)}${e.shared ? ' shared' : ''} ${sexpr(e.body)})`;
    case 'ListExpr':
      return `[${e.items.map(sexpr).join(' ')}]`;
    case 'ErrorExpr':
      return '<error>';
  }
}

export function typeStr(t: ValueType): string {
  return t.kind === 'EnumType' ? `enum(${t.members.map((m) => m.name).join(',')})` : t.name.name;
}

export function stmtStr(s: Stmt): string {
  switch (s.kind) {
    case 'ConfigBlock':
      return `config{${s.entries.map((e) => `${e.name.name}${e.type ? ':' + typeStr(e.type) : ''}=${sexpr(e.value)}`).join('; ')}}`;
    case 'InputDecl':
      return (
        `${s.keyword} ${s.name.name}: ${s.type.dtype.name}[${s.type.dims.map(sexpr).join(', ')}]${s.optional ? '?' : ''}` +
        (s.constraints.length ? ` where ${s.constraints.map(sexpr).join(', ')}` : '')
      );
    case 'LetStmt':
      return `let ${s.name.name} = ${sexpr(s.value)}`;
    case 'AssignStmt':
      return `${s.name.name} = ${sexpr(s.value)}`;
    case 'OutStmt':
      return `${s.keyword}${s.name ? ' ' + s.name.name + ' =' : ''} ${sexpr(s.value)}`;
    case 'LossStmt':
      return `loss ${s.name.name} = ${sexpr(s.value)}`;
    case 'MaskStmt':
      return `${s.keyword} ${s.name.name} = ${sexpr(s.value)}`;
    case 'ExpectStmt':
      return `expect ${sexpr(s.condition)}`;
    case 'IfStmt':
      return `if ${sexpr(s.condition)} {${s.then.map(stmtStr).join('; ')}}${s.else ? ` else {${s.else.map(stmtStr).join('; ')}}` : ''}`;
    case 'ErrorStmt':
      return '<error stmt>';
  }
}

export function itemStr(i: Item): string {
  switch (i.kind) {
    case 'ImportDecl':
      return `import ${i.path.text}`;
    case 'BlockDecl':
      return `block ${i.name.name}(${i.params
        .map((p) => `${p.name.name}${p.type ? ':' + typeStr(p.type) : ''}${p.default ? '=' + sexpr(p.default) : ''}`)
        .join(', ')}) {${i.body.map(stmtStr).join('; ')}}`;
    case 'ModelDecl':
      return `model ${i.name.name}${i.base ? ' extends ' + i.base.name : ''} {${i.body.map(stmtStr).join('; ')}}`;
  }
}

export function fileStr(f: SourceFile): string[] {
  return f.items.map(itemStr);
}

/** `line:col-line:col` */
export function spanStr(s: Span): string {
  return `${s.start.line}:${s.start.column}-${s.end.line}:${s.end.column}`;
}

/** The source text a span covers. */
export function textAt(src: string, s: Span): string {
  return src.slice(s.start.offset, s.end.offset);
}

export const GPT2 = `// specs/gpt2.tfm
import "std/attention.tfm"

block FeedForward(d_model: int, d_ff: int = 4 * d_model, activation: enum(relu, gelu) = gelu) {
  in x: float32[B, T, d_model]
  let fc = Linear(d_ff)
  let proj = Linear(d_model)
  out proj(if_gelu(fc(x)))
}

model Gpt2Small {
  config {
    vocab   = 50257
    ctx     = 1_024
    d_model = 768
    heads   = 12
    layers  = 12
    dropout = 0.1
    norm: enum(pre, post) = pre
  }
  input ids: int32[batch, seq] where seq <= ctx, seq > 0
  let wte = Embedding(vocab, d_model)
  let x = wte(ids) + PositionEmbedding(ctx, d_model, kind: learned)(ids)
  x = Dropout(dropout)(x);
  let blocks = repeat layers { DecoderLayer(d_model, heads, d_ff: 4 * d_model, norm: pre) }
  x = blocks(x)
  mask m = causal & padding(ids, pad: 0)
  memory enc = x
  if norm == pre { x = LayerNorm(d_model)(x) } else if norm == post { x = x } else { x = -x }
  output logits = Linear(vocab, bias: false, tied: wte)(x)
  loss next_token = cross_entropy(logits, shift_left(ids), label_smoothing: 0.1)
  expect params == 124_439_808
  expect d_model % heads == 0 && (224 / 16) ^ 2 + 1 == 197
}

model Gpt2Tiny extends Gpt2Small { config { layers = 2 } }
`;
