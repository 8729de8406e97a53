/**
 * Error recovery: several independent mistakes are reported in one run, one diagnostic each, and
 * the AST keeps everything that was well-formed, with ErrorExpr/ErrorStmt/empty-Ident holes.
 */
import { describe, expect, it } from 'vitest';
import type { ModelDecl, Stmt } from '../../src/syntax/ast.js';
import { parse } from '../../src/syntax/parse.js';
import { fileStr, spanStr, stmtStr } from './helpers.js';

function run(src: string) {
  const r = parse(src, 'bad.tfm');
  return {
    ast: r.ast,
    items: fileStr(r.ast),
    errors: r.diagnostics.map((d) => `${d.code} ${spanStr(d.primary.span)} ${d.message}`),
    diagnostics: r.diagnostics,
  };
}

describe('recovery', () => {
  it('reports independent errors in different statements and items, keeping the good ones', () => {
    const r = run(`model A {
  config { a = 1 b = 2 c = }
  input x: float32[B, T
  let y = Linear(4)(x
  output z = y +
  expect a == 1
}
block B(x: int = ) { out 1 }
model C { output q = 1 }
`);
    expect(r.errors).toEqual([
      'TFM1004 2:28-2:29 expected an expression, found `}`',
      'TFM1004 4:3-4:6 expected `,` or `]`, found keyword `let`',
      'TFM1004 5:3-5:9 expected `,` or `)`, found keyword `output`',
      'TFM1004 6:3-6:9 expected an expression, found keyword `expect`',
      'TFM1004 8:18-8:19 expected an expression, found `)`',
    ]);
    expect(r.items).toEqual([
      'model A {config{a=1; b=2; c=<error>}; input x: float32[B, T]; let y = (call (call Linear 4) x); output z = (+ y <error>); expect (== a 1)}',
      'block B(x:int=<error>) {out 1}',
      'model C {output q = 1}',
    ]);
  });

  it('an unclosed delimiter gets a secondary label at the opener', () => {
    const r = run('model A {\n  let x = f(a, b\n  let y = 2\n}');
    expect(r.errors).toEqual(['TFM1004 3:3-3:6 expected `,` or `)`, found keyword `let`']);
    expect(r.diagnostics[0].secondary.map((l) => `${spanStr(l.span)} ${l.message} ${l.file}`)).toEqual([
      '2:12-2:13 unclosed delimiter opened here bad.tfm',
    ]);
    expect(r.items).toEqual(['model A {let x = (call f a b); let y = 2}']);
  });

  it('end of file inside a body', () => {
    const r = run('model A {\n  let x = 1\n');
    expect(r.errors).toEqual(['TFM1004 3:1-3:1 expected a statement or `}`, found end of file']);
    expect(r.diagnostics[0].secondary.map((l) => `${spanStr(l.span)} ${l.message}`)).toEqual([
      '1:9-1:10 unclosed delimiter opened here',
    ]);
    expect(r.items).toEqual(['model A {let x = 1}']);
  });

  it('a missing `}` before the next item', () => {
    const r = run('model A {\n  let x = 1\n\nmodel B { }');
    expect(r.errors).toEqual(['TFM1004 4:1-4:6 expected a statement or `}`, found keyword `model`']);
    expect(r.diagnostics[0].secondary).toHaveLength(1);
    expect(r.items).toEqual(['model A {let x = 1}', 'model B {}']);
  });

  it('a stray line inside a body is skipped up to the next statement', () => {
    const r = run('model A {\n  let x = 1\n  foo(x) + 2\n  let y = 2\n}');
    expect(r.errors).toEqual(['TFM1004 3:3-3:6 expected a statement or `}`, found `foo`']);
    expect(r.items).toEqual(['model A {let x = 1; let y = 2}']);
  });

  it('garbage between items is skipped', () => {
    const r = run('} model A { } garbage here\nmodel B {}');
    expect(r.errors).toEqual(['TFM1004 1:1-1:2 expected `import`, `block` or `model`, found `}`']);
    expect(r.items).toEqual(['model A {}', 'model B {}']);
  });

  it('a missing token is inserted: `let z 5` reads as `let z = 5`', () => {
    const r = run('model A { let z 5 }');
    expect(r.errors).toEqual(['TFM1004 1:17-1:18 expected `=`, found `5`']);
    expect(r.items).toEqual(['model A {let z = 5}']);
  });

  it('a missing name is an Ident with name "" placed where the name should be', () => {
    const r = run('model A {\n  let = 1\n}');
    expect(r.errors).toEqual(['TFM1004 2:7-2:8 expected a name, found `=`']);
    const stmt = (r.ast.items[0] as ModelDecl).body[0] as Extract<Stmt, { kind: 'LetStmt' }>;
    expect(stmt.name).toEqual({
      kind: 'Ident',
      name: '',
      span: { start: { offset: 15, line: 2, column: 6 }, end: { offset: 15, line: 2, column: 6 } },
    });
    expect(stmt.value).toMatchObject({ kind: 'IntLit', value: 1 });
  });

  it('a missing expression is an ErrorExpr', () => {
    const r = run('model A { let x = ) let y = 1 }');
    expect(r.errors).toEqual(['TFM1004 1:19-1:20 expected an expression, found `)`']);
    const [x, y] = (r.ast.items[0] as ModelDecl).body as Extract<Stmt, { kind: 'LetStmt' }>[];
    expect(x.value.kind).toBe('ErrorExpr');
    expect(stmtStr(y)).toBe('let y = 1');
  });

  it('a keyword used as a name: one error with a hint, and the statement survives', () => {
    const r = run('model A {\n  let mask = 1\n  let y = mask\n}');
    expect(r.diagnostics[0]).toMatchObject({
      code: 'TFM1004',
      message: 'expected a name, found keyword `mask`',
      help: { message: '`mask` is a reserved word and cannot be used as a name' },
    });
    expect(r.items[0]).toMatch(/^model A \{let mask = 1; /);
  });

  it('recovery artefacts do not become statements: `f(a b)` does not assign to `b`', () => {
    const r = run('model A { x = f(a b) }\nmodel B { in x: float32[B T]\n let z = 1 }');
    expect(r.errors).toEqual([
      'TFM1004 1:19-1:20 expected `,` or `)`, found `b`',
      'TFM1004 2:27-2:28 expected `,` or `]`, found `T`',
    ]);
    expect(r.items).toEqual(['model A {x = (call f a)}', 'model B {in x: float32[B]; let z = 1}']);
  });

  it('a closing bracket later on the line closes what it was meant to close', () => {
    const r = run('model A {\n  let blocks = repeat layers { Layer, (d, h) }\n  x = blocks(x)\n}');
    expect(r.errors).toEqual(['TFM1004 2:37-2:38 expected `}`, found `,`']);
    expect(r.items).toEqual(['model A {let blocks = (repeat layers Layer); x = (call blocks x)}']);
    const named = run('model A {\n  let y = attn(q, mask: m)\n  let z = 2\n}');
    expect(named.errors).toEqual(['TFM1004 2:19-2:23 expected an argument or `)`, found keyword `mask`']);
    expect(named.items).toEqual(['model A {let y = (call attn q); let z = 2}']);
  });

  it('a stray `{ ... }` on one line is skipped whole, not taken as the end of the body', () => {
    const r = run('model A {\n  let blocks = layers { Layer(d, h) }\n  x = blocks(x)\n}');
    expect(r.errors).toEqual(['TFM1004 2:23-2:24 expected a statement or `}`, found `{`']);
    expect(r.items).toEqual(['model A {let blocks = layers; x = (call blocks x)}']);
  });

  it('a bad config entry is skipped; the config block goes on', () => {
    const r = run('model A {\n  config {\n    heads = 12\n    layers == 12\n    dropout = 0.1\n  }\n  input ids: int32[batch, seq]\n}');
    expect(r.errors).toEqual(['TFM1004 4:5-4:11 expected a config entry or `}`, found `layers`']);
    expect(r.items).toEqual(['model A {config{heads=12; dropout=0.1}; input ids: int32[batch, seq]}']);
  });

  it('an unterminated string that swallowed a closing bracket is the only error', () => {
    const r = run('model A {\n  if a { x = f("oops) }\n  let y = 1\n}\nmodel B { }');
    expect(r.errors).toEqual(['TFM1002 2:16-2:24 unterminated string literal']);
    expect(r.items[1]).toBe('model B {}');
  });

  it('a broken parameter list keeps the block body', () => {
    const r = run('block F(a: int b: int) {\n  in x: float32[B]\n  out x\n}');
    expect(r.errors).toEqual(['TFM1004 1:16-1:17 expected `,` or `)`, found `b`']);
    expect(r.items).toEqual(['block F(a:int) {in x: float32[B]; out x}']);
  });

  it('chained comparisons are one targeted error and an ErrorExpr', () => {
    const r = run('model A { expect a < b < c }');
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({
      code: 'TFM1004',
      message: 'comparison operators cannot be chained',
      secondary: [{ message: 'after this comparison' }],
    });
    expect(spanStr(r.diagnostics[0].primary.span)).toBe('1:24-1:25');
    expect(r.items).toEqual(['model A {expect <error>}']);
  });

  it('one error per line: no cascade after the first mistake on a line', () => {
    const r = run('model A { let x = (1 + ] * ) ) }\nmodel B { let y = 2 }');
    expect(r.errors).toHaveLength(1);
    expect(r.items[1]).toBe('model B {let y = 2}');
  });

  it('no parser error right after a lexer error', () => {
    expect(run('model A { let x = 1__0 2 }').errors).toEqual(['TFM1005 1:19-1:23 malformed number literal `1__0`']);
    expect(run('model A { let s = f("x)\n}').errors).toEqual(['TFM1002 1:21-1:24 unterminated string literal']);
  });

  it('literals the lexer rejected become ErrorExpr', () => {
    const r = run('model A { let a = 1__0\n let b = "abc\n let c = \'q\' }');
    expect(r.items).toEqual(['model A {let a = <error>; let b = <error>; let c = <error>}']);
  });

  it('an import without a path is dropped; with an unterminated path it is kept', () => {
    expect(run('import\nmodel A { }').items).toEqual(['model A {}']);
    expect(run('import "std/a.tfm\nmodel A { }').items).toEqual(['import "std/a.tfm', 'model A {}']);
  });

  it('every diagnostic carries the file name', () => {
    const r = parse('model A { let x = f(\n', 'dir/file.tfm');
    expect(r.diagnostics.length).toBeGreaterThan(0);
    for (const d of r.diagnostics) {
      expect(d.primary.file).toBe('dir/file.tfm');
      for (const s of d.secondary) expect(s.file).toBe('dir/file.tfm');
    }
  });

  it('deep nesting is an error, not a crash', () => {
    const deep = `model A { let x = ${'('.repeat(20000)}1${')'.repeat(20000)} }`;
    const r = parse(deep, 'deep.tfm');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['TFM1004']);
    expect(r.ast.kind).toBe('SourceFile');
  });
});
