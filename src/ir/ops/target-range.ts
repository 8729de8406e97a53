/**
 * Class targets that the logits have no class for — shape-correct, and the run-time "target out of
 * bounds" of cross-entropy (PyTorch raises it; tfjs silently gives a wrong loss):
 *
 * - TFM3016 (error): the targets come from an input declared `in [0, vocab)`, and the logits have
 *   fewer than `vocab` classes.
 * - TFM5004 (warning): no range is declared, but the targets are ids the model also looks up in an
 *   `Embedding` of more rows than the logits have classes (a language model's head narrower than
 *   its vocabulary): ids the table accepts have no class. Silenced with `// tfmc: allow TFM5004`
 *   when only some ids are ever targets.
 *
 * The primary label sits where the class count was written (the head's size), the fix makes it
 * the table's size.
 */
import { constValue, resolve } from '../dims.js';
import type { Label } from '../../diagnostics/diagnostic.js';
import type { SourceRef } from '../source-ref.js';
import type { TensorValue } from '../types.js';
import type { OpContext } from '../values.js';
import { valueSource } from './helpers.js';

/** The first table each model input's ids are looked up in (per lowering: the inputs are its objects). */
const lookedUpIn = new WeakMap<TensorValue, { rows: number; at: SourceRef }>();

/** Records that `ids` are looked up in a table of `rows` rows (written at `at`). */
export function noteLookup(ctx: OpContext, ids: TensorValue, rows: number, at: SourceRef): void {
  const input = valueSource(ctx, ids);
  if (input && !lookedUpIn.has(input)) lookedUpIn.set(input, { rows, at });
}

export function checkTargetRange(ctx: OpContext, logits: TensorValue, targets: TensorValue): void {
  const last = resolve(logits.shape[logits.shape.length - 1]);
  const classes = constValue(last);
  const input = valueSource(ctx, targets);
  if (classes === undefined || !input) return;
  const range = input.range;
  const lookup = range ? undefined : lookedUpIn.get(input);
  const needed = range ? range.max : lookup?.rows;
  if (needed === undefined || needed <= classes) return;

  // `in [0, vocab + added)`: the head's size is best written as the range's own upper end.
  const high = range && /\[[^,]+,\s*(.+?)\s*\)\s*$/s.exec(ctx.textAt(range.source) ?? '')?.[1];
  const fix = ctx.dimFix(last, needed, high || undefined);
  const head = fix ? { file: fix.at.file, span: fix.at.span, message: `the logits get ${classes} classes here` } : ctx.shapeLabel(logits, `${classes} classes: `);
  const given: Label = { ...ctx.argSource('targets'), message: 'the targets' };
  const help = fix ? { message: `give the logits ${needed} classes: \`${fix.edits[0].text}\``, edits: fix.edits } : `give the logits ${needed} classes`;
  if (range) {
    ctx.error('TFM3016', `targets up to ${range.max - 1} may be given, but the logits have only ${classes} classes`, {
      primary: head,
      secondary: [{ ...range.source, message: `declared to hold ${range.min} … ${range.max - 1} here` }, given],
      help,
    });
    return;
  }
  ctx.error('TFM5004', `the targets are ids of a ${needed}-row table, but the logits have only ${classes} classes`, {
    primary: head,
    secondary: [{ ...lookup!.at, message: `\`${input.name ?? 'the ids'}\` are looked up in ${needed} rows here` }, given],
    help: typeof help === 'string' ? help : { ...help, message: `${help.message} (if only the first ${classes} ids are ever targets, end the line with \`// tfmc: allow TFM5004\`)` },
  });
}
