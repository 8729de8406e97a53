/**
 * Property tests. (1) Layout does not matter: re-flowing the whitespace of a formatted spec at
 * random (spaces ↔ line breaks, extra indentation) and formatting again gives the same text.
 * (2) Optional punctuation does not matter: random redundant parentheses around expressions and
 * `;` after statements format back to the same text. (3) Parentheses: random expression trees,
 * printed fully parenthesised, format to text that parses back to the same tree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatText } from '../../src/format/index.js';
import { tokenize } from '../../src/syntax/lexer.js';
import { parse } from '../../src/syntax/parse.js';
import { shippedSpecs, tree } from './helpers.js';

/** `FUZZ_RUNS=500 npx vitest run test/format` for a longer search. */
const RUNS = Number(process.env.FUZZ_RUNS) || 8;

function fmt(text: string): string {
  const r = formatText(text, 'x.tfm');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.text;
}

/**
 * The whitespace gaps of `text` (between tokens and comments) with what a re-flow may put there.
 * The formatter reads three things from whitespace, which stay: blank lines, whether a comment
 * starts its own line (so no gap before a same-line comment gains a break), and the break
 * after a line comment.
 */
function gaps(text: string): { start: number; end: number; choices: string[] }[] {
  const { tokens, comments } = tokenize(text);
  const pieces = [...tokens, ...comments].sort((a, b) => a.startOffset - b.startOffset);
  const out: { start: number; end: number; choices: string[] }[] = [];
  let prevEnd = 0;
  let prevLineComment = false;
  for (const p of [...pieces, undefined]) {
    const start = prevEnd;
    const end = p ? p.startOffset : text.length;
    const ws = text.slice(start, end);
    const rest = text.slice(end, text.indexOf('\n', end) < 0 ? text.length : text.indexOf('\n', end));
    const commentLater = /\/\/|\/\*/.test(rest) || (p !== undefined && comments.includes(p));
    let choices: string[];
    if (/\n[^\n]*\n/.test(ws)) choices = ['\n\n', '\n \n  ', '\n\n\t'];
    else if (ws.includes('\n')) choices = prevLineComment || commentLater ? ['\n', '\n      ', '\n\t'] : ['\n', ' ', '\n    ', '  \t'];
    else if (commentLater) choices = ws === '' ? ['', ' '] : [' ', '   ', '\t'];
    else choices = ws === '' ? ['', ' ', '\n', '\n  '] : [' ', '\n', '  \n   ', '\t'];
    if (start > 0 || end > 0) out.push({ start, end, choices });
    if (p) {
      prevEnd = p.startOffset + p.image.length;
      prevLineComment = p.image.startsWith('//');
    }
  }
  return out;
}

function reflow(text: string, picks: number[]): string {
  let out = '';
  let at = 0;
  gaps(text).forEach((g, i) => {
    out += text.slice(at, g.start) + g.choices[picks[i] % g.choices.length];
    at = g.end;
  });
  return out + text.slice(at);
}

describe('re-flowed whitespace formats back to the same text', () => {
  for (const [file, text] of shippedSpecs()) {
    it(file, () => {
      const canonical = fmt(text);
      const n = gaps(canonical).length;
      fc.assert(
        fc.property(fc.array(fc.nat(11), { minLength: n, maxLength: n }), (picks) => {
          expect(fmt(reflow(canonical, picks))).toBe(canonical);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

// ── redundant punctuation ──

const EXPR_KINDS = new Set(['IntLit', 'FloatLit', 'BoolLit', 'StringLit', 'NameExpr', 'UnaryExpr', 'BinaryExpr', 'CallExpr', 'MemberExpr', 'RepeatExpr']);
const STMT_KINDS = new Set(['ConfigBlock', 'InputDecl', 'LetStmt', 'AssignStmt', 'OutStmt', 'LossStmt', 'MaskStmt', 'ExpectStmt', 'IfStmt']);

/** Where `(`…`)` may wrap an expression and where a `;` may end a statement, in `text`. */
function punctuationSites(text: string): { exprs: [number, number][]; stmtEnds: number[] } {
  const exprs: [number, number][] = [];
  const stmtEnds: number[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    const n = node as { kind?: string; span?: { start: { offset: number }; end: { offset: number } } };
    if (n.kind === 'ImportDecl') return; // its path is a string, not an expression
    if (n.kind && n.span && EXPR_KINDS.has(n.kind)) exprs.push([n.span.start.offset, n.span.end.offset]);
    // An `else if` chain ends where its outer `if` does: one `;` for both.
    if (n.kind && n.span && STMT_KINDS.has(n.kind) && !stmtEnds.includes(n.span.end.offset)) stmtEnds.push(n.span.end.offset);
    for (const [k, v] of Object.entries(node)) if (k !== 'span' && k !== 'opSpan') walk(v);
  };
  walk(parse(text, 'x.tfm').ast.items);
  return { exprs, stmtEnds };
}

function punctuate(text: string, wrap: boolean[], semi: boolean[]): string {
  const { exprs, stmtEnds } = punctuationSites(text);
  // Rank at one offset: `)` closes before a `;` ends the statement, `(` opens after both.
  const inserts: [offset: number, rank: number, text: string][] = [];
  exprs.forEach(([start, end], i) => {
    if (!wrap[i % wrap.length]) return;
    inserts.push([start, 2, '('], [end, 0, ')']);
  });
  stmtEnds.forEach((end, i) => {
    if (semi[i % semi.length]) inserts.push([end, 1, ';']);
  });
  inserts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let out = '';
  let at = 0;
  for (const [offset, , t] of inserts) {
    out += text.slice(at, offset) + t;
    at = offset;
  }
  return out + text.slice(at);
}

describe('redundant parentheses and semicolons format back to the same text', () => {
  for (const [file, text] of shippedSpecs()) {
    it(file, () => {
      const canonical = fmt(text);
      fc.assert(
        fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 50 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }), (wrap, semi) => {
          const mutated = punctuate(canonical, wrap, semi);
          expect(tree(mutated)).toEqual(tree(canonical));
          expect(fmt(mutated)).toBe(canonical);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

// ── comments anywhere ──

/** `text` with comments inserted at the given token gaps (line comments end their line). */
function withComments(text: string, picks: [gap: number, kind: number][]): string {
  const { tokens } = tokenize(text);
  const offsets = [...new Set(picks.map(([g]) => tokens[g % tokens.length].startOffset))].sort((a, b) => a - b);
  let out = '';
  let at = 0;
  offsets.forEach((offset, i) => {
    const kind = picks[i][1];
    out += text.slice(at, offset) + (kind === 0 ? `// note ${i}\n` : kind === 1 ? `/* note ${i} */ ` : `/* note\n   ${i} */\n`);
    at = offset;
  });
  return out + text.slice(at);
}

describe('comments anywhere are kept, and the result is stable', () => {
  for (const [file, text] of shippedSpecs()) {
    it(file, () => {
      const canonical = fmt(text);
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(2)), { minLength: 1, maxLength: 6 }), (picks) => {
          const commented = withComments(canonical, picks);
          const once = fmt(commented); // throws if a comment were lost or the tree changed
          expect(tree(once)).toEqual(tree(canonical));
          expect(fmt(once)).toBe(once);
        }),
        { numRuns: RUNS * 2 },
      );
    });
  }
});

// ── random expressions ──

const OPS = ['||', '&&', '&', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '@', '^'];

/** Fully parenthesised source of a random expression. */
const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('a', 'b', 'x_1', '2', '0.5', '1_000', 'true', '"s"'),
    fc.tuple(tie('e'), fc.constantFrom(...OPS), tie('e')).map(([l, op, r]) => `(${l} ${op} ${r})`),
    fc.tuple(fc.constantFrom('-', '!'), tie('e')).map(([op, e]) => `(${op}${e})`),
    fc.tuple(tie('e'), fc.array(fc.tuple(fc.option(fc.constantFrom('k', 'bias')), tie('e')), { maxLength: 3 })).map(
      ([callee, args]) => `(${callee})(${args.map(([name, v], i) => (name ? `${name}${i}: ${v}` : v)).join(', ')})`,
    ),
    fc.tuple(tie('e'), fc.constantFrom('state', 'out')).map(([o, m]) => `(${o}).${m}`),
    fc.tuple(tie('e'), fc.boolean(), tie('e')).map(([c, shared, body]) => `(repeat (${c})${shared ? ' shared' : ''} { ${body} })`),
  ),
})).e;

describe('parentheses are kept exactly where the grammar needs them', () => {
  it('random expressions keep their tree', () => {
    fc.assert(
      fc.property(expr, (e) => {
        const src = `model M {\n  let v = ${e}\n}\n`;
        const parsed = formatText(src, 'x.tfm');
        // Some random trees are not valid syntax (a comparison in a repeat count, a chained
        // comparison after parentheses are dropped is not possible: those keep theirs).
        if (!parsed.ok) return;
        expect(tree(parsed.text)).toEqual(tree(src));
        expect(fmt(parsed.text)).toBe(parsed.text);
      }),
      { numRuns: RUNS * 40 },
    );
  });
});
