/**
 * Rule: every binding is read somewhere. An unused value or input is a warning (dead code);
 * an unused `mask` or `memory` is an error, because forgetting to pass a mask or the encoder
 * output to the decoder silently builds a different model.
 * A binding counts as used when any instantiation of its block reads it; `_name` opts out.
 */
import { diagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { UseRecord } from '../../ir/lower/scope.js';

export function unusedBindings(records: readonly UseRecord[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of records) {
    if (r.used) continue;
    const primary = { ...r.source, message: 'never used' };
    const prefixHelp = { message: `if this is intentional, name it \`_${r.name}\`` };
    switch (r.kind) {
      case 'mask':
        out.push(diagnostic('TFM2016', `mask \`${r.name}\` is declared but never used`, primary, {
          help: { message: 'pass it to the attention it is meant for, e.g. `self_mask: ' + r.name + '`' },
        }));
        break;
      case 'memory':
        out.push(diagnostic('TFM2017', `memory \`${r.name}\` is declared but never used`, primary, {
          help: { message: 'pass it to the decoder layers\' cross-attention, e.g. `memory: ' + r.name + '`' },
        }));
        break;
      case 'input':
        out.push(diagnostic('TFM2010', `input \`${r.name}\` is never used`, primary, { help: prefixHelp }));
        break;
      case 'port':
        out.push(diagnostic('TFM2010', `block input \`${r.name}\` is never used`, primary, { help: prefixHelp }));
        break;
      case 'let':
        out.push(diagnostic('TFM2009', `value \`${r.name}\` is never used`, primary, { help: prefixHelp }));
        break;
      default:
        break;
    }
  }
  return out;
}
