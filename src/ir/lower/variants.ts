/**
 * The body a variant runs. A variant (`model B extends A`) runs its base's body with two kinds of
 * change: a `replace let head = ...` (or `replace output`, `loss`, `mask`, `memory`) takes the
 * place of the base's top-level binding of that name, where the base had it, so later statements
 * of the base read the replacement and its modules keep the base's names; any other binding or
 * `if` the variant states is added after the base's body, and its inputs are declared before the
 * base's body (so that a replacement may read them). Config overrides and expectations are
 * not statements of the body (model.ts reads them). Down a chain, each variant changes the body
 * its own base runs, so `C extends B` may replace what `B` added.
 */
import type * as A from '../../syntax/ast.js';
import { didYouMean } from '../../util/did-you-mean.js';
import type { ChainLink } from './lowering.js';
import type { Reporter } from './reporter.js';

/** A statement of the body, with the file that states it (a variant may live in another file). */
export interface BodyStmt {
  stmt: A.Stmt;
  file: string;
}

export interface VariantBody {
  body: BodyStmt[];
  /** The `replace` statements that found their binding: any other `replace` is misplaced. */
  replacements: Set<A.Stmt>;
}

/** The body of `chain[0]` (the chain runs from the model to its root base). */
export function variantBody(chain: readonly ChainLink[], reporter: Reporter): VariantBody {
  const root = chain[chain.length - 1];
  let body: BodyStmt[] = root.decl.body.map((stmt) => ({ stmt, file: root.file }));
  /** The variants' inputs, in chain order: declared before the base's body. */
  const inputs: BodyStmt[] = [];
  const replacements = new Set<A.Stmt>();
  for (let i = chain.length - 2; i >= 0; i--) {
    const link = chain[i];
    const base = chain[i + 1].decl.name.name;
    const added: BodyStmt[] = [];
    const replacedHere = new Map<string, A.ReplaceableStmt>();
    for (const s of link.decl.body) {
      if (s.kind === 'ConfigBlock' || s.kind === 'AssignStmt' || s.kind === 'ExpectStmt' || s.kind === 'ErrorStmt') continue;
      const name = boundName(s);
      if (isReplacing(s)) {
        if (!name) continue; // a syntax error, already reported
        const earlier = replacedHere.get(name);
        if (earlier) {
          reporter.error('TFM2002', `\`${name}\` is replaced twice`, { file: link.file, span: s.name!.span }, {
            secondary: [{ file: link.file, span: earlier.name!.span, message: 'first replaced here' }],
            help: 'keep one `replace` for each binding of the base',
          });
          continue;
        }
        const at = body.findIndex((b) => boundName(b.stmt) === name && !isInput(b.stmt));
        const target = at >= 0 ? (body[at].stmt as A.ReplaceableStmt) : undefined;
        if (!target || keywordOf(target) !== keywordOf(s)) {
          reportMissing(reporter, s, link.file, base, target && { stmt: target, file: body[at].file }, body);
          continue;
        }
        replacedHere.set(name, s);
        replacements.add(s);
        body[at] = { stmt: s, file: link.file };
        continue;
      }
      const clash = name ? [...inputs, ...body].find((b) => boundName(b.stmt) === name) : undefined;
      if (clash && name) {
        const replaceable = !isInput(clash.stmt) && !isInput(s);
        reporter.error('TFM2002', `\`${name}\` is already defined by \`${base}\``, { file: link.file, span: nameSpan(s)! }, {
          secondary: [{ file: clash.file, span: nameSpan(clash.stmt)!, message: 'defined here' }],
          help: replaceable
            ? `to change it in this variant, write \`replace ${keywordOf(clash.stmt as A.ReplaceableStmt)} ${name} = ...\``
            : 'a variant keeps the inputs of its base: give the new binding another name',
        });
        continue;
      }
      if (s.kind === 'InputDecl') inputs.push({ stmt: s, file: link.file });
      else added.push({ stmt: s, file: link.file });
    }
    body = [...body, ...added];
  }
  return { body: [...inputs, ...body], replacements };
}

/** Whether `s` is marked `replace`. */
export function isReplacing(s: A.Stmt): s is A.ReplaceableStmt & { replace: A.Replace } {
  return (s.kind === 'LetStmt' || s.kind === 'OutStmt' || s.kind === 'LossStmt' || s.kind === 'MaskStmt') && s.replace !== undefined;
}

/** The keyword a binding is made with: `let`, `output`, `loss`, `mask`, `memory` (or `out`). */
function keywordOf(s: A.ReplaceableStmt): string {
  return s.kind === 'LetStmt' ? 'let' : s.kind === 'LossStmt' ? 'loss' : s.keyword;
}

/** The name a top-level statement binds, if any (`output` and `out name` included). */
function boundName(s: A.Stmt): string | undefined {
  switch (s.kind) {
    case 'LetStmt':
    case 'LossStmt':
    case 'MaskStmt':
    case 'InputDecl':
      return s.name.name || undefined;
    case 'OutStmt':
      return s.name?.name || undefined;
    default:
      return undefined;
  }
}

function isInput(s: A.Stmt): boolean {
  return s.kind === 'InputDecl';
}

function nameSpan(s: A.Stmt): A.Ident['span'] | undefined {
  return s.kind === 'LetStmt' || s.kind === 'LossStmt' || s.kind === 'MaskStmt' || s.kind === 'InputDecl' ? s.name.span : s.kind === 'OutStmt' ? s.name?.span : undefined;
}

/** TFM2001: the base has no binding of that name made with that keyword. */
function reportMissing(
  reporter: Reporter,
  s: A.ReplaceableStmt,
  file: string,
  base: string,
  other: BodyStmt | undefined,
  body: readonly BodyStmt[],
): void {
  const name = s.name!.name;
  const keyword = keywordOf(s);
  const primary = { file, span: s.name!.span, message: 'not found' };
  if (other) {
    const theirs = keywordOf(other.stmt as A.ReplaceableStmt);
    reporter.error('TFM2001', `\`${base}\` has no \`${keyword} ${name}\` to replace: \`${name}\` is bound with \`${theirs}\``, primary, {
      secondary: [{ file: other.file, span: nameSpan(other.stmt)!, message: `\`${theirs} ${name}\` is here` }],
      help: `write \`replace ${theirs} ${name} = ...\``,
    });
    return;
  }
  const input = body.find((b) => isInput(b.stmt) && boundName(b.stmt) === name);
  const candidates = body.filter((b) => !isInput(b.stmt)).map((b) => boundName(b.stmt)).filter((n): n is string => n !== undefined);
  reporter.error('TFM2001', `\`${base}\` has no \`${keyword} ${name}\` to replace`, primary, {
    secondary: input ? [{ file: input.file, span: nameSpan(input.stmt)!, message: 'an input, which a variant cannot replace' }] : undefined,
    notes: input ? undefined : ['a variant can replace the `let`, `output`, `loss`, `mask` and `memory` bindings at the top level of its base'],
    help: input ? undefined : (didYouMean(name, candidates) ?? `to add a new binding, drop \`replace\`: \`${keyword} ${name} = ...\``),
  });
}
