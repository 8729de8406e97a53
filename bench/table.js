/** The timing tables the benchmarks print: median, min and max in ms, and the target when there is one. */

/**
 * Logs a header (`title` in the first column) and one line per row `{ what, median, min, max,
 * target? }`, with `digits` decimals; a row over its target says SLOW.
 */
export function timingTable(log, title, rows, digits = 2) {
  log(title.padEnd(48) + 'median ms'.padStart(11) + 'min'.padStart(9) + 'max'.padStart(9) + 'target'.padStart(9) + '  ');
  for (const r of rows) {
    const verdict = r.target === undefined ? '' : r.median <= r.target ? 'ok' : 'SLOW';
    const target = r.target === undefined ? '' : `< ${r.target}`;
    log(r.what.padEnd(48) + r.median.toFixed(digits).padStart(11) + r.min.toFixed(digits).padStart(9) + r.max.toFixed(digits).padStart(9) + target.padStart(9) + '  ' + verdict);
  }
}
