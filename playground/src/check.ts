/**
 * The editor's text through tfmc's own pipeline (`checkSource`, with the standard library the
 * build embedded): diagnostics rendered as `tfmc check` prints them, the marks for the editor,
 * and the checked models.
 */
import type { Diagnostic as CmDiagnostic } from '@codemirror/lint';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import type { ModelIR } from '../../src/ir/types.js';
import { checkSource } from '../../src/pipeline/check-spec.js';
import { renderHuman } from '../../src/render/human.js';

/** Where the editor's text lives in the (virtual) workspace; diagnostics name it `spec.tfm`. */
const ROOT = '/playground';
export const FILE = `${ROOT}/spec.tfm`;

export interface Checked {
  diagnostics: Diagnostic[];
  /** The report of `tfmc check`, without colours; empty when there is nothing to report. */
  report: string;
  /** Marks for the editor: each diagnostic whose primary label is in the edited text. */
  marks: CmDiagnostic[];
  /** The models that checked without errors. */
  models: ModelIR[];
  /** Every model the text declares. */
  declared: string[];
}

export function checkSpec(text: string): Checked {
  const result = checkSource(text, FILE, { workspaceRoot: ROOT });
  const report = renderHuman(result.diagnostics, result.sources, { color: false, cwd: ROOT });
  const marks = result.diagnostics
    .filter((d) => d.primary.file === FILE)
    .map((d): CmDiagnostic => {
      const from = Math.min(d.primary.span.start.offset, text.length);
      const to = Math.min(Math.max(d.primary.span.end.offset, from), text.length);
      return {
        from,
        to,
        severity: d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'info',
        source: d.code,
        message: [d.message, d.primary.message, ...d.notes.map((n) => `note: ${n}`), d.help ? `help: ${d.help.message}` : undefined].filter(Boolean).join('\n'),
      };
    });
  return { diagnostics: result.diagnostics, report, marks, models: result.models, declared: result.declared };
}
