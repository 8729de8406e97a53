import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { renderDiagnostic, renderHuman, renderSummary } from '../../src/render/human.js';
import { LineIndex } from '../../src/diagnostics/spans.js';
import { expectGolden } from '../helpers/golden.js';
import {
  BAD,
  BAD_TEXT,
  CWD,
  crossFile,
  label,
  multiLine,
  shapeMismatch,
  sources,
  spanOf,
} from './fixtures.js';

const golden = (name: string) => path.join(import.meta.dirname, '__golden__', name);
const plain = { color: false, cwd: CWD };
// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

function one(d: Diagnostic, src: Map<string, string> = sources): string {
  return renderDiagnostic(d, src, plain) + '\n';
}

describe('human renderer', () => {
  it('shows primary and secondary labels on other lines, notes, help and its edit', () => {
    expectGolden(golden('shape-mismatch.txt'), one(shapeMismatch()));
  });

  it('underlines the first line of a multi-line span and names its last line', () => {
    expectGolden(golden('multi-line.txt'), one(multiLine()));
  });

  it('gives a label in another file its own ::: snippet', () => {
    const out = one(crossFile());
    expect(out).toContain('\n --> specs/bad.tfm:7:11\n');
    expect(out).toContain('\n ::: src/std/nn.tfm:2:14\n');
    expectGolden(golden('cross-file.txt'), out);
  });

  it('hangs messages of several labels on one line below the underline', () => {
    const line = BAD_TEXT.indexOf('let c = a + b');
    const at = (needle: string) => {
      const i = BAD_TEXT.indexOf(needle, line);
      return new LineIndex(BAD_TEXT).span(i, i + needle.length);
    };
    const d: Diagnostic = {
      code: 'TFM3001',
      severity: 'error',
      message: 'cannot add `a` and `b`',
      primary: { file: BAD, span: at('+'), message: 'here' },
      secondary: [
        { file: BAD, span: at('a'), message: '`[batch, seq, 512]`' },
        { file: BAD, span: at('b'), message: '`[batch, seq, 768]`' },
      ],
      notes: [],
    };
    expect(BAD_TEXT.split('\n')[7]).toBe('  let c = a + b');
    expectGolden(golden('same-line.txt'), one(d));
  });

  it('hangs two messages whose labels start in the same cell off one bar, apart from it', () => {
    const line = BAD_TEXT.indexOf('let c = a + b');
    const span = (from: string, to: string) => {
      const i = BAD_TEXT.indexOf(from, line);
      return new LineIndex(BAD_TEXT).span(i, BAD_TEXT.indexOf(to, line) + to.length);
    };
    const d: Diagnostic = {
      code: 'TFM4008',
      severity: 'error',
      message: '`a + b` is out of range',
      primary: { file: BAD, span: span('a', 'b'), message: 'out of range' },
      secondary: [
        { file: BAD, span: span('a', 'a'), message: 'this is a' },
        { file: BAD, span: span('b', 'b'), message: 'this is b' },
      ],
      notes: [],
    };
    const rows = one(d).split('\n');
    const bar = rows.findIndex((r) => r.endsWith('this is b')) + 1;
    // The first label's bar continues below the primary's message, which stands one space off it.
    expect(rows[bar]).toMatch(/\| {1}out of range$/);
    expect(rows[bar + 1]).toMatch(/ this is a$/);
    expect(rows[bar].lastIndexOf('|')).toBe(rows[bar + 1].indexOf('this is a'));
  });

  it('elides long gaps between labelled lines with ...', () => {
    const d: Diagnostic = {
      code: 'TFM2002',
      severity: 'error',
      message: 'duplicate definition of `Bad`',
      primary: label(BAD, BAD_TEXT, 'output c', 'second definition'),
      secondary: [label(BAD, BAD_TEXT, 'model Bad', 'first definition')],
      notes: [],
    };
    const out = one(d);
    expect(out).toContain('\n...\n');
    expectGolden(golden('elided.txt'), out);
  });

  it('expands tabs and keeps carets under the right characters', () => {
    const text = 'model T {\n\tlet\tx = f(\ty)\n}\n';
    const file = '/project/tabs.tfm';
    const d: Diagnostic = {
      code: 'TFM2001',
      severity: 'error',
      message: 'unknown name `y`',
      primary: label(file, text, 'y', 'not defined'),
      secondary: [],
      notes: [],
    };
    const out = one(d, new Map([[file, text]]));
    expect(out).not.toContain('\t');
    expectGolden(golden('tabs.txt'), out);
  });

  it('counts UTF-16 columns but aligns by display cells after unicode text', () => {
    const text = 'let s = "é日本😀" + x̃ + unknown\n';
    const file = '/project/unicode.tfm';
    const span = spanOf(text, 'unknown');
    expect(span.start.column).toBe(text.indexOf('unknown') + 1); // UTF-16, as spans.ts says
    const d: Diagnostic = {
      code: 'TFM2001',
      severity: 'error',
      message: 'unknown name `unknown`',
      primary: { file, span, message: 'not defined' },
      secondary: [label(file, text, '"é日本😀"', 'a string')],
      notes: [],
    };
    const out = one(d, new Map([[file, text]]));
    // é and x̃ take one cell each, 日 and 本 two cells each (one UTF-16 unit each), 😀 two cells
    // (two UTF-16 units): so the caret sits two cells right of the UTF-16 count without x̃'s tilde.
    const lines = out.split('\n');
    const src = lines.findIndex((l) => l.startsWith('1 |'));
    expect(lines[src + 1].indexOf('^')).toBe('1 | let s = "é日本😀" + x + '.length + 2);
    expectGolden(golden('unicode.txt'), out);
  });

  it('sizes the gutter from the largest line number shown (9 → 10)', () => {
    const text = Array.from({ length: 12 }, (_, i) => `line${i + 1} = ${i}`).join('\n');
    const file = '/project/gutter.tfm';
    const d: Diagnostic = {
      code: 'TFM2002',
      severity: 'error',
      message: 'duplicate definition',
      primary: label(file, text, 'line10', 'again'),
      secondary: [label(file, text, 'line9 ', 'first')],
      notes: ['two-digit line numbers widen the gutter for every line'],
    };
    const out = one(d, new Map([[file, text]]));
    expect(out).toContain('\n 9 | line9 = 8\n');
    expect(out).toContain('\n10 | line10 = 9\n');
    expect(out).toContain('\n   = note: ');
    expectGolden(golden('gutter.txt'), out);
  });

  it('still reports labels whose source text is unavailable', () => {
    const out = one(crossFile(), new Map());
    expect(out).toContain('argument `out` is missing');
    expect(out).toContain('`out` declared here');
    expectGolden(golden('no-source.txt'), out);
  });

  it('puts a caret at an empty span, e.g. the end of the file', () => {
    const index = new LineIndex(BAD_TEXT);
    const end = BAD_TEXT.length - 1;
    const d: Diagnostic = {
      code: 'TFM1004',
      severity: 'error',
      message: 'expected `}`',
      primary: { file: BAD, span: index.span(end, end), message: 'file ends here' },
      secondary: [],
      notes: [],
    };
    expectGolden(golden('empty-span.txt'), one(d));
  });

  it('shows paths inside cwd relative to it and paths outside it absolute', () => {
    const d = { ...crossFile(), secondary: [{ ...crossFile().secondary[0], file: '/elsewhere/nn.tfm' }] };
    const out = one(d, new Map([...sources, ['/elsewhere/nn.tfm', sources.get('/project/src/std/nn.tfm')!]]));
    expect(out).toContain('--> specs/bad.tfm:');
    expect(out).toContain('::: /elsewhere/nn.tfm:');
  });

  describe('summary line', () => {
    it('counts errors and warnings', () => {
      const out = renderHuman([shapeMismatch(), crossFile(), multiLine()], sources, plain);
      expect(out.trimEnd().split('\n').at(-1)).toBe(
        'error: could not check `specs/bad.tfm` due to 2 previous errors; 1 warning emitted',
      );
      expectGolden(golden('several.txt'), out);
    });

    it('reports warnings alone as warnings', () => {
      expect(renderSummary([multiLine()], plain)).toBe('warning: `specs/bad.tfm` generated 1 warning');
    });

    it('names two files and counts more', () => {
      const other = (file: string) => ({ ...shapeMismatch(), primary: { ...shapeMismatch().primary, file } });
      expect(renderSummary([other('/project/a.tfm'), other('/project/b.tfm')], plain)).toBe(
        'error: could not check `a.tfm` and `b.tfm` due to 2 previous errors',
      );
      expect(
        renderSummary([other('/project/a.tfm'), other('/project/b.tfm'), other('/project/c.tfm')], plain),
      ).toBe('error: could not check 3 files due to 3 previous errors');
    });

    it('is empty without diagnostics and can be turned off', () => {
      expect(renderHuman([], sources, plain)).toBe('');
      expect(renderHuman([multiLine()], sources, { ...plain, summary: false })).not.toContain('generated');
    });
  });

  describe('colour', () => {
    const all = [shapeMismatch(), crossFile(), multiLine()];

    it('emits no ANSI codes when off', () => {
      expect(renderHuman(all, sources, plain)).not.toContain('\x1b[');
    });

    it('emits ANSI codes when on, without moving any character', () => {
      const coloured = renderHuman(all, sources, { ...plain, color: true });
      expect(coloured).toContain('\x1b[');
      expect(coloured).toContain('\x1b[31m'); // red for the error
      expect(coloured).toContain('\x1b[33m'); // yellow for the warning
      expect(stripAnsi(coloured)).toBe(renderHuman(all, sources, plain));
    });
  });
});
