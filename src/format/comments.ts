/**
 * Where each comment goes when a spec is re-laid out.
 *
 * The AST keeps comments in one list with their positions. The formatter hands them out list by
 * list (statements, config entries, parameters, call arguments, a repeat body), from the outside
 * in: a comment between two elements of a list is *trailing* for the element before it when it
 * starts on that element's last line, and *leading* for the next one otherwise; one after the
 * last element is trailing for it or *dangling* (printed before the closing bracket). A comment
 * that falls where no list has a gap (a block comment between `let x` and `=`) is claimed last, by the innermost
 * list element around it, and printed before that element: moved, never lost.
 */
import type { Comment } from '../syntax/ast.js';
import type { Span } from '../diagnostics/spans.js';

export class CommentPool {
  private readonly taken: boolean[];
  /** How many comments were taken so far (to tell whether printing something placed any). */
  count = 0;

  constructor(private readonly comments: readonly Comment[]) {
    this.taken = comments.map(() => false);
  }

  /** The comments lying wholly in `[start, end)` that no one took yet, in source order. */
  take(start: number, end: number): Comment[] {
    const out: Comment[] = [];
    let lo = 0;
    let hi = this.comments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.comments[mid].span.start.offset < start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.comments.length; i++) {
      const c = this.comments[i];
      if (c.span.start.offset >= end) break;
      if (this.taken[i] || c.span.end.offset > end) continue;
      this.taken[i] = true;
      this.count++;
      out.push(c);
    }
    return out;
  }

  /** Comments never taken (none, if the formatter covered every region). */
  left(): Comment[] {
    return this.comments.filter((_, i) => !this.taken[i]);
  }
}

/** A comment placed before an element (or before a closing bracket), with the layout it had. */
export interface PlacedComment {
  comment: Comment;
  /** A line break follows it (always, for a line comment): what comes next starts a new line. */
  breakAfter: boolean;
  /** A blank line followed it in the source. */
  blankAfter: boolean;
}

export interface ListEntry<T> {
  element: T;
  leading: PlacedComment[];
  trailing: Comment[];
  /** A blank line separated it (or its first leading comment) from what came before. */
  blankBefore: boolean;
}

export interface AttachedList<T> {
  entries: ListEntry<T>[];
  /** Comments after the last element, on lines of their own, before the closing bracket. */
  dangling: PlacedComment[];
  /** A blank line before the first dangling comment. */
  danglingBlankBefore: boolean;
}

/** Source facts the attachment needs: where lines break. */
export class SourceText {
  constructor(readonly text: string) {}

  /** Whether `[from, to)` holds a blank line (two line breaks). */
  blankBetween(from: number, to: number): boolean {
    const first = this.text.indexOf('\n', from);
    if (first < 0 || first >= to) return false;
    const second = this.text.indexOf('\n', first + 1);
    return second >= 0 && second < to;
  }

  /** Whether `[from, to)` holds a `,` (called on gaps that hold only whitespace and punctuation). */
  commaBetween(from: number, to: number): boolean {
    const i = this.text.indexOf(',', from);
    return i >= 0 && i < to;
  }

  /** Whether `[from, to)` holds a line break. */
  breakBetween(from: number, to: number): boolean {
    const i = this.text.indexOf('\n', from);
    return i >= 0 && i < to;
  }
}

/**
 * Takes the comments in the gaps of a list whose elements lie in `[regionStart, regionEnd)` and
 * says which element each belongs to. Comments inside an element's span are left for it.
 */
export function attachComments<T extends { span: Span }>(
  elements: readonly T[],
  regionStart: number,
  regionEnd: number,
  pool: CommentPool,
  src: SourceText,
): AttachedList<T> {
  const entries: ListEntry<T>[] = [];
  let prevEnd = -1; // end of the previous element or of its last trailing comment
  let waiting: Comment[] = []; // comments that will lead the next element
  let gapStart = regionStart;

  const place = (cs: Comment[], next: number): PlacedComment[] => {
    const following = (i: number) => (i + 1 < cs.length ? cs[i + 1].span.start.offset : next);
    return     cs.map((c, i) => ({
      comment: c,
      breakAfter: c.text.startsWith('//') || src.breakBetween(c.span.end.offset, following(i)),
      blankAfter: src.blankBetween(c.span.end.offset, following(i)),
    }));
  };

  /**
   * Trailing: on the line where the previous element ends, before anything else; a block
   * comment after the `,` with the next element still to come on its line leads that element
   * instead (`a, /* x *\/ b`), as it is printed.
   */
  const trails = (c: Comment, next: number) =>
    !src.breakBetween(prevEnd, c.span.start.offset) &&
    (c.text.startsWith('//') || !src.commaBetween(prevEnd, c.span.start.offset) || src.breakBetween(c.span.end.offset, next));

  const distribute = (gap: Comment[], next: number) => {
    const previous = entries[entries.length - 1];
    gap.forEach((c, k) => {
      // What follows the comment: the next comment of the gap, or the next element.
      if (previous && waiting.length === 0 && trails(c, gap[k + 1]?.span.start.offset ?? next)) {
        previous.trailing.push(c);
        prevEnd = c.span.end.offset;
      } else {
        waiting.push(c);
      }
    });
  };

  for (const element of elements) {
    distribute(pool.take(gapStart, element.span.start.offset), element.span.start.offset);
    const first = waiting[0]?.span.start.offset ?? element.span.start.offset;
    entries.push({
      element,
      leading: place(waiting, element.span.start.offset),
      trailing: [],
      blankBefore: prevEnd >= 0 && src.blankBetween(prevEnd, first),
    });
    waiting = [];
    prevEnd = element.span.end.offset;
    gapStart = element.span.end.offset;
  }
  distribute(pool.take(gapStart, regionEnd), regionEnd);
  const danglingBlankBefore = waiting.length > 0 && prevEnd >= 0 && src.blankBetween(prevEnd, waiting[0].span.start.offset);
  return { entries, dangling: place(waiting, regionEnd), danglingBlankBefore };
}
