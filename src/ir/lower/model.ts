/**
 * Lowers one model to IR: resolves its `extends` chain, evaluates its config (with the chain's
 * and the command line's overrides), runs its body, then checks its expectations.
 */
import type * as A from '../../syntax/ast.js';
import { didYouMean } from '../../util/did-you-mean.js';
import type { SourceRef } from '../source-ref.js';
import type { ModelIR } from '../types.js';
import type { Value } from '../values.js';
import type { Workspace } from '../workspace.js';
import { evalConfig } from './config.js';
import { Evaluator } from './evaluator.js';
import { breakdown, checkExpectUnderOverrides } from './expectations.js';
import { GraphBuilder } from './graph.js';
import type { ChainLink, Env, Override } from './lowering.js';
import type { Reporter } from './reporter.js';
import { collectLater, Scope, type UseTracker } from './scope.js';
import { variantBody, type BodyStmt } from './variants.js';
import { GraphTooLarge } from '../limits.js';
import { fmtInt } from './format-numbers.js';
import { didYouMeanHelp } from '../../diagnostics/suggest.js';

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
  const ev = new Evaluator(graph, reporter, uses, (f) => ws.globals(f), bounds, (f) => ws.isLibrary(f), (f) => ws.files.get(f)?.text);
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
    }
  }
  // The base's statements with the variants' replacements and additions (variants.ts).
  const { body, replacements } = variantBody(chain, reporter);
  env.replacements = replacements;

  const config = evalConfig(ev, env, root, fromChain, overrides, decl, file, reporter);
  for (const b of body) collectLater([b.stmt], env.later, b.file);
  const errorsBefore = reporter.errorReports;
  try {
    runVariantBody(ev, body, env, (f) => ws.globals(f));
  } catch (err) {
    if (!(err instanceof GraphTooLarge)) throw err;
    reporter.error('TFM4010', `model \`${decl.name.name}\` expands to more than ${fmtInt(err.limit)} operations`, err.at ? { ...err.at, message: 'this stack passed the limit' } : { file, span: decl.name.span }, {
      notes: [`the graph holds every operation of every layer once all stacks are expanded; building stopped at ${fmtInt(err.nodes)}`],
      help: `check the stack counts and sizes (TFMC_MAX_GRAPH_NODES raises the limit of ${fmtInt(err.limit)})`,
    });
    return undefined; // half a graph is no model
  }
  const bodyFailed = reporter.errorReports > errorsBefore;

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
    if (s.kind !== 'ExpectStmt') continue;
    if (overrides.length === 0) ev.checkExpect(s, expectEnv, () => breakdown(graph));
    else checkExpectUnderOverrides(ev, s, expectEnv, overrides, reporter);
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

/**
 * Runs the model's body; a statement a variant added from another file runs there, seeing the
 * model's bindings and that file's blocks.
 */
function runVariantBody(ev: Evaluator, body: readonly BodyStmt[], env: Env, globals: (file: string) => Scope): void {
  const home = { file: env.file, scope: env.scope };
  for (const b of body) {
    if (env.aborted) break;
    if (b.file === home.file) ev.runStmt(b.stmt, env);
    else {
      env.file = b.file;
      env.scope = home.scope.withGlobals(globals(b.file));
      ev.runStmt(b.stmt, env);
      env.file = home.file;
      env.scope = home.scope;
    }
  }
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
        help: didYouMeanHelp(baseName.name, models.keys(), { file: cur.file, span: baseName.span }),
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
