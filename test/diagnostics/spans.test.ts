/** Spans: 1-based line/column, 0-based offset, end exclusive; they cover exactly the source of each node. */
import { describe, expect, it } from 'vitest';
import type { BlockDecl, Expr, ModelDecl, Stmt } from '../../src/syntax/ast.js';
import { parse } from '../../src/syntax/parse.js';
import { LineIndex, type Span } from '../../src/diagnostics/spans.js';
import { GPT2, spanStr, textAt } from '../syntax/helpers.js';

/** Visits every object with a `span` in the tree. */
function* spanned(node: unknown): Generator<{ kind: string; span: Span }> {
  if (Array.isArray(node)) {
    for (const n of node) yield* spanned(n);
  } else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if ('span' in o && 'kind' in o) yield o as { kind: string; span: Span };
    for (const [k, v] of Object.entries(o)) if (k !== 'span' && k !== 'opSpan') yield* spanned(v);
  }
}

describe('spans', () => {
  const ast = parse(GPT2, 'gpt2.tfm').ast;
  const lines = new LineIndex(GPT2);

  it('line/column agree with offsets for every node (1-based, end exclusive)', () => {
    let count = 0;
    for (const n of spanned(ast)) {
      expect(n.span.start).toEqual(lines.position(n.span.start.offset));
      expect(n.span.end).toEqual(lines.position(n.span.end.offset));
      expect(n.span.end.offset).toBeGreaterThanOrEqual(n.span.start.offset);
      count++;
    }
    expect(count).toBeGreaterThan(200);
  });

  it('names, literals and idents cover exactly their text', () => {
    for (const n of spanned(ast)) {
      const text = textAt(GPT2, n.span);
      if (n.kind === 'Ident' || n.kind === 'NameExpr') expect(text).toBe((n as unknown as { name: string }).name);
      if (n.kind === 'IntLit' || n.kind === 'FloatLit' || n.kind === 'StringLit') expect(text).toBe((n as unknown as { text: string }).text);
      if (n.kind === 'BoolLit') expect(text).toMatch(/^(true|false)$/);
    }
  });

  it('items and statements', () => {
    const [imp, block, model, tiny] = ast.items;
    expect(spanStr(imp.span)).toBe('2:1-2:27');
    expect(textAt(GPT2, imp.span)).toBe('import "std/attention.tfm"');
    expect(spanStr((block as BlockDecl).name.span)).toBe('4:7-4:18');
    expect(textAt(GPT2, block.span)).toMatch(/^block FeedForward\(.*\n[\s\S]*out proj\(if_gelu\(fc\(x\)\)\)\n\}$/);
    expect(textAt(GPT2, model.span).startsWith('model Gpt2Small {')).toBe(true);
    expect(textAt(GPT2, tiny.span)).toBe('model Gpt2Tiny extends Gpt2Small { config { layers = 2 } }');
    const body = (model as ModelDecl).body;
    const texts = body.map((s) => textAt(GPT2, s.span));
    expect(texts).toContain('input ids: int32[batch, seq] where seq <= ctx, seq > 0');
    // A trailing `;` is not part of the statement.
    expect(texts).toContain('x = Dropout(dropout)(x)');
    expect(texts).toContain('memory enc = x');
    expect(texts).toContain('if norm == pre { x = LayerNorm(d_model)(x) } else if norm == post { x = x } else { x = -x }');
    const config = body[0] as Extract<Stmt, { kind: 'ConfigBlock' }>;
    expect(config.entries.map((e) => textAt(GPT2, e.span))).toContain('norm: enum(pre, post) = pre');
    expect(textAt(GPT2, config.span)).toMatch(/^config \{[\s\S]*\}$/);
  });

  it('binary expressions: operand spans point at the operand text, opSpan at the operator', () => {
    const src = 'model M { expect (224 / 16) ^ 2 + 1 == 197 }';
    const e = ((parse(src, 'a.tfm').ast.items[0] as ModelDecl).body[0] as Extract<Stmt, { kind: 'ExpectStmt' }>)
      .condition as Extract<Expr, { kind: 'BinaryExpr' }>;
    expect(textAt(src, e.span)).toBe('(224 / 16) ^ 2 + 1 == 197');
    expect(textAt(src, e.opSpan)).toBe('==');
    const plus = e.left as Extract<Expr, { kind: 'BinaryExpr' }>;
    expect(textAt(src, plus.span)).toBe('(224 / 16) ^ 2 + 1');
    const pow = plus.left as Extract<Expr, { kind: 'BinaryExpr' }>;
    expect(textAt(src, pow.span)).toBe('(224 / 16) ^ 2');
    expect(textAt(src, pow.opSpan)).toBe('^');
    // The parenthesised operand keeps its own span: the inner expression, without the parentheses.
    expect(textAt(src, pow.left.span)).toBe('224 / 16');
  });

  it('unary, call, member and repeat spans', () => {
    const src = 'model M {\n  let y = -Linear(d)(x).h ^ 2\n  let r = repeat n shared { L(d) }\n}';
    const body = (parse(src, 'a.tfm').ast.items[0] as ModelDecl).body as Extract<Stmt, { kind: 'LetStmt' }>[];
    const neg = body[0].value as Extract<Expr, { kind: 'UnaryExpr' }>;
    expect(textAt(src, neg.span)).toBe('-Linear(d)(x).h ^ 2');
    expect(spanStr(neg.span)).toBe('2:11-2:30');
    const pow = neg.operand as Extract<Expr, { kind: 'BinaryExpr' }>;
    const member = pow.left as Extract<Expr, { kind: 'MemberExpr' }>;
    expect(textAt(src, member.span)).toBe('Linear(d)(x).h');
    expect(textAt(src, member.name.span)).toBe('h');
    const call = member.object as Extract<Expr, { kind: 'CallExpr' }>;
    expect(textAt(src, call.span)).toBe('Linear(d)(x)');
    expect(textAt(src, call.callee.span)).toBe('Linear(d)');
    expect(textAt(src, call.args[0].span)).toBe('x');
    expect(textAt(src, body[1].value.span)).toBe('repeat n shared { L(d) }');
  });

  it('named arguments span name and value', () => {
    const src = 'model M { let y = f(a, bias: false) }';
    const call = ((parse(src, 'a.tfm').ast.items[0] as ModelDecl).body[0] as Extract<Stmt, { kind: 'LetStmt' }>)
      .value as Extract<Expr, { kind: 'CallExpr' }>;
    expect(call.args.map((a) => textAt(src, a.span))).toEqual(['a', 'bias: false']);
  });

  it('CRLF line endings and tabs: columns count UTF-16 units from the line start', () => {
    const src = 'model M {\r\n\tlet x = 1\r\n\tlet 😀y = 2\r\n}';
    const r = parse(src, 'crlf.tfm');
    const body = (r.ast.items[0] as ModelDecl).body;
    expect(spanStr(body[0].span)).toBe('2:2-2:11');
    // The emoji is an unexpected character (two UTF-16 units), reported once.
    expect(r.diagnostics.map((d) => `${d.code} ${spanStr(d.primary.span)}`)).toEqual(['TFM1001 3:6-3:8']);
  });

  it('comments and the whole file', () => {
    const src = '// one\nmodel M { } /* two\nlines */\n';
    const ast = parse(src, 'c.tfm').ast;
    expect(ast.comments.map((c) => spanStr(c.span))).toEqual(['1:1-1:7', '2:13-3:9']);
    expect(spanStr(ast.span)).toBe('1:1-4:1');
  });
});
