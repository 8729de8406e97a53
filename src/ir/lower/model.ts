/**
 * Lowers one model to IR: resolves its `extends` chain, evaluates its config (with the chain's
 * and the command line's overrides), runs its body, then checks its expectations.
 */
import type * as A from '../../syntax/ast.js';
import { didYouMean } from '../../util/did-you-mean.js';
import type { ConfigEntryInfo, ModelIR, SourceRef } from '../types.js';
import { describeValue, type Value } from '../values.js';
import type { Workspace } from '../workspace.js';
import { Evaluator, type Env } from './evaluator.js';
import { breakdown } from './expectations.js';
import { GraphBuilder } from './graph.js';
import type { Reporter } from './reporter.js';
import { collectLater, Scope, type UseTracker } from './scope.js';

/** A `--set key=value` override, already parsed. */
export interface Override {
  key: string;
  value: Value;
  text: string;
}

interface ChainLink {
  decl: A.ModelDecl;
  file: string;
}

export function lowerModel(
  ws: Workspace,
  decl: A.ModelDecl,
  file: string,
  overrides: Override[],
  reporter: Reporter,
  uses: UseTracker,
): ModelIR | undefined {
  const chain = resolveChain(ws, decl, file, reporter);
  if (!chain) return undefined;
  const root = chain[chain.length - 1];
  const graph = new GraphBuilder();
  const bounds = new Map<string, { max?: number; min?: number; source: SourceRef }>();
  const ev = new Evaluator(graph, reporter, uses, (f) => ws.globals(f), bounds, (f) => ws.isLibrary(f));
  const env: Env = {
    file: root.file,
    scope: new Scope(ws.globals(root.file)),
    prefix: '',
    moduleNames: new Set(),
    isModel: true,
    later: new Map(),
    shapeVars: new Map(),
    outs: [],
  };

  // Overrides, nearest model first: the model's own `config { ... }` wins over its base's.
  const fromChain = new Map<string, { expr: A.Expr; file: string; name: A.Ident }>();
  for (const link of chain.slice(0, -1).reverse()) {
    for (const s of link.decl.body) {
      if (s.kind === 'ConfigBlock') for (const e of s.entries) fromChain.set(e.name.name, { expr: e.value, file: link.file, name: e.name });
      else if (s.kind === 'AssignStmt') fromChain.set(s.name.name, { expr: s.value, file: link.file, name: s.name });
      else if (s.kind !== 'ExpectStmt' && s.kind !== 'ErrorStmt' && link === chain[0]) {
        reporter.error('TFM1006', 'a model that extends another may only override config values and add expectations', { file: link.file, span: s.span }, {
          help: 'to change the structure, write a new model (or a block both models use)',
        });
      }
    }
  }

  const config = evalConfig(ev, env, root, fromChain, overrides, decl, file, reporter);
  collectLater(root.decl.body, env.later, root.file);
  const errorsBefore = reporter.diagnostics.filter((d) => d.severity === 'error').length;
  ev.runBody(root.decl.body, env);
  const bodyFailed = reporter.diagnostics.filter((d) => d.severity === 'error').length > errorsBefore;

  const outputs = env.outs.filter((o) => !o.name?.startsWith('loss:'));
  const losses = env.outs.filter((o) => o.name?.startsWith('loss:'));
  if (outputs.length === 0) {
    reporter.error('TFM4006', `model \`${decl.name.name}\` has no output`, { file, span: decl.name.span }, {
      help: 'declare what the model computes: `output logits = ...`',
    });
  }

  // Expectations belong to the model that states them (a base's parameter count is not its variant's).
  const expectEnv: Env = chain.length > 1 ? { ...env, file: chain[0].file } : env;
  // After an error the graph is incomplete, so a parameter count would only repeat that error.
  for (const s of bodyFailed ? [] : chain[0].decl.body) {
    if (s.kind === 'ExpectStmt') ev.checkExpect(s, expectEnv, () => breakdown(graph));
  }

  graph.freeze();
  const tensorOf = (v: Value) => (v.kind === 'tensor' ? v.tensor.id : -1);
  return {
    name: decl.name.name,
    file,
    source: { file, span: decl.name.span },
    base: chain.length > 1 ? chain[1].decl.name.name : undefined,
    config,
    inputs: graph.values.filter((v) => v.producer === -1).map((v) => ({ name: v.name ?? '', value: v.id, source: v.source })),
    outputs: outputs.map((o) => ({ name: o.name ?? 'out', value: tensorOf(o.value), source: o.source })).filter((o) => o.value >= 0),
    losses: losses.map((o) => ({ name: o.name!.slice(5), value: tensorOf(o.value), source: o.source })).filter((o) => o.value >= 0),
    values: graph.values,
    nodes: graph.nodes,
    params: [...graph.params.values()],
    modules: [...graph.modules.values()],
    bounds: [...bounds].map(([dim, b]) => ({ dim, max: b.max, min: b.min, source: b.source })),
  };
}

function resolveChain(ws: Workspace, decl: A.ModelDecl, file: string, reporter: Reporter): ChainLink[] | undefined {
  const chain: ChainLink[] = [{ decl, file }];
  let cur: ChainLink = chain[0];
  while (cur.decl.base) {
    const baseName = cur.decl.base;
    if (!baseName.name) return undefined;
    const models = ws.models(cur.file);
    const base = models.get(baseName.name);
    if (!base) {
      reporter.error('TFM2001', `cannot find model \`${baseName.name}\``, { file: cur.file, span: baseName.span, message: 'not found' }, {
        help: didYouMean(baseName.name, models.keys()),
      });
      return undefined;
    }
    const at = chain.findIndex((l) => l.decl === base.decl);
    if (at >= 0) {
      // Every model on the cycle finds it: report it once, at the first `extends` in the file,
      // with the cycle spelled from there (so each model's report is the same one).
      const members = chain.slice(at);
      const first = members.reduce((a, b) => (b.decl.span.start.offset < a.decl.span.start.offset ? b : a));
      const k = members.indexOf(first);
      const rotated = [...members.slice(k), ...members.slice(0, k)];
      const cycle = [...rotated.map((l) => l.decl.name.name), first.decl.name.name];
      const message = cycle.length === 2 ? `model \`${cycle[0]}\` extends itself` : `models extend each other in a cycle: ${cycle.join(' → ')}`;
      reporter.error('TFM2004', message, { file: first.file, span: first.decl.base!.span }, {
        help: 'a variant must extend a model that does not (indirectly) extend it',
      });
      return undefined;
    }
    cur = base;
    chain.push(cur);
  }
  return chain;
}

function evalConfig(
  ev: Evaluator,
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
        help: didYouMean(key, names.keys()),
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
  const out: ConfigEntryInfo[] = [];
  for (const e of entries) {
    if (names.get(e.name.name) !== e) continue;
    later.delete(e.name.name);
    const source: SourceRef = { file: root.file, span: e.name.span };
    const declared = e.type?.kind === 'EnumType' ? 'enum' : e.type?.kind === 'NamedType' ? e.type.name.name : undefined;
    const members = e.type?.kind === 'EnumType' ? e.type.members.map((m) => m.name) : undefined;
    if (declared && !['int', 'float', 'bool', 'enum', 'string'].includes(declared)) {
      reporter.error('TFM2001', `unknown type \`${declared}\``, { file: root.file, span: e.type!.span }, {
        help: didYouMean(declared, ['int', 'float', 'bool']) ?? 'config types are int, float, bool and enum(...)',
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
          help: didYouMean(v.name, members) ?? `expected one of ${members.map((m) => `\`${m}\``).join(', ')}`,
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
      const at = o ? { file: modelFile, span: model.name.span, cli: `${o.key}=${o.text}` } : inherited ? { file: inherited.file, span: inherited.name.span } : source;
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
