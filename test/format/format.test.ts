/**
 * The formatter on the shipped specs and on small cases: idempotent, meaning-preserving, every
 * comment kept, parentheses only where the grammar needs them, lines wrapped at the width.
 */
import { describe, expect, it } from 'vitest';
import { formatText } from '../../src/format/index.js';
import { commentTexts, shippedSpecs, tree } from './helpers.js';

function fmt(text: string): string {
  const r = formatText(text, 'x.tfm');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.text;
}

describe('shipped specs', () => {
  for (const [file, text] of shippedSpecs()) {
    it(`${file}: same tree and comments, idempotent`, () => {
      const once = fmt(text);
      expect(tree(once)).toEqual(tree(text));
      expect(commentTexts(once)).toEqual(commentTexts(text));
      expect(fmt(once)).toBe(once);
      for (const l of once.split('\n')) expect(l).not.toMatch(/\s$/);
    });
  }

  it('are already in the canonical layout (run `tfmc fmt specs examples src/std` after editing one)', () => {
    const unformatted = shippedSpecs().filter(([, text]) => fmt(text) !== text).map(([file]) => file);
    expect(unformatted).toEqual([]);
  });
});

describe('refuses what it cannot read', () => {
  it('returns the syntax errors instead of text', () => {
    const r = formatText('model M {\n  let x = (1 +\n}\n', 'bad.tfm');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.diagnostics.length).toBeGreaterThan(0);
      expect(r.diagnostics[0].primary.file).toBe('bad.tfm');
    }
  });

  it('refuses an unterminated block comment (it would swallow the rest)', () => {
    expect(formatText('model M {}\n/* open', 'x.tfm').ok).toBe(false);
  });
});

describe('layout', () => {
  it('puts one statement per line, drops `;`, keeps one blank line at most', () => {
    expect(fmt('model M { input x: float32[b,t,d]; let y = relu(x)\n\n\n\n  output z = y }')).toBe(
      'model M {\n  input x: float32[b, t, d]\n  let y = relu(x)\n\n  output z = y\n}\n',
    );
  });

  it('prints lists with spaces after commas, dropping a trailing comma on one line', () => {
    expect(fmt('model M { input x: float32[b,t,d]\n output y = reshape(x,[b ,t*2,d/2,])\n output z = permute(x,[0,2,1]) }')).toBe(
      'model M {\n  input x: float32[b, t, d]\n  output y = reshape(x, [b, t * 2, d / 2])\n  output z = permute(x, [0, 2, 1])\n}\n',
    );
  });

  it('aligns `=` in a config run and the trailing comments of consecutive lines', () => {
    const src = 'model M {\n config { a = 1 // one\n long_name = 2 // two\n\n b: int = 3 }\n}\n';
    expect(fmt(src)).toBe(
      'model M {\n  config {\n    a         = 1  // one\n    long_name = 2  // two\n\n    b: int = 3\n  }\n}\n',
    );
  });

  it('separates declarations by a blank line and keeps imports together', () => {
    expect(fmt('import "a.tfm" import "b.tfm" model A {} model B extends A {}')).toBe(
      'import "a.tfm"\nimport "b.tfm"\n\nmodel A {}\n\nmodel B extends A {}\n',
    );
  });

  it('wraps a long argument list: as many per line as fit, then a trailing comma', () => {
    const args = Array.from({ length: 12 }, (_, i) => `argument_${i}: value_${i}`).join(', ');
    const out = fmt(`model M { let y = Layer(${args}) }`);
    expect(out).toBe(
      'model M {\n  let y = Layer(\n' +
        '    argument_0: value_0, argument_1: value_1, argument_2: value_2, argument_3: value_3,\n' +
        '    argument_4: value_4, argument_5: value_5, argument_6: value_6, argument_7: value_7,\n' +
        '    argument_8: value_8, argument_9: value_9, argument_10: value_10, argument_11: value_11,\n' +
        '  )\n}\n',
    );
    for (const l of out.split('\n')) expect(l.length).toBeLessThanOrEqual(100);
  });

  it('puts each argument on its own line when comments are among them', () => {
    expect(fmt('model M { let y = f(a, // why a\n b) }')).toBe('model M {\n  let y = f(\n    a,  // why a\n    b,\n  )\n}\n');
  });

  it('joins a short call written over several lines', () => {
    expect(fmt('model M {\n  let y = Linear(\n    4,\n    bias: false,\n  )\n}\n')).toBe('model M {\n  let y = Linear(4, bias: false)\n}\n');
  });

  it('keeps a sole call argument on the line of its caller', () => {
    const inner = Array.from({ length: 8 }, (_, i) => `name_${i}: value_${i}`).join(', ');
    expect(fmt(`model M { y = drop(norm(decoder(${inner}))) }`)).toBe(
      'model M {\n  y = drop(norm(decoder(\n' +
        '    name_0: value_0, name_1: value_1, name_2: value_2, name_3: value_3, name_4: value_4,\n' +
        '    name_5: value_5, name_6: value_6, name_7: value_7,\n' +
        '  )))\n}\n',
    );
  });

  it('puts a one-statement if on one line when it fits, else expands the whole chain', () => {
    expect(fmt('block B(a: int) { in x: float32[n]\nif a == 1 {\n x = relu(x)\n} else {\n x = gelu(x) }\n out x }')).toBe(
      'block B(a: int) {\n  in x: float32[n]\n  if a == 1 { x = relu(x) } else { x = gelu(x) }\n  out x\n}\n',
    );
    const long = 'model M { if some_long_condition_name == another_long_value { x = a_function_with_a_long_name(x) } else if b { y = 1 } }';
    expect(fmt(long)).toBe(
      'model M {\n  if some_long_condition_name == another_long_value {\n    x = a_function_with_a_long_name(x)\n  } else if b {\n    y = 1\n  }\n}\n',
    );
  });

  it('writes `else { if ... }` as `else if`', () => {
    expect(fmt('model M { if a { x = 1 } else { if b { x = 2 } } }')).toBe('model M {\n  if a { x = 1 } else if b { x = 2 }\n}\n');
  });

  it('wraps a long block parameter list like the standard library does', () => {
    const params = Array.from({ length: 10 }, (_, i) => `p${i}: int = ${i}`).join(', ');
    expect(fmt(`block B(${params}) { in x: float32[n] out x }`)).toBe(
      `block B(\n${Array.from({ length: 10 }, (_, i) => `  p${i}: int = ${i},\n`).join('')}) {\n  in x: float32[n]\n  out x\n}\n`,
    );
  });

  it('keeps a repeat body on one line when it fits', () => {
    expect(fmt('model M { let s = repeat layers shared {\n Layer(d)\n} }')).toBe('model M {\n  let s = repeat layers shared { Layer(d) }\n}\n');
  });

  it('formats an empty file and a file of comments', () => {
    expect(fmt('')).toBe('');
    expect(fmt('\n\n  // just a note   \n\n\n/* and another */\n')).toBe('// just a note\n\n/* and another */\n');
  });
});

describe('parentheses', () => {
  const cases: [string, string][] = [
    ['((a + b)) * c', '(a + b) * c'],
    ['a - (b - c)', 'a - (b - c)'],
    ['(a - b) - c', 'a - b - c'],
    ['(-x) ^ 2', '(-x) ^ 2'],
    ['-(x ^ 2)', '-x ^ 2'],
    ['2 ^ (3 ^ 2)', '2 ^ 3 ^ 2'],
    ['(2 ^ 3) ^ 2', '(2 ^ 3) ^ 2'],
    ['2 ^ (-1)', '2 ^ -1'],
    ['(a < b) == c', '(a < b) == c'],
    ['-(a + b)', '-(a + b)'],
    ['(a + b).c', '(a + b).c'],
    ['(f)(x)', 'f(x)'],
    ['(a || b) && !(c)', '(a || b) && !c'],
    ['a & (b & c)', 'a & (b & c)'],
    ['- - x', '--x'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected}`, () => {
      const out = fmt(`model M { expect ${input} }`);
      expect(out).toBe(`model M {\n  expect ${expected}\n}\n`);
      expect(tree(out)).toEqual(tree(`model M { expect ${input} }`));
    });
  }

  it('parenthesises a repeat count that is not an additive expression', () => {
    const src = 'model M { let s = repeat (a * 2) { L() } }';
    expect(fmt(src)).toBe('model M {\n  let s = repeat a * 2 { L() }\n}\n');
  });
});

describe('comments', () => {
  it('keeps leading, trailing and dangling comments where they were', () => {
    const src = [
      '// file header',
      '',
      'model M { // after the brace',
      '  config {',
      '    // about a',
      '    a = 1 /* inline */ // trailing',
      '    // the last word in config',
      '  }',
      '  let y = f(',
      '    a, // first',
      '    /* before b */ b,',
      '    // at the end of the arguments',
      '  )',
      '  let e = repeat n {',
      '    // each copy',
      '    L()',
      '  }',
      '  // closing remark',
      '}',
      '',
    ].join('\n');
    expect(fmt(src)).toBe(
      [
        '// file header',
        '',
        'model M {',
        '  // after the brace',
        '  config {',
        '    // about a',
        '    a = 1 /* inline */  // trailing',
        '    // the last word in config',
        '  }',
        '  let y = f(',
        '    a,  // first',
        '    /* before b */ b,',
        '    // at the end of the arguments',
        '  )',
        '  let e = repeat n {',
        '    // each copy',
        '    L()',
        '  }',
        '  // closing remark',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('moves a comment from inside an expression before its statement, never drops it', () => {
    const out = fmt('model M {\n  let x /* why */ = 1 + // because\n    2\n}\n');
    expect(out).toBe('model M {\n  /* why */ // because\n  let x = 1 + 2\n}\n');
    expect(fmt(out)).toBe(out);
  });
});
