/**
 * The diagnostic for a file that cannot be a spec (not UTF-8, too large, a line too long, not a
 * regular file), reported where the problem is. Every command that reads specs reports it the
 * same way: `check` and the others through the workspace, `fmt` directly.
 */
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { LineIndex } from '../diagnostics/spans.js';
import type { SourceRead } from '../util/source-text.js';

export function sourceRefusal(abs: string, read: Extract<SourceRead, { ok: false }>): Diagnostic {
  const lines = new LineIndex(read.text);
  const at = { file: abs, span: lines.span(read.offset, read.offset) };
  const limit = (variable: string) => `if the file is really meant to be this large, raise the limit with the environment variable ${variable} (docs/limits.md)`;
  if (read.problem === 'invalid-utf8') return diagnostic('TFM1010', `this file is not valid UTF-8: ${read.detail}`, at, { help: { message: 'save the file as UTF-8' } });
  if (read.problem === 'not-a-file') return diagnostic('TFM1012', `cannot read this as a spec: ${read.detail}`, at, { help: { message: 'name a .tfm file' } });
  const what = read.problem === 'too-large' ? 'this file is too large' : 'a line is too long';
  return diagnostic('TFM1011', `${what}: ${read.detail}`, at, {
    notes: ['a spec is read whole, so a file this size would take gigabytes of memory to check'],
    help: { message: limit(read.problem === 'too-large' ? 'TFMC_MAX_SOURCE_BYTES' : 'TFMC_MAX_LINE_LENGTH') },
  });
}
