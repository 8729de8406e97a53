/**
 * Every ```tfm code block of docs/language.md is a real spec, checked by the real compiler, so
 * the reference cannot drift from the implementation.
 *
 * - ```tfm                 must check without any error (warnings are allowed);
 * - ```tfm error           must produce at least one error;
 * - ```tfm error TFM3001   ... and that error code among them (several codes may be listed).
 *
 * Each block is checked as if it were the file docs/example-<line>.tfm (the line of its opening
 * fence), so relative imports such as `import "../specs/gpt2.tfm"` resolve inside the repository.
 * Blocks in any other language (```text, ```sh, ...) are not checked.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource, type Diagnostic } from '../../src/index.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const docPath = join(repoRoot, 'docs', 'language.md');

interface Example {
  /** 1-based line of the opening fence. */
  line: number;
  expectError: boolean;
  codes: string[];
  text: string;
}

/** The fenced code blocks tagged `tfm`, with CommonMark's fence rules (backticks or tildes, 3+). */
export function extractExamples(markdown: string): { examples: Example[]; unclosed?: number } {
  const lines = markdown.split('\n');
  const examples: Example[] = [];
  let open: { line: number; fence: string; info: string[]; body: string[] } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    if (!open) {
      const m = /^ {0,3}(`{3,}|~{3,})\s*(.*)$/.exec(raw);
      if (m) open = { line: i + 1, fence: m[1], info: m[2].trim().split(/\s+/).filter(Boolean), body: [] };
      continue;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(raw);
    if (close && close[1][0] === open.fence[0] && close[1].length >= open.fence.length) {
      const [lang, mode, ...rest] = open.info;
      if (lang === 'tfm') {
        examples.push({
          line: open.line,
          expectError: mode === 'error',
          codes: mode === 'error' ? rest.filter((w) => /^TFM\d{4}$/.test(w)) : [],
          text: open.body.join('\n') + '\n',
        });
      }
      open = undefined;
      continue;
    }
    open.body.push(raw);
  }
  return { examples, unclosed: open?.line };
}

function describeDiagnostics(ds: readonly Diagnostic[]): string {
  return ds
    .map((d) => {
      const file = d.primary.file.split('/').slice(-2).join('/');
      return `  ${d.severity} ${d.code} ${file}:${d.primary.span.start.line}:${d.primary.span.start.column} ${d.message}`;
    })
    .join('\n');
}

const markdown = readFileSync(docPath, 'utf8');
const { examples, unclosed } = extractExamples(markdown);

describe('docs/language.md examples', () => {
  it('has well-formed fences and a useful number of tfm examples', () => {
    expect(unclosed, `the code fence opened at line ${unclosed} is never closed`).toBeUndefined();
    expect(examples.length).toBeGreaterThanOrEqual(10);
    expect(examples.some((e) => e.expectError)).toBe(true);
  });

  for (const ex of examples) {
    const label = `line ${ex.line}${ex.expectError ? ` (error${ex.codes.length ? ' ' + ex.codes.join(' ') : ''})` : ''}`;
    it(label, () => {
      const file = join(repoRoot, 'docs', `example-${ex.line}.tfm`);
      const result = checkSource(ex.text, file);
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      const report = `diagnostics for the example at docs/language.md:${ex.line}:\n${describeDiagnostics(result.diagnostics) || '  (none)'}`;
      if (!ex.expectError) {
        expect(errors, report).toEqual([]);
        return;
      }
      expect(errors.length, report).toBeGreaterThan(0);
      for (const code of ex.codes) {
        expect(errors.map((d) => d.code), `${code} expected; ${report}`).toContain(code);
      }
    });
  }
});

describe('extractExamples', () => {
  it('reads tags, modes, codes and fence lengths', () => {
    const md = [
      '```tfm',
      'model A {}',
      '```',
      '````tfm error TFM3001 TFM2001',
      '```',
      'still inside',
      '````',
      '```text',
      'not tfm',
      '```',
      '~~~tfm',
      'tilde',
      '~~~',
    ].join('\n');
    const { examples: ex, unclosed: open } = extractExamples(md);
    expect(open).toBeUndefined();
    expect(ex.map((e) => [e.line, e.expectError, e.codes])).toEqual([
      [1, false, []],
      [4, true, ['TFM3001', 'TFM2001']],
      [11, false, []],
    ]);
    expect(ex[1].text).toBe('```\nstill inside\n');
  });

  it('reports an unclosed fence', () => {
    expect(extractExamples('text\n```tfm\nmodel A {}\n').unclosed).toBe(2);
  });
});
