/**
 * A limit on how deeply expressions nest. The parser reads long operator chains (`1 + 1 + …`,
 * `- - - x`, `a.b.b…`) in loops, but every later stage (lowering, rules, the formatter) walks
 * expressions recursively, and a chain of tens of thousands of operators would overflow the stack
 * there. No real spec comes near the limit; a generated one that does gets an error at the
 * expression instead of a crash, and the expression becomes an `ErrorExpr` hole.
 */
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Expr, SourceFile } from './ast.js';

/** Expression levels allowed (a call's arguments, an operand and a member each add one). */
export const MAX_EXPRESSION_DEPTH = 1000;

const EXPR_KINDS = new Set(['IntLit', 'FloatLit', 'BoolLit', 'StringLit', 'NameExpr', 'UnaryExpr', 'BinaryExpr', 'CallExpr', 'MemberExpr', 'RepeatExpr', 'ListExpr', 'ErrorExpr', 'Arg']);

interface Slot {
  holder: Record<string, unknown> | unknown[];
  key: string | number;
  depth: number;
}

/** Replaces expressions nested deeper than the limit by `ErrorExpr` and reports each (once per outermost expression). */
export function limitExpressionDepth(file: SourceFile, fileName: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const reported = new Set<number>(); // lines: one report per line, as for other syntax errors
  // Iterative: the point is to survive inputs that recursion would not.
  const stack: Slot[] = [{ holder: { file } as Record<string, unknown>, key: 'file', depth: 0 }];
  while (stack.length) {
    const { holder, key, depth } = stack.pop()!;
    const node = (holder as Record<string | number, unknown>)[key];
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) stack.push({ holder: node, key: i, depth });
      continue;
    }
    const kind = (node as { kind?: unknown }).kind;
    if (typeof kind !== 'string') continue;
    // Every level takes at least one character: text shorter than the room left cannot overflow it
    // (this skips nearly every statement of a real file).
    const span = (node as { span?: Expr['span'] }).span;
    if (span && span.end.offset - span.start.offset + depth < MAX_EXPRESSION_DEPTH) continue;
    const isExpr = EXPR_KINDS.has(kind);
    const level = isExpr ? depth + 1 : 0;
    if (level > MAX_EXPRESSION_DEPTH) {
      if (!reported.has(span!.start.line)) {
        reported.add(span!.start.line);
        out.push(
          diagnostic('TFM1004', `this expression nests more than ${MAX_EXPRESSION_DEPTH} levels deep`, { file: fileName, span: span! }, {
            help: { message: 'split it into `let` bindings' },
          }),
        );
      }
      (holder as Record<string | number, unknown>)[key] = kind === 'Arg' ? { ...(node as object), value: { kind: 'ErrorExpr', span } } : { kind: 'ErrorExpr', span: span! };
      continue;
    }
    for (const [k, v] of Object.entries(node)) {
      if (k !== 'span' && k !== 'opSpan' && v !== null && typeof v === 'object') stack.push({ holder: node as Record<string, unknown>, key: k, depth: level });
    }
  }
  return out;
}
