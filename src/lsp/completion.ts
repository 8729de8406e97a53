/**
 * Completion. Inside a call's parentheses, where an argument name may go: the callee's arguments
 * with their types and defaults (block parameters, block ports, a primitive's arguments); after
 * `name: ` of an enum or bool argument, its values first.
 * Elsewhere: the item's local names (config keys with their values, `let`s, ports), the base
 * model's config keys inside a `config { }` that overrides them, blocks and primitives in scope,
 * and keywords.
 *
 * The text being typed rarely parses, so the call around the cursor is found by scanning the
 * text back to the unmatched `(`; the callee's meaning then comes from the (recovered) AST.
 */
import type * as A from '../syntax/ast.js';
import { NO_SPAN } from '../diagnostics/spans.js';
import { KEYWORDS } from '../syntax/keywords.js';
import { exprText } from '../ir/lower/expr-text.js';
import type { Analysis } from './analysis.js';
import { argumentsOf, blockSignature, opSignature, resolveCallee, type ArgInfo } from './callees.js';
import { baseChain, configEntries } from './inheritance.js';
import { itemAt, localDecls, touches } from './names.js';

export type CompletionKind = 'argument' | 'value' | 'config' | 'local' | 'block' | 'function' | 'layer' | 'keyword';

export interface Completion {
  label: string;
  kind: CompletionKind;
  detail?: string;
  documentation?: string;
  insertText?: string;
  /** Lower sorts first. */
  rank: number;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*$/;

export function completionsAt(a: Analysis, offset: number): Completion[] {
  const item = itemAt(a.ast, offset) ?? nearestItem(a.ast, offset);
  const call = callContext(a.text, offset);
  if (call && item) {
    const args = argumentCompletions(a, item, call);
    if (args) return args;
  }
  const values = item ? enumValueCompletions(a, item, offset) : [];
  return [...values, ...nameCompletions(a, item, offset)];
}

/** After `norm: ` in a call: the members of that argument's enum (or `true`/`false`), first. */
function enumValueCompletions(a: Analysis, item: A.BlockDecl | A.ModelDecl, offset: number): Completion[] {
  const before = a.text.slice(Math.max(0, offset - 200), offset);
  const m = /([A-Za-z_][A-Za-z0-9_]*)\s*:\s*[A-Za-z_0-9]*$/.exec(before);
  if (!m) return [];
  const call = callContext(a.text, offset - (before.length - m.index));
  if (!call) return [];
  const name: A.NameExpr = { kind: 'NameExpr', name: call.callee, span: NO_SPAN };
  const resolved = resolveCallee(call.applied ? { kind: 'CallExpr', callee: name, args: [], span: NO_SPAN } : name, item, a.check.workspace.globals(a.path));
  const arg = resolved ? argumentsOf(resolved).find((x) => x.name === m[1]) : undefined;
  if (!arg) return [];
  const members = arg.type.startsWith('enum(') ? arg.type.slice(5, -1).split(', ') : arg.type === 'bool' ? ['true', 'false'] : [];
  return members.map((label, i) => ({ label, kind: 'value', detail: `${arg.name}: ${arg.type}${label === arg.default ? ' (the default)' : ''}`, rank: i }));
}

interface CallContext {
  /** `Linear` in `Linear(` or `Linear(512)(`. */
  callee: string;
  /** True for `Name(...)(`: the module the first call built, applied. */
  applied: boolean;
  /** Argument names already written in this call. */
  given: Set<string>;
  /** Positional arguments already written (they fill the first parameters). */
  positional: number;
}

/**
 * The call whose argument list the cursor is in, when the cursor is where an argument name may
 * start (after `(` or `,`, possibly with part of a name typed), found by scanning back.
 */
export function callContext(text: string, offset: number): CallContext | undefined {
  const before = text.slice(Math.max(0, offset - 4000), offset);
  const typed = IDENT.exec(before)?.[0] ?? '';
  let i = before.length - typed.length - 1;
  while (i >= 0 && /\s/.test(before[i])) i--;
  if (i < 0 || (before[i] !== '(' && before[i] !== ',')) return undefined;
  // Find the unmatched `(` of the call.
  let depth = 0;
  let j = i;
  for (; j >= 0; j--) {
    const ch = before[j];
    if (ch === ')' || ch === ']' || ch === '}') depth++;
    else if (ch === '(' || ch === '[' || ch === '{') {
      if (depth === 0) break;
      depth--;
    }
  }
  if (j < 0 || before[j] !== '(') return undefined;
  const { given, positional } = writtenArgs(before.slice(j + 1, i));
  let k = j - 1;
  while (k >= 0 && before[k] === ' ') k--;
  if (before[k] === ')') {
    // `Name(...)(`: find the first call's `(` and its name.
    let d = 0;
    for (; k >= 0; k--) {
      if (before[k] === ')') d++;
      else if (before[k] === '(' && --d === 0) break;
    }
    const name = IDENT.exec(before.slice(0, Math.max(0, k)))?.[0];
    return name ? { callee: name, applied: true, given, positional } : undefined;
  }
  const name = IDENT.exec(before.slice(0, k + 1))?.[0];
  return name ? { callee: name, applied: false, given, positional } : undefined;
}

/** The arguments already written before the cursor: names of named ones, count of positional ones. */
function writtenArgs(text: string): { given: Set<string>; positional: number } {
  const segments: string[] = [];
  let depth = 0;
  let start = 0;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      segments.push(text.slice(start, k));
      start = k + 1;
    }
  }
  segments.push(text.slice(start));
  const given = new Set<string>();
  let positional = 0;
  for (const seg of segments) {
    const named = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/.exec(seg);
    if (named) given.add(named[1]);
    else if (seg.trim()) positional++;
  }
  return { given, positional };
}

function argumentCompletions(a: Analysis, item: A.BlockDecl | A.ModelDecl, call: CallContext): Completion[] | undefined {
  const name: A.NameExpr = { kind: 'NameExpr', name: call.callee, span: NO_SPAN };
  const callee: A.Expr = call.applied ? { kind: 'CallExpr', callee: name, args: [], span: NO_SPAN } : name;
  const resolved = resolveCallee(callee, item, a.check.workspace.globals(a.path));
  if (!resolved) return undefined;
  return argumentsOf(resolved)
    .filter((arg, index) => index >= call.positional && !call.given.has(arg.name))
    .map((arg, index) => argCompletion(arg, index));
}

function argCompletion(arg: ArgInfo, index: number): Completion {
  const detail = `${arg.type}${arg.default !== undefined ? ` = ${arg.default}` : arg.optional ? ' (optional)' : ' (required)'}`;
  return { label: arg.name, kind: 'argument', detail, documentation: arg.doc, insertText: `${arg.name}: `, rank: (arg.optional ? 100 : 0) + index };
}

function nameCompletions(a: Analysis, item: A.BlockDecl | A.ModelDecl | undefined, offset: number): Completion[] {
  const out = new Map<string, Completion>();
  const add = (c: Completion) => {
    if (!out.has(c.label)) out.set(c.label, c);
  };
  if (item) {
    // Inside `config { }` of a model that extends another: the keys it may override.
    const config = item.body.find((s): s is A.ConfigBlock => s.kind === 'ConfigBlock' && touches(s.span, offset));
    if (config && item.kind === 'ModelDecl') for (const c of baseKeys(a, item)) add(c);
    for (const [name, d] of localDecls(item)) {
      if (d.declKind === 'config' && d.stmt.kind === 'ConfigEntry') add({ label: name, kind: 'config', detail: `config ${name} = ${exprText(d.stmt.value)}`, rank: 10 });
      else add({ label: name, kind: 'local', detail: d.declKind, rank: 20 });
    }
    if (item.kind === 'ModelDecl') for (const c of baseKeys(a, item)) add({ ...c, rank: 10 });
  }
  const globals = a.check.workspace.globals(a.path);
  for (const name of [...globals.names()].sort()) {
    const v = globals.lookup(name)?.value;
    if (v?.kind === 'block') add({ label: name, kind: 'block', detail: blockSignature(v.block.decl).split('\n')[0], rank: 30 });
    else if (v?.kind === 'op') add({ label: name, kind: v.op.kind === 'layer' ? 'layer' : 'function', detail: opSignature(v.op), documentation: v.op.doc, rank: 40 });
  }
  for (const k of KEYWORDS) add({ label: k, kind: 'keyword', rank: 50 });
  return [...out.values()];
}

/** Config keys of the base models (nearest first), with the value they have there. */
function baseKeys(a: Analysis, item: A.ModelDecl): Completion[] {
  return baseChain(a, item).flatMap((b) =>
    configEntries(b.decl).map((e): Completion => ({ label: e.name.name, kind: 'config', detail: `config ${e.name.name} = ${exprText(e.value)} (in ${b.name})`, rank: 5 })),
  );
}

/** While typing after the last item (`model X {` not yet closed), the item the cursor is in. */
function nearestItem(file: A.SourceFile, offset: number): A.BlockDecl | A.ModelDecl | undefined {
  let best: A.BlockDecl | A.ModelDecl | undefined;
  for (const it of file.items) if (it.kind !== 'ImportDecl' && it.span.start.offset <= offset) best = it;
  return best;
}
