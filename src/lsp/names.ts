/**
 * Every name written in a `.tfm` file, with its role, found by walking the AST: the raw material
 * of hover, go to definition, rename and symbols. Scopes in `.tfm` are flat — a model's or a
 * block's body is one scope (`if` branches and `repeat` bodies share it) — so a name used inside
 * an item means that item's local binding when there is one, else a global (block, model,
 * primitive) or a config key of the model's base.
 */
import type * as A from '../syntax/ast.js';
import type { Span } from '../diagnostics/spans.js';

/** Statement kinds that bind a name in an item's scope. */
export type DeclKind = 'config' | 'param' | 'port' | 'input' | 'let' | 'assign' | 'mask' | 'memory' | 'output' | 'loss';

export type Occurrence =
  /** A binding site: `let x = ...`, `x = ...`, `d_model = 512` in config, a block parameter or port. */
  | { role: 'decl'; name: string; span: Span; item: A.BlockDecl | A.ModelDecl; declKind: DeclKind; stmt: DeclNode }
  /** A name read in an expression (including tensor dims, `where` constraints, parameter defaults). */
  | { role: 'ref'; name: string; span: Span; item: A.BlockDecl | A.ModelDecl; expr: A.NameExpr }
  /** The name of a named argument, `bias` in `Linear(512, bias: false)`. */
  | { role: 'arg'; name: string; span: Span; item: A.BlockDecl | A.ModelDecl; call: A.CallExpr }
  /** A field read, `lstm.state`. */
  | { role: 'member'; name: string; span: Span; item: A.BlockDecl | A.ModelDecl; expr: A.MemberExpr }
  /** The name of a block or model declaration, or the base of `model X extends Base`. */
  | { role: 'item'; name: string; span: Span; item: A.BlockDecl | A.ModelDecl }
  | { role: 'base'; name: string; span: Span; item: A.ModelDecl }
  /** A dtype or value-type name (`float32`, `int`) or an enum member in a type. */
  | { role: 'type'; name: string; span: Span; item: A.BlockDecl | A.ModelDecl };

export type DeclNode = A.ConfigEntry | A.ParamDecl | A.InputDecl | A.LetStmt | A.AssignStmt | A.MaskStmt | A.OutStmt | A.LossStmt;

type Item = A.BlockDecl | A.ModelDecl;

/** Calls `visit` for every name occurrence of one item, in source order. */
export function itemNames(item: Item, visit: (o: Occurrence) => void): void {
  visit({ role: 'item', name: item.name.name, span: item.name.span, item });
  if (item.kind === 'ModelDecl' && item.base) visit({ role: 'base', name: item.base.name, span: item.base.span, item });
  if (item.kind === 'BlockDecl') {
    for (const p of item.params) {
      visit({ role: 'decl', name: p.name.name, span: p.name.span, item, declKind: 'param', stmt: p });
      if (p.type) typeNames(p.type, item, visit);
      if (p.default) exprNames(p.default, item, visit);
    }
  }
  stmtNames(item.body, item, visit);
}

function typeNames(t: A.ValueType, item: Item, visit: (o: Occurrence) => void): void {
  if (t.kind === 'NamedType') visit({ role: 'type', name: t.name.name, span: t.name.span, item });
  else for (const m of t.members) visit({ role: 'type', name: m.name, span: m.span, item });
}

function stmtNames(stmts: readonly A.Stmt[], item: Item, visit: (o: Occurrence) => void): void {
  for (const s of stmts) {
    switch (s.kind) {
      case 'ConfigBlock':
        for (const e of s.entries) {
          visit({ role: 'decl', name: e.name.name, span: e.name.span, item, declKind: 'config', stmt: e });
          if (e.type) typeNames(e.type, item, visit);
          exprNames(e.value, item, visit);
        }
        break;
      case 'InputDecl':
        visit({ role: 'decl', name: s.name.name, span: s.name.span, item, declKind: s.keyword === 'in' ? 'port' : 'input', stmt: s });
        visit({ role: 'type', name: s.type.dtype.name, span: s.type.dtype.span, item });
        for (const d of s.type.dims) exprNames(d, item, visit);
        for (const c of s.constraints) exprNames(c, item, visit);
        break;
      case 'LetStmt':
      case 'AssignStmt':
        visit({ role: 'decl', name: s.name.name, span: s.name.span, item, declKind: s.kind === 'LetStmt' ? 'let' : 'assign', stmt: s });
        exprNames(s.value, item, visit);
        break;
      case 'MaskStmt':
        visit({ role: 'decl', name: s.name.name, span: s.name.span, item, declKind: s.keyword, stmt: s });
        exprNames(s.value, item, visit);
        break;
      case 'OutStmt':
        if (s.name) visit({ role: 'decl', name: s.name.name, span: s.name.span, item, declKind: 'output', stmt: s });
        exprNames(s.value, item, visit);
        break;
      case 'LossStmt':
        visit({ role: 'decl', name: s.name.name, span: s.name.span, item, declKind: 'loss', stmt: s });
        exprNames(s.value, item, visit);
        break;
      case 'ExpectStmt':
        exprNames(s.condition, item, visit);
        break;
      case 'IfStmt':
        exprNames(s.condition, item, visit);
        stmtNames(s.then, item, visit);
        if (s.else) stmtNames(s.else, item, visit);
        break;
      case 'ErrorStmt':
        break;
    }
  }
}

function exprNames(e: A.Expr, item: Item, visit: (o: Occurrence) => void): void {
  switch (e.kind) {
    case 'NameExpr':
      if (e.name) visit({ role: 'ref', name: e.name, span: e.span, item, expr: e });
      return;
    case 'UnaryExpr':
      return exprNames(e.operand, item, visit);
    case 'BinaryExpr':
      exprNames(e.left, item, visit);
      return exprNames(e.right, item, visit);
    case 'CallExpr':
      exprNames(e.callee, item, visit);
      for (const a of e.args) {
        if (a.name) visit({ role: 'arg', name: a.name.name, span: a.name.span, item, call: e });
        exprNames(a.value, item, visit);
      }
      return;
    case 'MemberExpr':
      exprNames(e.object, item, visit);
      visit({ role: 'member', name: e.name.name, span: e.name.span, item, expr: e });
      return;
    case 'RepeatExpr':
      exprNames(e.count, item, visit);
      return exprNames(e.body, item, visit);
    case 'ListExpr':
      for (const x of e.items) exprNames(x, item, visit);
      return;
    default:
      return;
  }
}

/** Whether `offset` touches `span` (a cursor just past the last character still counts). */
export function touches(span: Span, offset: number): boolean {
  return span.start.offset <= offset && offset <= span.end.offset;
}

/** The block or model declaration around `offset`. */
export function itemAt(file: A.SourceFile, offset: number): Item | undefined {
  for (const it of file.items) if (it.kind !== 'ImportDecl' && touches(it.span, offset)) return it;
  return undefined;
}

/** The name occurrence under the cursor, if any. */
export function occurrenceAt(file: A.SourceFile, offset: number): Occurrence | undefined {
  const item = itemAt(file, offset);
  if (!item) return undefined;
  let found: Occurrence | undefined;
  itemNames(item, (o) => {
    if (!found && o.name && touches(o.span, offset)) found = o;
  });
  return found;
}

/** The first binding of every local name of an item (a `let`, not the later `x = ...` that rebinds it). */
export function localDecls(item: Item): Map<string, Extract<Occurrence, { role: 'decl' }>> {
  const out = new Map<string, Extract<Occurrence, { role: 'decl' }>>();
  itemNames(item, (o) => {
    if (o.role !== 'decl' || !o.name) return;
    const prev = out.get(o.name);
    if (!prev || (prev.declKind === 'assign' && o.declKind !== 'assign')) out.set(o.name, o);
  });
  return out;
}

/**
 * The bindings a read of `name` at `offset` may see, latest first: every `let`/`x = ...`/
 * declaration of the name that comes before `offset` (statements run in order; one inside an
 * `if` may not have run, hence a list). A statement's own value reads the earlier bindings:
 * `x = x + 1`.
 */
export function reachingDecls(item: Item, name: string, offset: number): Extract<Occurrence, { role: 'decl' }>[] {
  const out: Extract<Occurrence, { role: 'decl' }>[] = [];
  itemNames(item, (o) => {
    if (o.role === 'decl' && o.name === name && (o.stmt.span.end.offset <= offset || touches(o.span, offset))) out.unshift(o);
  });
  return out;
}

/** The binding a read sees (see `reachingDecls`); a use before any definition (an error) gets the first one. */
export function reachingDecl(item: Item, name: string, offset: number): Extract<Occurrence, { role: 'decl' }> | undefined {
  return reachingDecls(item, name, offset)[0] ?? localDecls(item).get(name);
}

/** The innermost expression of an item that contains `offset`, with its ancestors (outermost first). */
export function exprPathAt(item: Item, offset: number): A.Expr[] {
  const path: A.Expr[] = [];
  const visitExpr = (e: A.Expr): boolean => {
    if (!touches(e.span, offset)) return false;
    path.push(e);
    switch (e.kind) {
      case 'UnaryExpr':
        visitExpr(e.operand);
        break;
      case 'BinaryExpr':
        if (!visitExpr(e.left)) visitExpr(e.right);
        break;
      case 'CallExpr':
        if (!visitExpr(e.callee)) for (const a of e.args) if (visitExpr(a.value)) break;
        break;
      case 'MemberExpr':
        visitExpr(e.object);
        break;
      case 'RepeatExpr':
        if (!visitExpr(e.count)) visitExpr(e.body);
        break;
      case 'ListExpr':
        for (const x of e.items) if (visitExpr(x)) break;
        break;
      default:
        break;
    }
    return true;
  };
  const visitStmts = (stmts: readonly A.Stmt[]): boolean => {
    for (const s of stmts) {
      if (!touches(s.span, offset)) continue;
      for (const e of stmtExprs(s)) if (visitExpr(e)) return true;
      if (s.kind === 'IfStmt') return visitStmts(s.then) || (s.else ? visitStmts(s.else) : false);
    }
    return false;
  };
  if (item.kind === 'BlockDecl') for (const p of item.params) if (p.default && visitExpr(p.default)) return path;
  visitStmts(item.body);
  return path;
}

function stmtExprs(s: A.Stmt): A.Expr[] {
  switch (s.kind) {
    case 'ConfigBlock':
      return s.entries.map((e) => e.value);
    case 'InputDecl':
      return [...s.type.dims, ...s.constraints];
    case 'LetStmt':
    case 'AssignStmt':
    case 'MaskStmt':
    case 'OutStmt':
    case 'LossStmt':
      return [s.value];
    case 'ExpectStmt':
    case 'IfStmt':
      return [s.condition];
    case 'ErrorStmt':
      return [];
  }
}
