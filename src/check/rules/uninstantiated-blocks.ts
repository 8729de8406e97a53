/**
 * Rule: names resolve, and statements sit in the right kind of body, even in blocks no model
 * instantiates. Such a block (a library file, or one
 * not used yet) gets no shape checks, but a misspelt name in it is still reported, so
 * `tfmc check lib.tfm` is useful on a file of blocks.
 *
 * A bare name passed as an argument or compared with `==`/`!=` may be an enum member (`norm: pre`),
 * which only the callee's types can decide: those positions are left to instantiation.
 */
import { diagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type * as A from '../../syntax/ast.js';
import { didYouMean } from '../../util/did-you-mean.js';
import { misplacement } from '../../ir/lower/statement-placement.js';
import type { Scope } from '../../ir/lower/scope.js';

export function unresolvedNamesInBlock(block: A.BlockDecl, file: string, scope: Scope): Diagnostic[] {
  const globals = scope.names();
  /** Which arguments of a call may be enum members: those of enum (or untyped) parameters. */
  const enumArgs = (callee: A.Expr): ((a: A.Arg, i: number) => boolean) => {
    const v = callee.kind === 'NameExpr' ? scope.lookup(callee.name)?.value : undefined;
    if (v?.kind === 'block') {
      const ps = v.block.decl.params;
      const loose = (p: A.ParamDecl | undefined) => !p || !p.type || p.type.kind === 'EnumType';
      return (a, i) => loose(a.name ? ps.find((p) => p.name.name === a.name!.name) : ps[i]);
    }
    if (v?.kind === 'op') {
      const specs = v.op.kind === 'layer' ? v.op.config : v.op.args;
      const loose = (t: string | undefined) => t === undefined || t === 'enum' || t === 'string';
      return (a, i) => loose((a.name ? specs.find((s) => s.name === a.name!.name) : specs[i])?.type);
    }
    return () => callee.kind !== 'CallExpr'; // a module's inputs are tensors; unknown callees: be lenient
  };
  const out: Diagnostic[] = [];
  const defined = new Set<string>(block.params.map((p) => p.name.name));
  const all = new Set<string>([...defined]);
  collectBound(block.body, all);

  // An item of a list may be a dimension of a shape, where a Capitalised name is a shape variable (`[B * 4, 49, d]`).
  const visitShapeItem = (e: A.Expr): void => {
    if (e.kind === 'NameExpr' && /^[A-Z]/.test(e.name)) return;
    if (e.kind === 'BinaryExpr') {
      visitShapeItem(e.left);
      visitShapeItem(e.right);
      return;
    }
    visit(e, false);
  };
  const visit = (e: A.Expr, maybeEnum: boolean): void => {
    switch (e.kind) {
      case 'NameExpr':
        if (!e.name || maybeEnum || defined.has(e.name) || globals.has(e.name)) return;
        if (all.has(e.name)) return; // defined later or in a branch: instantiation decides
        out.push(
          diagnostic('TFM2001', `cannot find \`${e.name}\` in this scope`, { file, span: e.span, message: 'not found' }, {
            help: (() => {
              const m = didYouMean(e.name, [...all, ...globals]);
              return m ? { message: m } : undefined;
            })(),
          }),
        );
        return;
      case 'UnaryExpr':
        return visit(e.operand, false);
      case 'BinaryExpr': {
        const cmp = e.op === '==' || e.op === '!=';
        visit(e.left, cmp);
        return visit(e.right, cmp);
      }
      case 'CallExpr': {
        visit(e.callee, false);
        const mayBeEnum = enumArgs(e.callee);
        let i = 0;
        for (const a of e.args) visit(a.value, mayBeEnum(a, a.name ? -1 : i++));
        return;
      }
      case 'MemberExpr':
        return visit(e.object, false);
      case 'RepeatExpr':
        visit(e.count, false);
        return visit(e.body, false);
      case 'ListExpr':
        // A list may be a shape, where a Capitalised name is a shape variable (`[B * 4, 49, d]`).
        for (const x of e.items) visitShapeItem(x);
        return;
      default:
        return;
    }
  };

  const run = (stmts: readonly A.Stmt[]): void => {
    for (const s of stmts) {
      const misplaced = misplacement(s, false);
      if (misplaced) out.push(diagnostic('TFM1006', misplaced.message, { file, span: s.span }, { help: { message: misplaced.help } }));
      switch (s.kind) {
        case 'InputDecl':
          for (const d of s.type.dims) if (!(d.kind === 'NameExpr' && /^[A-Z]/.test(d.name))) visitDim(d);
          defined.add(s.name.name);
          break;
        case 'LetStmt':
        case 'AssignStmt':
        case 'MaskStmt':
          visit(s.value, false);
          defined.add(s.name.name);
          break;
        case 'OutStmt':
        case 'LossStmt':
          visit(s.value, false);
          break;
        case 'ExpectStmt':
          visit(s.condition, false);
          break;
        case 'IfStmt':
          visit(s.condition, false);
          run(s.then);
          if (s.else) run(s.else);
          break;
        default:
          break;
      }
    }
  };
  const visitDim = (d: A.Expr): void => {
    if (d.kind === 'BinaryExpr') {
      for (const side of [d.left, d.right]) if (!(side.kind === 'NameExpr' && /^[A-Z]/.test(side.name))) visitDim(side);
    } else visit(d, false);
  };
  for (const p of block.params) if (p.default) visit(p.default, true);
  run(block.body);
  return out;
}

function collectBound(stmts: readonly A.Stmt[], out: Set<string>): void {
  for (const s of stmts) {
    if (s.kind === 'LetStmt' || s.kind === 'MaskStmt' || s.kind === 'InputDecl') out.add(s.name.name);
    else if (s.kind === 'IfStmt') {
      collectBound(s.then, out);
      if (s.else) collectBound(s.else, out);
    }
  }
}
