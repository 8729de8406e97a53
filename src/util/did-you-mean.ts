/**
 * "Did you mean ...?" suggestions for unknown names: the candidates within a small edit distance
 * (optimal string alignment, so a swapped pair of letters costs 1), closest first.
 */
export function suggestionList(input: string, candidates: Iterable<string>): string[] {
  const scored: Array<[string, number]> = [];
  // About one edit per three characters: `haeds` → `heads`, `d_modle` → `d_model`, not `layers`.
  const threshold = Math.max(1, Math.floor(input.length / 3));
  const lower = input.toLowerCase();
  for (const c of new Set(candidates)) {
    if (c === input || c === '') continue;
    // A case-only difference is always worth suggesting.
    const d = c.toLowerCase() === lower ? 0.5 : abbreviates(lower, c.toLowerCase()) ? 1 : editDistance(lower, c.toLowerCase(), threshold);
    if (d <= threshold) scored.push([c, d]);
  }
  scored.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  return scored.map(([c]) => c);
}

/** "did you mean `heads`?" / "did you mean `a` or `b`?", or undefined when nothing is close. */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const list = suggestionList(input, candidates).slice(0, 3);
  if (list.length === 0) return undefined;
  const quoted = list.map((s) => `\`${s}\``);
  const tail = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}` : quoted[0];
  return `did you mean ${tail}?`;
}

/** Optimal-string-alignment distance; gives up early (returns > limit) once it cannot be within `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    let rowMin = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, rows[i - 2][j - 2] + 1);
      }
      rows[i][j] = v;
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > limit) return limit + 1;
  }
  return rows[a.length][b.length];
}

/** `mem_mask` for `memory_mask`: each `_`-separated part of `short` begins the matching part of `long`. */
function abbreviates(short: string, long: string): boolean {
  const a = short.split('_');
  const b = long.split('_');
  return a.length === b.length && a.length > 1 && a.every((p, i) => p.length > 0 && b[i].startsWith(p)) && short !== long;
}
