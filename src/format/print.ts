/**
 * AST (+ comments) → document: the canonical layout of a `.tfm` file, described in
 * docs/format.md. Only whitespace, parentheses and optional punctuation (`;`, trailing commas)
 * are decided here; every name, literal (as written) and comment comes from the source.
 */
import type { IToken } from 'chevrotain';
import type * as A from '../syntax/ast.js';
import { BINARY_PRECEDENCE, COMPARISON_PRECEDENCE } from '../syntax/ast.js';
import { tokenize } from '../syntax/lexer.js';
import { attachComments, CommentPool, SourceText, type AttachedList, type PlacedComment } from './comments.js';
import { breakParent, fill, group, hardline, ifBreak, indent, join, line, softline, suffix, type Doc } from './doc.js';

export interface PrintOptions {
  /** Lines are kept within this many columns where a break is allowed (comments may run over). */
  width: number;
  indent: number;
}

export const DEFAULT_OPTIONS: PrintOptions = { width: 100, indent: 2 };

/** Binding power of binary operators (grammar/README.md, "Operator precedence"): the parser's. */
const PRECEDENCE = BINARY_PRECEDENCE;
const COMPARISON = COMPARISON_PRECEDENCE;
const UNARY = 8;
const POWER = 9;
/** What a repeat count may contain without parentheses: an additive expression. */
const ADDITIVE = 6;

/** Precedence of an expression as an operand (postfix expressions and primaries bind tightest). */
function precedenceOf(e: A.Expr): number {
  if (e.kind === 'BinaryExpr') return PRECEDENCE[e.op];
  if (e.kind === 'UnaryExpr') return UNARY;
  return 11;
}

export class Printer {
  private readonly pool: CommentPool;
  private readonly src: SourceText;
  private readonly tokens: IToken[];

  constructor(
    private readonly file: A.SourceFile,
    text: string,
  ) {
    this.pool = new CommentPool(file.comments);
    this.src = new SourceText(text);
    this.tokens = tokenize(text).tokens;
  }

  /** The whole file; every comment is placed somewhere (see `unplaced`). */
  print(): Doc {
    const list = attachComments(this.file.items, 0, this.src.text.length, this.pool, this.src);
    const docs: Doc[] = [];
    list.entries.forEach((entry, i) => {
      const item = this.withLeftovers(entry.element, () => this.item(entry.element));
      const prev = list.entries[i - 1]?.element;
      // Declarations are set apart by a blank line; imports may stay together.
      const blank = entry.blankBefore || (prev !== undefined && !(prev.kind === 'ImportDecl' && entry.element.kind === 'ImportDecl'));
      if (i > 0) docs.push(blank ? [hardline, hardline] : hardline);
      docs.push(this.withComments(entry.leading, item.leftovers, item.doc, entry.trailing));
    });
    const dangling = this.dangling(list, docs.length > 0);
    return [docs, dangling];
  }

  /** Comments no region claimed; non-empty only if the formatter has a bug. */
  unplaced(): A.Comment[] {
    return this.pool.left();
  }

  // ── comments ──

  /** Prints `element` with `print`, then claims the comments inside it that no inner list took. */
  private withLeftovers<T extends { span: { start: { offset: number }; end: { offset: number } } }>(
    element: T,
    print: () => Doc,
  ): { doc: Doc; leftovers: A.Comment[] } {
    const doc = print();
    return { doc, leftovers: this.pool.take(element.span.start.offset, element.span.end.offset) };
  }

  private withComments(leading: PlacedComment[], leftovers: A.Comment[], doc: Doc, trailing: A.Comment[]): Doc {
    const out: Doc[] = [];
    for (const c of leading) {
      out.push(c.comment.text.trimEnd(), c.breakAfter ? (c.blankAfter ? [hardline, hardline] : hardline) : ' ');
    }
    for (const c of leftovers) {
      const lineComment = c.text.startsWith('//');
      out.push(c.text.trimEnd(), lineComment ? hardline : ' ');
    }
    out.push(doc);
    for (const c of trailing) {
      if (c.text.startsWith('//')) out.push(suffix(c.text.trimEnd()), breakParent);
      else out.push(' ', c.text);
    }
    return out;
  }

  /** The comments before a closing bracket, each on its own line, after `hasBefore` content. */
  private dangling(list: AttachedList<unknown>, hasBefore: boolean): Doc {
    if (list.dangling.length === 0) return '';
    const out: Doc[] = [];
    list.dangling.forEach((c, i) => {
      if (i > 0 || hasBefore) {
        const blank = i === 0 ? list.danglingBlankBefore : list.dangling[i - 1].blankAfter;
        out.push(blank ? [hardline, hardline] : hardline);
      }
      out.push(c.comment.text.trimEnd());
    });
    return [out, breakParent];
  }

  // ── tokens (for the brackets the AST does not record) ──

  /** Start offset of the first token spelled `image` at or after `from`, or `fallback`. */
  private tokenAt(image: string, from: number, fallback: number): number {
    let lo = 0;
    let hi = this.tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.tokens[mid].startOffset < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.tokens.length; i++) if (this.tokens[i].image === image) return this.tokens[i].startOffset;
    return fallback;
  }

  // ── items ──

  private item(item: A.Item): Doc {
    switch (item.kind) {
      case 'ImportDecl':
        return ['import ', item.path.text];
      case 'BlockDecl': {
        const open = this.tokenAt('(', item.name.span.end.offset, item.name.span.end.offset);
        const lastParam = item.params[item.params.length - 1];
        const close = this.tokenAt(')', lastParam ? lastParam.span.end.offset : open + 1, item.span.end.offset);
        const params = this.commaList(item.params, open + 1, close, (p) => this.param(p));
        return ['block ', item.name.name, '(', params, ') ', this.body(item.body, close + 1, item.span.end.offset)];
      }
      case 'ModelDecl': {
        const header = (item.base ?? item.name).span.end.offset;
        return [
          'model ',
          item.name.name,
          item.base ? [' extends ', item.base.name] : '',
          ' ',
          this.body(item.body, header, item.span.end.offset),
        ];
      }
    }
  }

  private param(p: A.ParamDecl): Doc {
    return [p.name.name, p.type ? [': ', this.valueType(p.type)] : '', p.default ? [' = ', this.expr(p.default)] : ''];
  }

  private valueType(t: A.ValueType): string {
    return t.kind === 'NamedType' ? t.name.name : `enum(${t.members.map((m) => m.name).join(', ')})`;
  }

  /**
   * `(a, b)` on one line if it fits, else one element per line with a trailing comma. The
   * brackets themselves are the caller's: this is what goes between them.
   */
  private commaList<T extends { span: A.Ident['span'] }>(
    elements: T[],
    start: number,
    end: number,
    print: (e: T) => Doc,
    hug: (e: T) => boolean = () => false,
    packed = false,
  ): Doc {
    const list = attachComments(elements, start, end, this.pool, this.src);
    let commented = list.dangling.length > 0;
    const docs = list.entries.map((entry) => {
      const printed = this.withLeftovers(entry.element, () => print(entry.element));
      if (entry.leading.length + printed.leftovers.length + entry.trailing.length > 0) commented = true;
      return this.withComments(entry.leading, printed.leftovers, printed.doc, entry.trailing);
    });
    if (docs.length === 0 && list.dangling.length === 0) return '';
    // `drop(norm(decoder(...)))`: a sole argument that can break on its own stays on the line.
    if (docs.length === 1 && !commented && hug(list.entries[0].element)) return docs[0];
    if (packed && !commented) {
      // Too long for one line: as many arguments per line as fit, like words in a paragraph.
      const parts = docs.flatMap((d, i) => (i === 0 ? [[d, ',']] : [line, [d, ',']]));
      return group([indent([softline, ifBreak(fill(parts), join([',', line], docs))]), softline]);
    }
    return group([
      indent([softline, join([',', line], docs), docs.length > 0 ? ifBreak(',') : '', this.dangling(list, docs.length > 0)]),
      softline,
    ]);
  }

  // ── statements ──

  /** `{ statements }` with each statement on its own line. */
  private body(stmts: A.Stmt[], start: number, end: number): Doc {
    const inner = this.statements(stmts, start, end);
    if (inner === '') return '{}';
    return ['{', indent([hardline, inner]), hardline, '}'];
  }

  /** Statements separated by line breaks, blank lines kept (one at most); '' for none. */
  private statements(stmts: A.Stmt[], start: number, end: number): Doc {
    const list = attachComments(stmts, start, end, this.pool, this.src);
    return this.lines(list, (s) => this.stmt(s));
  }

  private lines<T extends { span: A.Ident['span'] }>(list: AttachedList<T>, print: (e: T) => Doc): Doc {
    const docs: Doc[] = [];
    list.entries.forEach((entry, i) => {
      const printed = this.withLeftovers(entry.element, () => print(entry.element));
      if (i > 0) docs.push(entry.blankBefore ? [hardline, hardline] : hardline);
      docs.push(this.withComments(entry.leading, printed.leftovers, printed.doc, entry.trailing));
    });
    const dangling = this.dangling(list, docs.length > 0);
    return docs.length === 0 && dangling === '' ? '' : [docs, dangling];
  }

  private stmt(s: A.Stmt): Doc {
    const doc = this.stmtItself(s);
    return 'replace' in s && s.replace ? ['replace ', doc] : doc;
  }

  private stmtItself(s: A.Stmt): Doc {
    switch (s.kind) {
      case 'ConfigBlock':
        return this.config(s);
      case 'InputDecl':
        return [
          s.keyword,
          ' ',
          s.name.name,
          ': ',
          this.tensorType(s.type),
          s.optional ? '?' : '',
          s.range ? [' in [', this.expr(s.range.low), ', ', this.expr(s.range.high), s.range.highInclusive ? ']' : ')'] : '',
          s.constraints.length > 0 ? [' where ', join(', ', s.constraints.map((c) => this.expr(c)))] : '',
        ];
      case 'LetStmt':
        return ['let ', s.name.name, ' = ', this.expr(s.value)];
      case 'AssignStmt':
        return [s.name.name, ' = ', this.expr(s.value)];
      case 'OutStmt':
        return [s.keyword, ' ', s.name ? [s.name.name, ' = '] : '', this.expr(s.value)];
      case 'LossStmt':
        return ['loss ', s.name.name, ' = ', this.expr(s.value)];
      case 'MaskStmt':
        return [s.keyword, ' ', s.name.name, ' = ', this.expr(s.value)];
      case 'ExpectStmt':
        return ['expect ', this.expr(s.condition)];
      case 'IfStmt':
        return group(this.ifChain(s));
      case 'ErrorStmt':
        throw new Error('internal: the formatter was given a tree with syntax errors');
    }
  }

  private tensorType(t: A.TensorType): Doc {
    return [t.dtype.name, '[', join(', ', t.dims.map((d) => this.expr(d))), ']'];
  }

  /**
   * `config { ... }`: one entry per line; in a run of entries not broken by a blank line the `=`
   * signs line up (as in the shipped specs).
   */
  private config(c: A.ConfigBlock): Doc {
    const list = attachComments(c.entries, c.span.start.offset, c.span.end.offset, this.pool, this.src);
    const names = list.entries.map((e) => e.element.name.name + (e.element.type ? `: ${this.valueType(e.element.type)}` : ''));
    const widths: number[] = [];
    for (let i = 0; i < names.length; ) {
      let j = i + 1;
      while (j < names.length && !list.entries[j].blankBefore) j++;
      const width = Math.max(...names.slice(i, j).map((n) => n.length));
      for (let k = i; k < j; k++) widths.push(width);
      i = j;
    }
    let index = 0;
    const inner = this.lines(list, (e) => {
      const k = index++;
      return [names[k].padEnd(widths[k]), ' = ', this.expr(e.value)];
    });
    if (inner === '') return 'config {}';
    return ['config {', indent([hardline, inner]), hardline, '}'];
  }

  /**
   * `if c { s } else if d { t } else { u }` on one line when it fits and every branch is one
   * plain statement without comments; otherwise each branch is a block of lines.
   */
  private ifChain(s: A.IfStmt): Doc[] {
    const thenOpen = this.tokenAt('{', s.condition.span.end.offset, s.condition.span.end.offset);
    const lastThen = s.then[s.then.length - 1];
    const elseAt = s.else ? this.tokenAt('else', lastThen ? lastThen.span.end.offset : thenOpen + 1, s.span.end.offset) : -1;
    const out: Doc[] = ['if ', this.expr(s.condition), ' ', this.branch(s.then, thenOpen + 1, s.else ? elseAt : s.span.end.offset)];
    if (!s.else) return out;
    const elseEnd = elseAt + 'else'.length;
    const chained = s.else.length === 1 && s.else[0].kind === 'IfStmt' && this.tokenAt('if', elseEnd, -1) === s.else[0].span.start.offset;
    if (chained) {
      // Comments between `else` and `if` have no list to go to: leftovers of the whole chain.
      return [...out, ' else ', ...this.ifChain(s.else[0] as A.IfStmt)];
    }
    return [...out, ' else ', this.branch(s.else, elseEnd, s.span.end.offset)];
  }

  private branch(stmts: A.Stmt[], start: number, end: number): Doc {
    const before = this.pool.count;
    const list = attachComments(stmts, start, end, this.pool, this.src);
    const inner = this.lines(list, (st) => this.stmt(st));
    if (inner === '') return '{}';
    // Any comment in the branch (around or inside its statement) keeps it on lines of its own.
    const simple = stmts.length === 1 && this.pool.count === before && stmts[0].kind !== 'IfStmt' && stmts[0].kind !== 'ConfigBlock';
    return ['{', indent([simple ? line : hardline, inner]), simple ? line : hardline, '}'];
  }

  // ── expressions ──

  expr(e: A.Expr): Doc {
    switch (e.kind) {
      case 'IntLit':
      case 'FloatLit':
      case 'StringLit':
        return e.text;
      case 'BoolLit':
        return e.value ? 'true' : 'false';
      case 'NameExpr':
        return e.name;
      case 'UnaryExpr': {
        // The operand of a prefix operator is another prefix expression or a power (`-x ^ 2`).
        const operand = precedenceOf(e.operand) >= UNARY ? this.expr(e.operand) : this.parens(e.operand);
        return [e.op, operand];
      }
      case 'BinaryExpr':
        return this.binary(e);
      case 'CallExpr': {
        const open = this.tokenAt('(', e.callee.span.end.offset, e.callee.span.end.offset);
        const args = this.commaList(
          e.args,
          open + 1,
          e.span.end.offset,
          (a) => this.arg(a),
          (a) => a.name === undefined && a.value.kind === 'CallExpr' && a.value.args.length > 0,
          true,
        );
        return [this.postfixOperand(e.callee), '(', args, ')'];
      }
      case 'MemberExpr':
        return [this.postfixOperand(e.object), '.', e.name.name];
      case 'RepeatExpr': {
        const count = precedenceOf(e.count) >= ADDITIVE ? this.expr(e.count) : this.parens(e.count);
        const list = attachComments([e.body], e.count.span.end.offset, e.span.end.offset, this.pool, this.src);
        const body = this.lines(list, (b) => this.expr(b));
        return group(['repeat ', count, e.shared ? ' shared' : '', ' {', indent([line, body]), line, '}']);
      }
      case 'ListExpr': {
        const items = this.commaList(e.items, e.span.start.offset + 1, e.span.end.offset, (x) => this.expr(x), () => false, true);
        return ['[', items, ']'];
      }
      case 'ErrorExpr':
        throw new Error('internal: the formatter was given a tree with syntax errors');
    }
  }

  private arg(a: A.Arg): Doc {
    return a.name ? [a.name.name, ': ', this.expr(a.value)] : this.expr(a.value);
  }

  private parens(e: A.Expr): Doc {
    return ['(', this.expr(e), ')'];
  }

  /** The callee of a call or the object of a member access: a postfix expression or a primary. */
  private postfixOperand(e: A.Expr): Doc {
    return e.kind === 'BinaryExpr' || e.kind === 'UnaryExpr' ? this.parens(e) : this.expr(e);
  }

  /**
   * A chain of operators of one precedence, `a + b - c`, may break after each operator; operands
   * are parenthesised only where the grammar needs it.
   */
  private binary(e: A.BinaryExpr): Doc {
    const prec = PRECEDENCE[e.op];
    if (prec === POWER) {
      // Right-associative, and its left side must be a postfix expression: `(-x) ^ 2`, `(a ^ b) ^ c`.
      const left = precedenceOf(e.left) > POWER ? this.expr(e.left) : this.parens(e.left);
      const right = precedenceOf(e.right) >= UNARY ? this.expr(e.right) : this.parens(e.right);
      return [left, ' ^ ', right];
    }
    // Flatten the left spine of same-precedence (left-associative) operators.
    const operands: A.Expr[] = [];
    const ops: A.BinaryOp[] = [];
    let left: A.Expr = e;
    while (left.kind === 'BinaryExpr' && PRECEDENCE[left.op] === prec && prec !== COMPARISON) {
      operands.unshift(left.right);
      ops.unshift(left.op);
      left = left.left;
    }
    if (prec === COMPARISON) {
      operands.unshift(e.right);
      ops.unshift(e.op);
      left = e.left;
    }
    // Left operand: looser binds need parens, and so does another comparison (they do not chain).
    const first = precedenceOf(left) > prec || (precedenceOf(left) === prec && prec !== COMPARISON) ? this.expr(left) : this.parens(left);
    const rest = operands.map((operand, i) => {
      // Right operands of a left-associative operator need parens at equal precedence.
      const doc = precedenceOf(operand) > prec ? this.expr(operand) : this.parens(operand);
      return [' ', ops[i], line, doc];
    });
    return group([first, indent(rest)]);
  }
}
