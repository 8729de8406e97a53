/**
 * Issue 15 item 6: a spec can put any character into a diagnostic (a file name, a string's
 * value, the source line shown). Control characters (ESC starts a terminal escape sequence) and
 * bidi overrides (Trojan Source) are shown as `\u{…}` by the human and LSP renderers; the JSON
 * renderer keeps the exact strings but writes them as `\uXXXX` escapes.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { LineIndex } from '../../src/diagnostics/spans.js';
import { renderHuman } from '../../src/render/human.js';
import { renderJson } from '../../src/render/json.js';
import { toLspDiagnostic } from '../../src/render/lsp.js';

const HOSTILE = 'x\u001b[2J\u0000\u0008\u009b31m\u202e\u2066\u2028y';
/** Everything a renderer must not write raw (tab and line feed are fine). */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

const FILE = `/project/evil${HOSTILE}.tfm`;
const TEXT = `model M {\n  let s = "${HOSTILE}"\n}\n`;
const at = (needle: string) => {
  const lines = new LineIndex(TEXT);
  const start = TEXT.indexOf(needle);
  return lines.span(start, start + needle.length);
};

function hostile(): Diagnostic {
  return {
    code: 'TFM2013',
    severity: 'error',
    message: `cannot find \`${HOSTILE}\``,
    primary: { file: FILE, span: at(`"${HOSTILE}"`), message: `label ${HOSTILE}` },
    secondary: [{ file: FILE, span: at('model'), message: `secondary ${HOSTILE}` }],
    notes: [`note ${HOSTILE}\nsecond line`],
    help: { message: `help ${HOSTILE}` },
  };
}

describe('rendering text a spec controls', () => {
  it('human: escapes control and bidi characters in the message, labels, notes, help, path and source line', () => {
    const out = renderHuman([hostile()], new Map([[FILE, TEXT]]), { color: false, cwd: '/project' });
    expect(out).not.toMatch(RAW);
    expect(out).toContain('cannot find `x\\u{1b}[2J\\u{0}\\u{8}\\u{9b}31m\\u{202e}\\u{2066}\\u{2028}y`');
    expect(out).toContain('evilx\\u{1b}[2J'); // the file name
    expect(out).toContain('second line'); // a note keeps its own line breaks
    // The caret still starts under the string's opening quote and spans the escaped text.
    const lines = out.split('\n');
    const source = lines.findIndex((l) => l.startsWith('2 |'));
    expect(lines[source + 1].indexOf('^')).toBe(lines[source].indexOf('"'));
    expect(lines[source + 1].lastIndexOf('^')).toBe(lines[source].lastIndexOf('"'));
  });

  it('JSON: the exact strings come back from JSON.parse, and the text has no raw control or bidi character', () => {
    const out = renderJson([hostile()]);
    expect(out).not.toMatch(RAW);
    const d = JSON.parse(out).diagnostics[0];
    expect(d.message).toBe(`cannot find \`${HOSTILE}\``);
    expect(d.file).toBe(FILE);
    expect(d.help).toBe(`help ${HOSTILE}`);
  });

  it('LSP: messages, related information and fix titles are escaped', () => {
    const d = toLspDiagnostic(hostile());
    expect(JSON.stringify(d)).not.toMatch(RAW);
    expect(d.message).not.toMatch(RAW);
    expect(d.message).toContain('\\u{202e}');
    expect(d.relatedInformation![0].message).toContain('secondary x\\u{1b}');
  });
});
