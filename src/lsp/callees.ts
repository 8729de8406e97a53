/**
 * What a call calls, and the arguments it takes: `DecoderLayer(...)` constructs a block,
 * `blocks(x, self_mask: m)` applies the stack `blocks` was bound to, `Linear(512)(x)` applies a
 * layer, `softmax(x)` calls a function. Found from the AST and the file's global scope (blocks,
 * imports, std, primitives), following `let` bindings, so it works while the model has errors.
 */
import type * as A from '../syntax/ast.js';
import type { ArgSpec, BlockDef, OpDef, Value } from '../ir/values.js';
import type { Scope } from '../ir/lower/scope.js';
import { exprText } from '../ir/lower/expr-text.js';
import { localDecls } from './names.js';

export type Target = { block: BlockDef; op?: undefined } | { op: OpDef; block?: undefined };

export interface Callee {
  /** `construct`: a block or layer built from config arguments; `apply`: a module applied to tensors; `call`: a function. */
  stage: 'construct' | 'apply' | 'call';
  target: Target;
}

export interface ArgInfo {
  name: string;
  /** `int`, `float32[B, T, d_model]`, `enum(pre, post)`, ... */
  type: string;
  /** The default as written, absent when the argument is required. */
  default?: string;
  optional: boolean;
  doc?: string;
  /** Where a block declares it. */
  decl?: { file: string; ident: A.Ident };
}

type Item = A.BlockDecl | A.ModelDecl;

/** Resolves the callee expression of a call inside `item`. */
export function resolveCallee(callee: A.Expr, item: Item, globals: Scope, depth = 0): Callee | undefined {
  if (depth > 16) return undefined;
  if (callee.kind === 'NameExpr') {
    const local = localDecls(item).get(callee.name);
    if (local) {
      const s = local.stmt;
      if ((s.kind === 'LetStmt' || s.kind === 'AssignStmt') && s.value.kind !== 'NameExpr') {
        const built = builtBy(s.value, item, globals, depth + 1);
        return built ? { stage: 'apply', target: built } : undefined;
      }
      if (s.kind === 'LetStmt' && s.value.kind === 'NameExpr') return resolveCallee(s.value, item, globals, depth + 1);
      return undefined;
    }
    const g = globals.lookup(callee.name)?.value;
    return g ? fromGlobal(g) : undefined;
  }
  if (callee.kind === 'CallExpr' || callee.kind === 'RepeatExpr') {
    const built = builtBy(callee, item, globals, depth + 1);
    return built ? { stage: 'apply', target: built } : undefined;
  }
  return undefined;
}

function fromGlobal(v: Value): Callee | undefined {
  if (v.kind === 'block') return { stage: 'construct', target: { block: v.block } };
  if (v.kind === 'op') return { stage: v.op.kind === 'layer' ? 'construct' : 'call', target: { op: v.op } };
  return undefined;
}

/** The block or layer that an expression constructs (`DecoderLayer(...)`, `repeat n { ... }`). */
function builtBy(e: A.Expr, item: Item, globals: Scope, depth: number): Target | undefined {
  if (e.kind === 'RepeatExpr') return builtBy(e.body, item, globals, depth + 1);
  if (e.kind !== 'CallExpr') return undefined;
  const c = resolveCallee(e.callee, item, globals, depth + 1);
  return c?.stage === 'construct' ? c.target : undefined;
}

/** The arguments a callee accepts at this stage. */
export function argumentsOf(c: Callee): ArgInfo[] {
  if (c.target.block) {
    const { decl, file } = c.target.block;
    if (c.stage === 'construct') {
      return decl.params.map((p) => ({
        name: p.name.name,
        type: p.type ? typeText(p.type) : 'int',
        default: p.default ? exprText(p.default) : undefined,
        optional: p.default !== undefined,
        decl: { file, ident: p.name },
      }));
    }
    return ports(decl.body).map((s) => ({
      name: s.name.name,
      type: tensorTypeText(s.type),
      optional: s.optional,
      decl: { file, ident: s.name },
    }));
  }
  const op = c.target.op;
  const specs: readonly ArgSpec[] = op.kind === 'layer' ? (c.stage === 'construct' ? op.config : op.inputs) : op.args;
  return specs.map((a) => ({
    name: a.name,
    type: a.type === 'enum' && a.members ? `enum(${a.members.join(', ')})` : a.type,
    default: a.default ? valueText(a.default) : undefined,
    optional: a.default !== undefined,
    doc: a.doc,
  }));
}

/** A block's ports (`in x: ...`), including those declared inside `if` branches. */
export function ports(body: readonly A.Stmt[]): A.InputDecl[] {
  const out: A.InputDecl[] = [];
  for (const s of body) {
    if (s.kind === 'InputDecl' && s.keyword === 'in') out.push(s);
    else if (s.kind === 'IfStmt') out.push(...ports(s.then), ...ports(s.else ?? []));
  }
  return out;
}

export function typeText(t: A.ValueType): string {
  return t.kind === 'NamedType' ? t.name.name : `enum(${t.members.map((m) => m.name).join(', ')})`;
}

export function tensorTypeText(t: A.TensorType): string {
  return `${t.dtype.name}[${t.dims.map(exprText).join(', ')}]`;
}

export function valueText(v: Value): string {
  switch (v.kind) {
    case 'int':
    case 'float':
      return String(v.value);
    case 'bool':
      return String(v.value);
    case 'string':
      return JSON.stringify(v.value);
    case 'enum':
      return v.name;
    default:
      return v.kind;
  }
}

/** `block DecoderLayer(d_model: int, heads: int, norm: enum(pre, post) = post)` */
export function blockSignature(decl: A.BlockDecl): string {
  const params = decl.params.map((p) => `${p.name.name}${p.type ? `: ${typeText(p.type)}` : ''}${p.default ? ` = ${exprText(p.default)}` : ''}`);
  const head = `block ${decl.name.name}(${params.join(', ')})`;
  const ins = ports(decl.body).map((p) => `  in ${p.name.name}: ${tensorTypeText(p.type)}${p.optional ? '?' : ''}`);
  return ins.length ? `${head} {\n${ins.join('\n')}\n}` : head;
}

/** `Linear(out: int, bias: bool = true, tied: module = none)(x: tensor)` */
export function opSignature(op: OpDef): string {
  const list = (specs: readonly ArgSpec[]) =>
    specs.map((a) => `${a.name}: ${a.type === 'enum' && a.members ? `enum(${a.members.join(', ')})` : a.type}${a.default !== undefined ? ` = ${a.default ? valueText(a.default) : 'none'}` : ''}`).join(', ');
  return op.kind === 'layer' ? `${op.name}(${list(op.config)})(${list(op.inputs)})` : `${op.name}(${list(op.args)})`;
}
