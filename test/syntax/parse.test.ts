/** Every construct of the grammar parses to the expected AST shape. */
import { describe, expect, it } from 'vitest';
import type { BlockDecl, Expr, ModelDecl, Stmt } from '../../src/syntax/ast.js';
import { parse } from '../../src/syntax/parse.js';
import { TfmParser } from '../../src/syntax/parser.js';
import { GPT2, fileStr, sexpr, stmtStr } from './helpers.js';

function clean(src: string) {
  const r = parse(src, 'test.tfm');
  expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return r.ast;
}

/** The statements of `model M { <body> }`. */
function stmts(body: string): string[] {
  const m = clean(`model M {\n${body}\n}`).items[0] as ModelDecl;
  return m.body.map(stmtStr);
}

/** The expression `e` of `expect <e>`, printed as an s-expression. */
function ex(src: string): string {
  const m = clean(`model M { expect ${src} }`).items[0] as ModelDecl;
  return sexpr((m.body[0] as Extract<Stmt, { kind: 'ExpectStmt' }>).condition);
}

function exprOf(src: string): Expr {
  const m = clean(`model M { expect ${src} }`).items[0] as ModelDecl;
  return (m.body[0] as Extract<Stmt, { kind: 'ExpectStmt' }>).condition;
}

describe('the GPT-2 example spec', () => {
  it('parses with zero diagnostics', () => {
    expect(parse(GPT2, 'specs/gpt2.tfm').diagnostics).toEqual([]);
  });

  it('has the expected items and statements', () => {
    expect(fileStr(clean(GPT2))).toEqual([
      'import "std/attention.tfm"',
      'block FeedForward(d_model:int, d_ff:int=(* 4 d_model), activation:enum(relu,gelu)=gelu) {' +
        'in x: float32[B, T, d_model]; let fc = (call Linear d_ff); let proj = (call Linear d_model); ' +
        'out (call proj (call if_gelu (call fc x)))}',
      'model Gpt2Small {config{vocab=50257; ctx=1_024; d_model=768; heads=12; layers=12; dropout=0.1; norm:enum(pre,post)=pre}; ' +
        'input ids: int32[batch, seq] where (<= seq ctx), (> seq 0); ' +
        'let wte = (call Embedding vocab d_model); ' +
        'let x = (+ (call wte ids) (call (call PositionEmbedding ctx d_model kind:learned) ids)); ' +
        'x = (call (call Dropout dropout) x); ' +
        'let blocks = (repeat layers (call DecoderLayer d_model heads d_ff:(* 4 d_model) norm:pre)); ' +
        'x = (call blocks x); ' +
        'mask m = (& causal (call padding ids pad:0)); ' +
        'memory enc = x; ' +
        'if (== norm pre) {x = (call (call LayerNorm d_model) x)} else {if (== norm post) {x = x} else {x = (-x)}}; ' +
        'output logits = (call (call Linear vocab bias:false tied:wte) x); ' +
        'loss next_token = (call cross_entropy logits (call shift_left ids) label_smoothing:0.1); ' +
        'expect (== params 124_439_808); ' +
        'expect (&& (== (% d_model heads) 0) (== (+ (^ (/ 224 16) 2) 1) 197))}',
      'model Gpt2Tiny extends Gpt2Small {config{layers=2}}',
    ]);
  });

  it('keeps comments for a formatter', () => {
    const ast = clean('// a\nmodel M { /* b\n c */ }\n// d');
    expect(ast.comments.map((c) => c.text)).toEqual(['// a', '/* b\n c */', '// d']);
    expect(ast.comments.every((c) => c.kind === 'Comment')).toBe(true);
  });
});

describe('items', () => {
  it('import', () => {
    const ast = clean('import "std/attention.tfm"\nimport "a\\u{41}.tfm"');
    expect(ast.items.map((i) => i.kind === 'ImportDecl' && i.path.value)).toEqual(['std/attention.tfm', 'aA.tfm']);
    expect(ast.items[1]).toMatchObject({ kind: 'ImportDecl', path: { kind: 'StringLit', text: '"a\\u{41}.tfm"' } });
  });

  it('block with no, typed, defaulted, enum-typed parameters and a trailing comma', () => {
    expect(fileStr(clean('block A() { out 1 }'))).toEqual(['block A() {out 1}']);
    expect(fileStr(clean('block B(a, b: int, c = 2, d: float = 1e-5, e: enum(x, y,),) { out a }'))).toEqual([
      'block B(a, b:int, c=2, d:float=1e-5, e:enum(x,y)) {out a}',
    ]);
    const b = clean('block C(n: enum(pre, post) = post) { out n }').items[0] as BlockDecl;
    expect(b.params[0]).toMatchObject({
      kind: 'ParamDecl',
      name: { kind: 'Ident', name: 'n' },
      type: { kind: 'EnumType', members: [{ name: 'pre' }, { name: 'post' }] },
      default: { kind: 'NameExpr', name: 'post' },
    });
  });

  it('model with and without extends', () => {
    const ast = clean('model A { } model B extends A { layers = 2 }');
    expect(ast.items[0]).toMatchObject({ kind: 'ModelDecl', name: { name: 'A' }, body: [] });
    expect((ast.items[0] as ModelDecl).base).toBeUndefined();
    expect(ast.items[1]).toMatchObject({ kind: 'ModelDecl', name: { name: 'B' }, base: { kind: 'Ident', name: 'A' } });
  });

  it('an empty file', () => {
    const ast = clean('');
    expect(ast).toMatchObject({ kind: 'SourceFile', items: [], comments: [] });
  });
});

describe('statements', () => {
  it('config entries, separated by newlines, `;` or `,`', () => {
    expect(stmts('config { a = 1; b: int = 2, c: enum(p, q) = p\n d = true }')).toEqual([
      'config{a=1; b:int=2; c:enum(p,q)=p; d=true}',
    ]);
  });

  it('inputs: `input`/`in`, optional, where-constraints, mask dtype, trailing comma in dims', () => {
    expect(stmts('input ids: int32[batch, seq,] where seq <= ctx, seq > 0\nin m: mask[B, T, T]?\nin s: float32[]')).toEqual([
      'input ids: int32[batch, seq] where (<= seq ctx), (> seq 0)',
      'in m: mask[B, T, T]?',
      'in s: float32[]',
    ]);
    const m = clean('model M { in x: float32[B, 2 * T + 1]? where T < 8 }').items[0] as ModelDecl;
    expect(m.body[0]).toMatchObject({
      kind: 'InputDecl',
      keyword: 'in',
      optional: true,
      type: { kind: 'TensorType', dtype: { kind: 'Ident', name: 'float32' } },
    });
  });

  it('let, assignment, output, loss, mask, memory, expect', () => {
    expect(
      stmts('let a = 1\na = a + 1\noutput y = a\nloss l = f(a)\nmask m = causal\nmemory e = a\nexpect a == 2'),
    ).toEqual(['let a = 1', 'a = (+ a 1)', 'output y = a', 'loss l = (call f a)', 'mask m = causal', 'memory e = a', 'expect (== a 2)']);
  });

  it('`out x` is an expression; `out x = e` names the output (two-token lookahead)', () => {
    expect(stmts('out x\nout y = x\nout x(y)\nout z = w\nout x y = 2')).toEqual([
      'out x',
      'out y = x',
      'out (call x y)',
      'out z = w',
      'out x',
      'y = 2',
    ]);
  });

  it('optional semicolons, several statements per line', () => {
    expect(stmts('let a = 1; let b = 2 let c = 3;\nexpect a;')).toEqual(['let a = 1', 'let b = 2', 'let c = 3', 'expect a']);
  });

  it('if / else if / else', () => {
    expect(stmts('if a { x = 1 }\nif a { } else { y = 2 }\nif a { } else if b { } else { z = 3 }')).toEqual([
      'if a {x = 1}',
      'if a {} else {y = 2}',
      'if a {} else {if b {} else {z = 3}}',
    ]);
    const m = clean('model M { if a { } else if b { } }').items[0] as ModelDecl;
    const outer = m.body[0] as Extract<Stmt, { kind: 'IfStmt' }>;
    expect(outer.else).toHaveLength(1);
    expect(outer.else?.[0]).toMatchObject({ kind: 'IfStmt', condition: { kind: 'NameExpr', name: 'b' } });
    expect((outer.else?.[0] as Extract<Stmt, { kind: 'IfStmt' }>).else).toBeUndefined();
  });

  it('contextual keywords `memory` and `shared` are also names', () => {
    expect(stmts('in memory: float32[B, S, d]?\nlet shared = Embedding(10, 4)\nlet y = f(memory: memory, shared)\nshared = shared(memory)')).toEqual([
      'in memory: float32[B, S, d]?',
      'let shared = (call Embedding 10 4)',
      'let y = (call f memory:memory shared)',
      'shared = (call shared memory)',
    ]);
    expect(stmts('let r = repeat shared shared { shared }\nmemory memory = memory\nmemory = f(memory)')).toEqual([
      'let r = (repeat shared shared shared)',
      'memory memory = memory',
      'memory = (call f memory)',
    ]);
  });
});

describe('expressions', () => {
  it('literals', () => {
    expect(exprOf('124_439_808')).toMatchObject({ kind: 'IntLit', value: 124439808, text: '124_439_808' });
    expect(exprOf('1_000.5')).toMatchObject({ kind: 'FloatLit', value: 1000.5, text: '1_000.5' });
    expect(exprOf('1e-6')).toMatchObject({ kind: 'FloatLit', value: 1e-6 });
    expect(exprOf('1.5E+3')).toMatchObject({ kind: 'FloatLit', value: 1500 });
    expect(exprOf('true')).toMatchObject({ kind: 'BoolLit', value: true });
    expect(exprOf('false')).toMatchObject({ kind: 'BoolLit', value: false });
    expect(exprOf('"a\\"b\\\\c\\n\\t\\r\\0\\u{1F600}"')).toMatchObject({
      kind: 'StringLit',
      value: 'a"b\\c\n\t\r\0😀',
      text: '"a\\"b\\\\c\\n\\t\\r\\0\\u{1F600}"',
    });
    expect(exprOf('input_ids')).toMatchObject({ kind: 'NameExpr', name: 'input_ids' });
  });

  it('identifiers that start with a keyword are names', () => {
    for (const name of ['input_ids', 'inner', 'output_proj', 'maskless', 'lets', 'iffy', 'trueish', 'enumerate', 'modeled']) {
      expect(ex(name)).toBe(name);
    }
  });

  it('precedence, loosest first: || && & comparisons + - * / % @ unary ^ postfix', () => {
    expect(ex('a || b && c')).toBe('(|| a (&& b c))');
    expect(ex('a && b & c')).toBe('(&& a (& b c))');
    expect(ex('a & b == c')).toBe('(& a (== b c))');
    expect(ex('a == b + c')).toBe('(== a (+ b c))');
    expect(ex('a + b * c')).toBe('(+ a (* b c))');
    expect(ex('a * -b')).toBe('(* a (-b))');
    expect(ex('-a ^ b')).toBe('(-(^ a b))');
    expect(ex('-2 ^ 2 == -4')).toBe('(== (-(^ 2 2)) (-4))');
    expect(ex('a ^ b(c)')).toBe('(^ a (call b c))');
    expect(ex('!a.b(c)')).toBe('(!(call (. a b) c))');
    expect(ex('x @ w + b')).toBe('(+ (@ x w) b)');
    expect(ex('a % b / c')).toBe('(/ (% a b) c)');
  });

  it('associativity: left for binary operators, right for ^', () => {
    expect(ex('4 - 2 - 1')).toBe('(- (- 4 2) 1)');
    expect(ex('a / b * c')).toBe('(* (/ a b) c)');
    expect(ex('a || b || c')).toBe('(|| (|| a b) c)');
    expect(ex('2 ^ 3 ^ 2')).toBe('(^ 2 (^ 3 2))');
    expect(ex('2 ^ -1 ^ 2')).toBe('(^ 2 (-(^ 1 2)))');
    expect(ex('- - !a')).toBe('(-(-(!a)))');
  });

  it('every comparison operator', () => {
    for (const op of ['==', '!=', '<', '<=', '>', '>=']) expect(ex(`a ${op} b`)).toBe(`(${op} a b)`);
  });

  it('parentheses group without a node of their own', () => {
    expect(ex('(a + b) * c')).toBe('(* (+ a b) c)');
    expect(ex('(224 / 16) ^ 2 + 1 == 197')).toBe('(== (+ (^ (/ 224 16) 2) 1) 197)');
    expect(ex('((a))')).toBe('a');
    expect(ex('(a < b) < c')).toBe('(< (< a b) c)');
  });

  it('calls chain; arguments are positional or named; trailing comma', () => {
    expect(ex('Linear(d)(x)')).toBe('(call (call Linear d) x)');
    expect(ex('f()')).toBe('(call f)');
    expect(ex('f(a, b: 1, c: d + 1,)')).toBe('(call f a b:1 c:(+ d 1))');
    expect(ex('enc(x).state.h')).toBe('(. (. (call enc x) state) h)');
    const call = exprOf('f(x, bias: false)');
    expect(call).toMatchObject({
      kind: 'CallExpr',
      callee: { kind: 'NameExpr', name: 'f' },
      args: [
        { kind: 'Arg', value: { kind: 'NameExpr', name: 'x' } },
        { kind: 'Arg', name: { kind: 'Ident', name: 'bias' }, value: { kind: 'BoolLit', value: false } },
      ],
    });
    expect((call as Extract<Expr, { kind: 'CallExpr' }>).args[0].name).toBeUndefined();
  });

  it('repeat, with and without `shared`; the count is arithmetic', () => {
    expect(ex('repeat layers { Layer(d) }')).toBe('(repeat layers (call Layer d))');
    expect(ex('repeat 2 * n + 1 shared { L }(x)')).toBe('(call (repeat (+ (* 2 n) 1) shared L) x)');
    expect(exprOf('repeat n { L }')).toMatchObject({ kind: 'RepeatExpr', shared: false, count: { kind: 'NameExpr' } });
  });

  it('lists: empty, nested, with a trailing comma, as arguments', () => {
    expect(ex('[]')).toBe('[]');
    expect(ex('[batch * 4, win ^ 2, d,]')).toBe('[(* batch 4) (^ win 2) d]');
    expect(ex('reshape(x, [b, [1, 2]])')).toBe('(call reshape x [b [1 2]])');
    expect(exprOf('[a]')).toMatchObject({ kind: 'ListExpr', items: [{ kind: 'NameExpr', name: 'a' }] });
  });

  it('an unclosed list is one located syntax error', () => {
    const r = parse('model M { output y = reshape(x, [a, b) }', 'test.tfm');
    expect(r.diagnostics.map((d) => [d.code, d.primary.span.start.column])).toEqual([['TFM1004', 38]]);
  });

  it('`if` conditions and repeat counts end at `{`', () => {
    expect(stmts('if f(a) == b { }\nlet r = repeat f(n) { g }')).toEqual(['if (== (call f a) b) {}', 'let r = (repeat (call f n) g)']);
  });
});

describe('results are independent of later parses', () => {
  // parse() reuses its token objects from one call to the next; nothing it returns may refer to them.
  it('an AST and its diagnostics are unchanged by parsing another file', () => {
    const broken = GPT2.replace('let fc = Linear(d_ff)', 'let fc = Linear(d_ff').replace('x = blocks(x)', 'x = blocks(x]');
    const first = parse(GPT2, 'a.tfm');
    const second = parse(broken, 'b.tfm');
    const snapshots = [JSON.stringify(first), JSON.stringify(second)];
    expect(second.diagnostics.length).toBeGreaterThan(0);
    parse('model Other { let q = f(1, 2) + g.h\n  expect q > 0 }\n'.repeat(200), 'c.tfm');
    parse('} garbage ( [ # "open\n', 'd.tfm');
    expect([JSON.stringify(first), JSON.stringify(second)]).toEqual(snapshots);
  });
});

describe('the grammar', () => {
  // The shared parser skips chevrotain's grammar validations to start faster (parser.ts); they run here.
  it("passes chevrotain's grammar validations", () => {
    expect(() => new TfmParser({ validate: true })).not.toThrow();
  });
});
