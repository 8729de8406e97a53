/**
 * `expect` statements: a block's preconditions and a model's checks (which may mention `params`),
 * and the report of a failed one (the config values involved, a per-module parameter breakdown).
 */
import type * as A from '../../syntax/ast.js';
import { paramCount } from '../types.js';
import { describeValue, isNumber } from '../values.js';
import { reportNotDivisible } from './divisibility.js';
import { exprText } from './expr-text.js';
import { fmtInt } from './format-numbers.js';
import type { GraphBuilder } from './graph.js';
import type { Env, Lowering, Override } from './lowering.js';
import type { Reporter } from './reporter.js';

/** Checks an `expect`; false when it failed (or could not be evaluated). */
export function checkExpect(ev: Lowering, s: A.ExpectStmt, env: Env, breakdown?: () => string[]): boolean {
  const saved = env.inExpect;
  env.inExpect = true;
  const v = ev.evalExpr(s.condition, env);
  env.inExpect = saved;
  if (v.kind === 'error') return false;
  if (v.kind !== 'bool') {
    ev.reporter.error('TFM4001', `an expectation must be a boolean, but this is ${describeValue(v)}`, ev.ref(env, s.condition));
    return false;
  }
  if (v.value) return true;
  const c = s.condition;
  if (reportDivisibility(ev, c, env)) return false;
  const mentionsParams = (e: A.Expr): boolean =>
    e.kind === 'NameExpr' ? e.name === 'params' : e.kind === 'BinaryExpr' ? mentionsParams(e.left) || mentionsParams(e.right) : e.kind === 'UnaryExpr' ? mentionsParams(e.operand) : false;
  const values = namesIn(ev, c, env).map(([n, val]) => `${n} = ${val}`);
  let message = `expectation failed: \`${exprText(c)}\``;
  if (c.kind === 'BinaryExpr' && c.op === '==' && mentionsParams(c)) {
    const l = ev.quiet(() => ev.evalExpr(c.left, { ...env, inExpect: true }));
    const r = ev.quiet(() => ev.evalExpr(c.right, { ...env, inExpect: true }));
    if (isNumber(l) && isNumber(r)) {
      const [actual, expected] = c.left.kind === 'NameExpr' && c.left.name === 'params' ? [l.value, r.value] : [r.value, l.value];
      const diff = actual - expected;
      message = `expected ${fmtInt(expected)} parameters, but the ${env.isModel ? 'model' : 'block'} has ${fmtInt(actual)} (${diff > 0 ? '+' : ''}${fmtInt(diff)})`;
    }
  }
  const notes = values.length ? [`with ${values.join(', ')}`] : [];
  if (breakdown && mentionsParams(c)) notes.push(...breakdown());
  ev.reporter.error('TFM4003', message, ev.ref(env, s.condition), { notes });
  return false;
}

/** The config names an expression mentions, with their values (for failed expectations). */
function namesIn(ev: Lowering, e: A.Expr, env: Env, out: Array<[string, string]> = []): Array<[string, string]> {
  if (e.kind === 'NameExpr') {
    if (e.name === 'params' && env.inExpect !== false) {
      // reported in the message itself
    } else {
      const b = env.scope.lookup(e.name);
      const v = b?.value;
      if (v && (v.kind === 'int' || v.kind === 'float' || v.kind === 'bool' || v.kind === 'enum') && !out.some(([n]) => n === e.name)) {
        out.push([e.name, v.kind === 'enum' ? v.name : v.kind === 'int' ? fmtInt(v.value) : String(v.value)]);
      }
    }
  } else if (e.kind === 'BinaryExpr') {
    namesIn(ev, e.left, env, out);
    namesIn(ev, e.right, env, out);
  } else if (e.kind === 'UnaryExpr') namesIn(ev, e.operand, env, out);
  return out;
}

/** Per-module parameter counts (top level, and one level down for stacks), for failed expectations. */
export function breakdown(graph: GraphBuilder): string[] {
  const lines: string[] = [];
  const top = [...graph.modules.values()].filter((m) => m.depth === 0);
  let total = 0;
  for (const m of top) {
    let n = 0;
    for (const p of graph.params.values()) if (p.name.startsWith(m.path + '.')) n += paramCount(p);
    total += n;
    if (n === 0) continue;
    const perLayer = m.kind.startsWith('repeat') ? ` (${m.kind.replace('repeat ', '')} × ${fmtInt(n / Number(m.kind.split(' ')[1]))})` : '';
    lines.push(`  ${m.path} (${m.kind.startsWith('repeat') ? 'stack' : m.kind}): ${fmtInt(n)}${perLayer}`);
  }
  let rest = 0;
  for (const p of graph.params.values()) if (!p.name.includes('.')) rest += paramCount(p);
  if (rest) lines.push(`  (model-level parameters): ${fmtInt(rest)}`);
  void total;
  return [`parameters by module:\n${lines.join('\n')}`];
}

/**
 * `expect params == 124_439_808` pins the spec's own configuration: once `--set layers=2` changes
 * that configuration, a failure says nothing about the spec. A failed expectation is therefore
 * reported as skipped (TFM4009, info) with what it found, not as TFM4003. An expectation that
 * cannot be evaluated at all (not a boolean, an unknown name) is still an error.
 */
export function checkExpectUnderOverrides(ev: Lowering, s: A.ExpectStmt, env: Env, overrides: Override[], reporter: Reporter): void {
  const produced = reporter.capture(() => checkExpect(ev, s, env));
  const flags = overrides.map((o) => `\`--set ${o.key}=${o.text}\``).join(', ');
  for (const d of produced) {
    if (d.code !== 'TFM4003') {
      reporter.report(d);
      continue;
    }
    reporter.info('TFM4009', `expectation skipped: ${flags} changes the configuration it was written for`, d.primary, {
      notes: [`with the overrides: ${d.message}`, ...d.notes],
      help: 'to pin a variant, write a model that `extends` this one with the new config values and its own `expect`',
    });
  }
}

/**
 * `expect heads % kv_heads == 0` failing is a divisibility mistake in the config: it is reported
 * like an inexact division (see `divisibility.ts`), not as a bare failed expectation inside a
 * library block.
 */
function reportDivisibility(ev: Lowering, c: A.Expr, env: Env): boolean {
  if (c.kind !== 'BinaryExpr' || c.op !== '==' || c.left.kind !== 'BinaryExpr' || c.left.op !== '%' || c.right.kind !== 'IntLit' || c.right.value !== 0) return false;
  const { left: xe, right: ye } = c.left;
  const x = ev.quiet(() => ev.evalExpr(xe, env));
  const y = ev.quiet(() => ev.evalExpr(ye, env));
  if (x.kind !== 'int' || y.kind !== 'int' || y.value === 0) return false;
  const at = ev.ref(env, c);
  reportNotDivisible(ev, 'TFM4003', { name: exprText(xe), value: x.value, origin: x.origin }, { name: exprText(ye), value: y.value, origin: y.origin }, env, at, { ...at, message: 'required here' });
  return true;
}
