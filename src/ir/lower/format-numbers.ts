/** Numbers as diagnostics print them. */

/** Integers as they are; other numbers rounded to 4 decimals. */
export function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1e4) / 1e4);
}

/** Rounded, with thousands separators (parameter counts). */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
