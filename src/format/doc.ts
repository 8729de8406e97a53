/**
 * A small document algebra for layout (in the spirit of Wadler's "prettier printer"): the
 * formatter describes *what may break* (groups, lines, indentation) and `printDoc` decides *what
 * does break*, filling lines up to a width. A group is printed flat when everything up to the
 * next possible break fits; otherwise its lines become newlines and its inner groups get their
 * own chance.
 *
 * Trailing comments are `suffix` docs: they are held back to the end of the current line (after
 * a `,` printed later) and come out as their own column, so that runs of them can be aligned.
 */

export type Doc = string | Doc[] | Group | Fill | Indent | Line | IfBreak | Suffix | BreakParent;

export interface Group {
  kind: 'group';
  contents: Doc;
  /** Set by `propagateBreaks` when the contents hold a hard line: printed broken, always. */
  broken: boolean;
}
/**
 * Items separated by lines, packed like words in a paragraph: a separator breaks only when the
 * item after it does not fit on the current line. `parts` alternate item, separator, item, ...
 */
export interface Fill {
  kind: 'fill';
  parts: Doc[];
}
export interface Indent {
  kind: 'indent';
  contents: Doc;
}
/** A newline when its group breaks; else a space (`soft`: nothing). `hard` always breaks. */
export interface Line {
  kind: 'line';
  soft: boolean;
  hard: boolean;
}
export interface IfBreak {
  kind: 'ifBreak';
  broken: Doc;
  flat: Doc;
}
/** Text printed at the end of the current line (a trailing `// comment`). */
export interface Suffix {
  kind: 'suffix';
  text: string;
}
/** Forces the enclosing groups to break (a line comment cannot have code after it). */
export interface BreakParent {
  kind: 'breakParent';
}

export const line: Line = { kind: 'line', soft: false, hard: false };
export const softline: Line = { kind: 'line', soft: true, hard: false };
export const hardline: Line = { kind: 'line', soft: false, hard: true };
export const breakParent: BreakParent = { kind: 'breakParent' };

export const group = (contents: Doc): Group => ({ kind: 'group', contents, broken: false });
export const fill = (parts: Doc[]): Fill => ({ kind: 'fill', parts });
export const indent = (contents: Doc): Indent => ({ kind: 'indent', contents });
export const ifBreak = (broken: Doc, flat: Doc = ''): IfBreak => ({ kind: 'ifBreak', broken, flat });
export const suffix = (text: string): Suffix => ({ kind: 'suffix', text });

export function join(separator: Doc, docs: Doc[]): Doc[] {
  const out: Doc[] = [];
  docs.forEach((d, i) => {
    if (i > 0) out.push(separator);
    out.push(d);
  });
  return out;
}

/** Marks every group that contains a hard line or a break marker as broken; returns whether `doc` does. */
export function propagateBreaks(doc: Doc): boolean {
  if (typeof doc === 'string') return false;
  if (Array.isArray(doc)) {
    let any = false;
    for (const d of doc) if (propagateBreaks(d)) any = true;
    return any;
  }
  switch (doc.kind) {
    case 'group':
      if (propagateBreaks(doc.contents)) doc.broken = true;
      return doc.broken;
    case 'fill': {
      let any = false;
      for (const d of doc.parts) if (propagateBreaks(d)) any = true;
      return any;
    }
    case 'indent':
      return propagateBreaks(doc.contents);
    case 'line':
      return doc.hard;
    case 'ifBreak':
      // Only the broken variant can be taken inside a broken group; its hard lines count.
      return propagateBreaks(doc.broken) || propagateBreaks(doc.flat);
    case 'suffix':
      return false;
    case 'breakParent':
      return true;
  }
}

/** One printed line: its code and the trailing comments that end it. */
export interface PrintedLine {
  code: string;
  comments: string[];
}

type Mode = 'flat' | 'break';
type Frame = [indent: number, mode: Mode, doc: Doc];

/**
 * Lays `doc` out within `width` columns, indenting by `indentWidth` spaces per level. Returns the
 * lines without their breaks (trailing spaces removed), each with its held-back suffixes.
 */
export function printDoc(doc: Doc, width: number, indentWidth: number): PrintedLine[] {
  propagateBreaks(doc);
  const lines: PrintedLine[] = [];
  let current = '';
  let pending: string[] = [];
  const stack: Frame[] = [[0, 'break', doc]];

  const newline = (indentation: number) => {
    lines.push({ code: current.trimEnd(), comments: pending });
    pending = [];
    current = ' '.repeat(indentation);
  };

  while (stack.length > 0) {
    const [ind, mode, d] = stack.pop()!;
    if (typeof d === 'string') {
      current += d;
      continue;
    }
    if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) stack.push([ind, mode, d[i]]);
      continue;
    }
    switch (d.kind) {
      case 'group': {
        const flat = !d.broken && fits([ind, 'flat', d.contents], stack, width - current.length);
        stack.push([ind, flat ? 'flat' : 'break', d.contents]);
        break;
      }
      case 'fill': {
        // Print the first item (flat if it fits); the separator before the next item breaks
        // only if that item does not fit after it. The rest goes back on the stack as a fill.
        const [item, separator, next] = d.parts;
        if (item === undefined) break;
        const room = width - current.length;
        const itemFlat = fits([ind, 'flat', item], [], room);
        if (separator === undefined) {
          stack.push([ind, itemFlat ? 'flat' : 'break', item]);
          break;
        }
        const pairFlat = fits([ind, 'flat', [item, separator, next]], [], room);
        stack.push([ind, mode, { kind: 'fill', parts: d.parts.slice(2) }]);
        stack.push([ind, pairFlat ? 'flat' : 'break', separator]);
        stack.push([ind, itemFlat ? 'flat' : 'break', item]);
        break;
      }
      case 'indent':
        stack.push([ind + indentWidth, mode, d.contents]);
        break;
      case 'line':
        if (mode === 'flat' && !d.hard) current += d.soft ? '' : ' ';
        else newline(ind);
        break;
      case 'ifBreak':
        stack.push([ind, mode, mode === 'break' ? d.broken : d.flat]);
        break;
      case 'suffix':
        pending.push(d.text);
        break;
      case 'breakParent':
        break;
    }
  }
  lines.push({ code: current.trimEnd(), comments: pending });
  return lines;
}

/**
 * Whether `next` printed flat, followed by the rest of the stack in its own modes up to its first
 * line break, fits in `room` columns.
 */
function fits(next: Frame, rest: Frame[], room: number): boolean {
  const todo: Frame[] = [next];
  let restIndex = rest.length;
  while (room >= 0) {
    if (todo.length === 0) {
      if (restIndex === 0) return true;
      todo.push(rest[--restIndex]);
      continue;
    }
    const [ind, mode, d] = todo.pop()!;
    if (typeof d === 'string') {
      room -= d.length;
      continue;
    }
    if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) todo.push([ind, mode, d[i]]);
      continue;
    }
    switch (d.kind) {
      case 'group':
        todo.push([ind, d.broken ? 'break' : mode, d.contents]);
        break;
      case 'fill':
        for (let i = d.parts.length - 1; i >= 0; i--) todo.push([ind, mode, d.parts[i]]);
        break;
      case 'indent':
        todo.push([ind, mode, d.contents]);
        break;
      case 'line':
        if (mode === 'break' || d.hard) return true;
        room -= d.soft ? 0 : 1;
        break;
      case 'ifBreak':
        todo.push([ind, mode, mode === 'break' ? d.broken : d.flat]);
        break;
      case 'suffix':
      case 'breakParent':
        break;
    }
  }
  return false;
}
