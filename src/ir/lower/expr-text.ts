/** Source-like text of expressions, for diagnostics and editor hovers. */
import type * as A from '../../syntax/ast.js';

/** Compact source-like text of an expression, for messages. */
export function exprText(e: A.Expr): string {
  switch (e.kind) {
    case 'IntLit':
    case 'FloatLit':
      return e.text;
    case 'BoolLit':
      return String(e.value);
    case 'StringLit':
      return e.text;
    case 'NameExpr':
      return e.name;
    case 'UnaryExpr':
      return `${e.op}${exprText(e.operand)}`;
    case 'BinaryExpr':
      return `${exprText(e.left)} ${e.op} ${exprText(e.right)}`;
    case 'CallExpr':
      return `${exprText(e.callee)}(${e.args.map((a) => (a.name ? `${a.name.name}: ` : '') + exprText(a.value)).join(', ')})`;
    case 'MemberExpr':
      return `${exprText(e.object)}.${e.name.name}`;
    case 'RepeatExpr':
      return `repeat ${exprText(e.count)} { ... }`;
    case 'ListExpr':
      return `[${e.items.map(exprText).join(', ')}]`;
    case 'ErrorExpr':
      return '?';
  }
}
