/**
 * Config resolution: a model's `config { ... }` entries, each overridden by the models that extend
 * it and then by `--set`, type-checked against the entry's declared (or default's) type.
 */
import type * as A from '../../syntax/ast.js';
import { didYouMean } from '../../util/did-you-mean.js';
import type { SourceRef } from '../source-ref.js';
import type { ConfigEntryInfo } from '../types.js';
import { describeValue, type Value } from '../values.js';
import type { ChainLink, Env, Lowering, Override } from './lowering.js';
import type { Reporter } from './reporter.js';
import { didYouMeanHelp } from '../../diagnostics/suggest.js';

/**
 * Evaluates the config that `root` (the base at the end of the `extends` chain) declares into
 * `env.scope`, in order, applying `fromChain` (the variants' overrides) and then `overrides`
 * (`--set`); returns the entries for the IR.
 */
export function evalConfig(
  ev: Lowering,
  env: Env,
  root: ChainLink,
  fromChain: Map<string, { expr: A.Expr; file: string; name: A.Ident }>,
  overrides: Override[],
  model: A.ModelDecl,
  modelFile: string,
  reporter: Reporter,
): ConfigEntryInfo[] {
  const entries = root.decl.body.flatMap((s) => (s.kind === 'ConfigBlock' ? s.entries : []));
  const names = new Map<string, A.ConfigEntry>();
  for (const e of entries) {
    const prev = names.get(e.name.name);
    if (prev) {
      reporter.error('TFM2002', `config key \`${e.name.name}\` is defined twice`, { file: root.file, span: e.name.span }, {
        secondary: [{ file: root.file, span: prev.name.span, message: 'first defined here' }],
      });
    } else names.set(e.name.name, e);
  }
  for (const [key, o] of fromChain) {
    if (!names.has(key)) {
      reporter.error('TFM2014', `\`${root.decl.name.name}\` has no config key \`${key}\``, { file: o.file, span: o.name.span }, {
        help: didYouMeanHelp(key, names.keys(), { file: o.file, span: o.name.span }),
      });
    }
  }
  const cli = new Map(overrides.map((o) => [o.key, o]));
  for (const o of overrides) {
    if (!names.has(o.key)) {
      reporter.error('TFM2014', `unknown config key \`${o.key}\` in \`--set ${o.key}=${o.text}\``, { file: modelFile, span: model.name.span, message: `\`${model.name.name}\` has no \`${o.key}\`` }, {
        help: didYouMean(o.key, names.keys()) ?? `its keys are ${[...names.keys()].map((k) => `\`${k}\``).join(', ')}`,
      });
    }
  }
  const later = new Map<string, SourceRef>();
  for (const e of entries) later.set(e.name.name, { file: root.file, span: e.name.span });
  env.later = later;
  const cyclic = reportCycles(entries, names, root.file, reporter);
  const out: ConfigEntryInfo[] = [];
  for (const e of entries) {
    if (names.get(e.name.name) !== e) continue;
    later.delete(e.name.name);
    if (cyclic.has(e.name.name)) {
      env.scope.set(e.name.name, { value: { kind: 'error' }, kind: 'config', source: { file: root.file, span: e.name.span } });
      continue;
    }
    const source: SourceRef = { file: root.file, span: e.name.span };
    const declared = e.type?.kind === 'EnumType' ? 'enum' : e.type?.kind === 'NamedType' ? e.type.name.name : undefined;
    const members = e.type?.kind === 'EnumType' ? e.type.members.map((m) => m.name) : undefined;
    if (declared && !['int', 'float', 'bool', 'enum', 'string'].includes(declared)) {
      reporter.error('TFM2001', `unknown type \`${declared}\``, { file: root.file, span: e.type!.span }, {
        help: didYouMeanHelp(declared, ['int', 'float', 'bool'], { file: root.file, span: e.type!.span }, 'config types are int, float, bool and enum(...)'),
      });
    }
    let value = ev.evalExpr(e.value, env, members ? { members } : { symbols: true });
    const base = value;
    const typeOf = (v: Value) => declared ?? (v.kind === 'int' || v.kind === 'float' || v.kind === 'bool' || v.kind === 'enum' || v.kind === 'string' ? v.kind : undefined);
    const expected = typeOf(base);
    const check = (v: Value, where: SourceRef, origin: string): Value => {
      if (v.kind === 'error' || !expected) return v;
      const ok =
        v.kind === expected || (expected === 'float' && v.kind === 'int');
      if (!ok) {
        reporter.error('TFM4001', `${origin} gives \`${e.name.name}\` ${describeValue(v)}, but it is ${article(expected)}`, where, {
          secondary: [{ ...source, message: `\`${e.name.name}\` is declared here` }],
        });
        return { kind: 'error' };
      }
      if (v.kind === 'enum' && members && !members.includes(v.name)) {
        reporter.error('TFM4002', `\`${v.name}\` is not a valid \`${e.name.name}\``, where, {
          help: didYouMeanHelp(v.name, members, where, `expected one of ${members.map((m) => `\`${m}\``).join(', ')}`),
        });
        return { kind: 'error' };
      }
      return expected === 'float' && v.kind === 'int' ? { kind: 'float', value: v.value } : v;
    };
    value = check(value, { file: root.file, span: e.value.span }, 'the default');
    const inherited = fromChain.get(e.name.name);
    if (inherited) {
      const saved = env.file;
      env.file = inherited.file;
      const v = ev.evalExpr(inherited.expr, env, members ? { members } : { symbols: true });
      env.file = saved;
      value = check(v, { file: inherited.file, span: inherited.expr.span }, 'this override');
    }
    const o = cli.get(e.name.name);
    if (o) value = check(o.value, { file: modelFile, span: model.name.span }, `\`--set ${o.key}=${o.text}\``);
    if (value.kind === 'int' || value.kind === 'float') {
      // The origin is the value as written (what a fix replaces), not the key.
      const at = o ? { file: modelFile, span: model.name.span, cli: `${o.key}=${o.text}` } : inherited ? { file: inherited.file, span: inherited.expr.span } : { file: root.file, span: e.value.span };
      value = { ...value, origin: { ...at, name: e.name.name } };
    }
    env.scope.set(e.name.name, { value, kind: 'config', source });
    if (value.kind === 'int' || value.kind === 'float' || value.kind === 'bool' || value.kind === 'string') {
      out.push({ name: e.name.name, value: value.value, type: value.kind, source });
    } else if (value.kind === 'enum') out.push({ name: e.name.name, value: value.name, type: 'enum', source });
  }
  return out;
}

function article(t: string): string {
  return t === 'int' ? 'an integer' : t === 'float' ? 'a number' : t === 'bool' ? 'a boolean' : t === 'enum' ? 'an enum value' : `a ${t}`;
}

/**
 * Config values defined in terms of each other (`a = b + 1`, `b = a * 2`) are one error, TFM2004,
 * at the first of them with the whole cycle, rather than a "used before its definition" that moving
 * the entry cannot fix. Returns the names on a cycle.
 */
function reportCycles(entries: A.ConfigEntry[], names: Map<string, A.ConfigEntry>, file: string, reporter: Reporter): Set<string> {
  const uses = new Map<string, A.NameExpr[]>();
  for (const e of entries) if (names.get(e.name.name) === e) uses.set(e.name.name, namesIn(e.value).filter((n) => names.has(n.name)));
  const onCycle = new Set<string>();
  const order = entries.filter((e) => names.get(e.name.name) === e).map((e) => e.name.name);
  for (const start of order) {
    if (onCycle.has(start)) continue;
    // Depth-first from `start`, looking for a path back to it.
    const path: Array<{ name: string; via?: A.NameExpr }> = [{ name: start }];
    const seen = new Set<string>();
    const found = (function walk(name: string): boolean {
      for (const use of uses.get(name) ?? []) {
        if (use.name === start) {
          path.push({ name: start, via: use });
          return true;
        }
        if (seen.has(use.name)) continue;
        seen.add(use.name);
        path.push({ name: use.name, via: use });
        if (walk(use.name)) return true;
        path.pop();
      }
      return false;
    })(start);
    if (!found) continue;
    for (const p of path) onCycle.add(p.name);
    const first = names.get(start)!;
    const what = path.length === 2 ? `\`${start}\` is defined in terms of itself` : `config values defined in terms of each other: ${path.map((p) => `\`${p.name}\``).join(' → ')}`;
    reporter.error('TFM2004', what, { file, span: first.name.span, message: 'on a cycle' }, {
      secondary: path.slice(1).map((p) => ({ file, span: p.via!.span, message: `uses \`${p.via!.name}\`` })),
      help: `give one of ${[...new Set(path.map((p) => `\`${p.name}\``))].join(', ')} a value that does not depend on the others`,
    });
  }
  return onCycle;
}

/** The names an expression mentions (not argument names or members). */
function namesIn(e: A.Expr): A.NameExpr[] {
  switch (e.kind) {
    case 'NameExpr':
      return [e];
    case 'UnaryExpr':
      return namesIn(e.operand);
    case 'BinaryExpr':
      return [...namesIn(e.left), ...namesIn(e.right)];
    case 'CallExpr':
      return [...namesIn(e.callee), ...e.args.flatMap((a) => namesIn(a.value))];
    case 'MemberExpr':
      return namesIn(e.object);
    case 'RepeatExpr':
      return [...namesIn(e.count), ...namesIn(e.body)];
    case 'ListExpr':
      return e.items.flatMap(namesIn);
    default:
      return [];
  }
}
