/**
 * Characters that must never reach a terminal, an editor or a log raw, because they change how
 * the surrounding text looks rather than adding to it: C0 and C1 control characters (an ESC or
 * a C1 CSI starts a terminal escape sequence; a NUL or backspace hides text), the Unicode
 * bidirectional controls (Trojan Source: `U+202E` makes a line read in another order than it is
 * parsed), the line and paragraph separators, and lone surrogates (not text at all).
 */

/** Bidirectional formatting characters: embeddings, overrides, isolates and the implicit marks. */
export function isBidiControl(cp: number): boolean {
  return cp === 0x061c || cp === 0x200e || cp === 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/** Whether code point `cp` (tab and line feed excepted) may not be shown raw. */
export function isUnsafeCodePoint(cp: number): boolean {
  return (
    (cp < 0x20 && cp !== 0x09 && cp !== 0x0a) ||
    (cp >= 0x7f && cp <= 0x9f) ||
    isBidiControl(cp) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    (cp >= 0xd800 && cp <= 0xdfff)
  );
}

// Tab and line feed are excluded here and handled by `escapeUnsafe`'s options.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]|[\ud800-\udfff]/gu;

/** `\u{202e}`: how an unsafe character is shown. */
export function escapedCodePoint(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/**
 * `s` with every unsafe character written as `\u{…}`; a line feed too unless `newlines` is
 * `'keep'` (notes and help may span lines; a message or a label may not).
 */
export function escapeUnsafe(s: string, newlines: 'keep' | 'escape' = 'escape'): string {
  const escaped = s.replace(UNSAFE, (ch) => escapedCodePoint(ch.codePointAt(0)!));
  return newlines === 'keep' ? escaped : escaped.replace(/\n/g, '\\n');
}
