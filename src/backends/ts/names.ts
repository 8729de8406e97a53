/**
 * Everything that puts text from a spec into generated TypeScript goes through here, so no name
 * or string can break or inject into the code, whatever it contains:
 * - {@link Namer}: spec identifiers → TypeScript identifiers that are ASCII, never a keyword or
 *   reserved word, never one of the generated file's own names, and unique in their scope;
 *   deterministic (the same requests in the same order give the same names).
 * - {@link stringLiteral}: any string → a single-quoted literal with every character outside
 *   printable ASCII escaped (no raw line terminators, bidi controls or look-alike letters).
 * - {@link propertyKey} / {@link propertyAccess}: object keys and member access, with
 *   `__proto__` computed so that an object literal defines a property instead of a prototype.
 * - {@link commentText}: text for a `//` comment on one line (no line breaks, no `*\/`).
 */

/** ECMAScript and TypeScript reserved words, strict-mode words, and names that shadow globals the code uses. */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'as implements interface let package private protected public static yield await async of get set from type ' +
    'declare namespace module abstract any boolean number string symbol bigint object never unknown undefined ' +
    'readonly keyof infer is asserts unique global satisfies accessor out override require constructor prototype ' +
    '__proto__ arguments eval NaN Infinity Math Object Array Number String Error Symbol Promise JSON Float32Array ' +
    'Int32Array Record Partial Omit Readonly console globalThis'
  ).split(' '),
);

const PLAIN_IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A `//` comment's text: one line, printable; `*\/` cannot close an enclosing block comment. */
export function commentText(text: string): string {
  return escapeNonPrintable(text).replace(/\*\//g, '*\\/');
}

/** A single-quoted TypeScript string literal for any string. */
export function stringLiteral(text: string): string {
  return `'${escapeNonPrintable(text.replace(/\\/g, '\\\\')).replace(/'/g, "\\'")}'`;
}

/**
 * Escapes every UTF-16 unit outside printable ASCII as `\uXXXX`, so line terminators (incl.
 * U+2028/U+2029), bidi overrides, zero-width characters and look-alike letters all become
 * visible. Backslashes are left alone (callers escape them first when it matters).
 */
function escapeNonPrintable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Whether `name` can be written bare as an object key or after a dot. */
function isPlainKey(name: string): boolean {
  return PLAIN_IDENTIFIER.test(name) && name !== '__proto__';
}

/** An object-literal key that defines an own property named `name`. */
export function propertyKey(name: string): string {
  if (isPlainKey(name)) return name;
  // A literal `__proto__: v` (even quoted) sets the prototype; a computed key does not.
  return name === '__proto__' ? `[${stringLiteral(name)}]` : stringLiteral(name);
}

/** A property name in an interface or type literal. */
export function typeKey(name: string): string {
  return isPlainKey(name) ? name : stringLiteral(name);
}

/** `object.name`, or `object['name']` when the name is not a plain identifier. */
export function propertyAccess(object: string, name: string): string {
  return isPlainKey(name) ? `${object}.${name}` : `${object}[${stringLiteral(name)}]`;
}

/** A number as a TypeScript expression that evaluates to exactly the same value. */
export function numberLiteral(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Object.is(value, -0)) return '-0';
  return String(value);
}

/** Spec text → an ASCII identifier stem (not yet checked against reserved words). */
function identifierStem(text: string): string {
  let s = text.replace(/[^A-Za-z0-9_$]/g, (c) => (c === '.' || c === '-' || c === ' ' ? '_' : `_u${c.charCodeAt(0).toString(16)}`));
  if (s === '' || /^[0-9]/.test(s)) s = `_${s}`;
  return s;
}

/**
 * Hands out identifiers in one scope. A name already taken (by the generated file itself or an
 * earlier request) gets the smallest free numeric suffix: `x`, `x_2`, `x_3`.
 */
export class Namer {
  private readonly taken: Set<string>;
  /**
   * The next suffix to try for each stem. Names are never released, so the smallest free suffix
   * is past the last one handed out: probing from 2 each time cost n² for n values of one stem.
   */
  private readonly next: Map<string, number>;

  constructor(taken: Iterable<string> = [], next?: ReadonlyMap<string, number>) {
    this.taken = new Set(taken);
    this.next = new Map(next);
  }

  /** A fresh identifier for `wanted`. */
  fresh(wanted: string): string {
    let stem = identifierStem(wanted);
    if (RESERVED.has(stem)) stem = `${stem}_`;
    let name = stem;
    if (this.taken.has(name)) {
      let i = this.next.get(stem) ?? 2;
      while (this.taken.has((name = `${stem}_${i}`))) i++;
      this.next.set(stem, i + 1);
    }
    this.taken.add(name);
    return name;
  }

  /** A child scope: sees this scope's names as taken, adds its own without touching this one. */
  child(): Namer {
    return new Namer(this.taken, this.next);
  }
}
