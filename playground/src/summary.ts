/** `tfmc summary` as an HTML table: the numbers of `summarize` (src/ir/summary.ts) for one model. */
import { summarize } from '../../src/ir/summary.js';
import type { ModelIR } from '../../src/ir/types.js';

const count = (n: number) => n.toLocaleString('en-US');

function scaled(n: number, units: readonly string[], step: number): string {
  let i = 0;
  while (n >= step && i < units.length - 1) {
    n /= step;
    i++;
  }
  return `${Number(n.toFixed(1))} ${units[i]}`;
}

function cell(row: HTMLTableRowElement, text: string, tag: 'td' | 'th' = 'td', cls?: string): void {
  const el = document.createElement(tag);
  el.textContent = text;
  if (cls) el.className = cls;
  row.append(el);
}

/** The table of modules (nested `depth` levels at most) and the totals beneath it. */
export function summaryTable(model: ModelIR, depth = 2): HTMLElement {
  const s = summarize(model);
  const box = document.createElement('div');
  const table = document.createElement('table');
  table.className = 'summary';
  const head = table.createTHead().insertRow();
  for (const h of ['Layer (path)', 'Block', 'Output shape', 'Params']) cell(head, h, 'th');
  const body = table.createTBody();
  for (const r of s.rows.filter((r) => r.depth < depth)) {
    const row = body.insertRow();
    cell(row, '\u00a0\u00a0'.repeat(r.depth) + r.path, 'td', 'path');
    cell(row, r.block);
    cell(row, r.outputShape, 'td', 'shape');
    cell(row, count(r.params), 'td', 'num');
  }
  const totals = document.createElement('p');
  totals.className = 'totals';
  totals.textContent = [
    `Total params: ${count(s.params)} (${scaled(s.params * 4, ['B', 'KiB', 'MiB', 'GiB'], 1024)} fp32)`,
    `FLOPs/token (seq=${s.seq}): ${scaled(s.flopsPerToken, ['FLOP', 'kFLOP', 'MFLOP', 'GFLOP', 'TFLOP'], 1000)}`,
    `Activation memory (batch=${s.batch}, seq=${s.seq}): ${scaled(s.activationBytes, ['B', 'KiB', 'MiB', 'GiB'], 1024)}`,
  ].join(' · ');
  box.append(table, totals);
  return box;
}
