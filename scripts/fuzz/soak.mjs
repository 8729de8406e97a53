// The soak of `npm run fuzz` (scripts/fuzz.mjs): random valid specs and mutated specs through
// check → compile (ts, pytorch; the `tfmc compile` command itself, into a temporary folder) →
// tfjs forward, counting what happened. Bad input must be refused with a coded diagnostic or a
// one-line error, never an exception (an "internal error"), and a failed compile must leave no
// file behind ("half-written output"). tfmc's functions come in as `api`, so the script runs this
// against `dist/` and the test (test/scripts/fuzz.test.ts) against `src/`.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mutate, nameSpec } from './specs.mjs';

/** Models with more parameters are checked and compiled, but not run (a mutated spec's sizes can be anything). */
const MAX_FORWARD_PARAMS = 2_000_000;
const TARGETS = ['ts', 'pytorch'];

/**
 * Runs `count` valid and `count` mutated specs (mutations of `seeds`: shipped spec texts, and of
 * generated specs) in folders under `work`. Returns the counts; `failures` lists each internal
 * error, half-written output and refused valid spec, with the folder holding its spec.
 */
export async function soak({ count, seed, work, api, seeds, log = () => {} }) {
  const stats = newStats();
  for (let i = 0; i < count; i++) {
    await runCase(stats, 'valid', `valid-${seed}-${i}`, nameSpec(seed * 7919 + i), work, api);
    const base = i % 2 === 0 && seeds.length ? seeds[Math.floor(i / 2) % seeds.length].text : nameSpec(seed * 104729 + i);
    const m = mutate(base, seed * 31 + i);
    await runCase(stats, 'mutated', `mutated-${seed}-${i}`, m.source, work, api, m.edits);
    if ((i + 1) % 50 === 0) log(`  ${i + 1}/${count}`);
  }
  return stats;
}

/** Empty counts. */
export function newStats() {
  return {
    valid: { total: 0, checked: 0, refused: 0, compiled: { ts: 0, pytorch: 0 }, compileRefused: { ts: 0, pytorch: 0 }, forwardOk: 0, forwardRefused: 0, forwardSkipped: 0 },
    mutated: { total: 0, refused: 0, codes: {}, checked: 0, noModel: 0, compiled: { ts: 0, pytorch: 0 }, compileRefused: { ts: 0, pytorch: 0 }, forwardOk: 0, forwardRefused: 0, forwardSkipped: 0 },
    internalErrors: 0,
    halfWritten: 0,
    failures: [],
    /** One-line refusals of checked specs by a target or the forward pass (limitations, not crashes). */
    refusals: [],
  };
}

/** One spec (`kind`: `valid` must check clean, `mutated` may be refused) through the soak, counted into `stats`. */
export async function runCase(stats, kind, id, source, work, api, edits = []) {
  const s = stats[kind];
  s.total++;
  const dir = join(work, id);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'spec.tfm');
  writeFileSync(file, source);
  const fail = (what, error) => {
    stats.failures.push({ id, dir, what, message: error instanceof Error ? (error.stack ?? error.message) : String(error), edits });
  };
  const internal = (what, error) => {
    stats.internalErrors++;
    fail(`internal error in ${what}`, error);
  };

  let checked;
  try {
    checked = api.checkSource(source, file);
  } catch (e) {
    return internal('check', e);
  }
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  const uncoded = errors.filter((d) => !/^TFM\d{4}$/.test(d.code ?? ''));
  if (uncoded.length) return internal('check', `a diagnostic without a code: ${uncoded[0].message}`);
  if (errors.length) {
    if (kind === 'valid') {
      s.refused++;
      return fail('a generated valid spec was refused', errors.map((d) => `${d.code} ${d.message}`).join('; '));
    }
    s.refused++;
    for (const code of new Set(errors.map((d) => d.code))) s.codes[code] = (s.codes[code] ?? 0) + 1;
    return;
  }
  if (checked.models.length === 0) {
    s.noModel++;
    return;
  }
  s.checked++;
  const ir = checked.models.reduce((a, b) => (api.totalParams(b) < api.totalParams(a) ? b : a));

  for (const target of TARGETS) {
    const errText = [];
    const ctx = { out: () => {}, err: (t) => errText.push(t), colorOut: false, colorErr: false, cwd: dir, env: {}, exitCode: 0, quiet: true };
    let status;
    try {
      status = await api.runCompile(ctx, file, { target, out: target, model: ir.name, standalone: target === 'ts' ? true : undefined });
    } catch (e) {
      internal(`compile --target ${target}`, e);
      continue;
    }
    const staging = readdirSync(dir).filter((f) => f.startsWith(`.${target}.tmp-`));
    const out = join(dir, target);
    const complete = status === 0 ? existsSync(out) && readdirSync(out).length > 0 : !existsSync(out);
    if (staging.length || !complete) {
      stats.halfWritten++;
      fail(`half-written output of --target ${target} (exit ${status})`, `left: ${[...staging, ...(existsSync(out) ? [target] : [])].join(', ')}`);
    }
    if (status === 0) s.compiled[target]++;
    else {
      s.compileRefused[target]++;
      stats.refusals.push(`${id} --target ${target}: ${errText.join('').trim().split('\n')[0]}`);
      if (kind === 'valid') fail(`a generated valid spec was refused by --target ${target}`, errText.join(''));
    }
  }

  if (api.totalParams(ir) > MAX_FORWARD_PARAMS) {
    s.forwardSkipped++;
    return;
  }
  let model;
  let feeds = {};
  try {
    model = await api.compile(file, { model: ir.name, seed: 1 });
    // fromEntries: an input named `__proto__` is an entry, not the object's prototype.
    feeds = Object.fromEntries(ir.inputs.map((input) => [input.name, randomInput(api, ir, input.value)]));
    const out = model.predict(feeds, { outputs: [...model.outputNames, ...model.lossNames] });
    api.tf.dispose(Object.values(out));
    s.forwardOk++;
  } catch (e) {
    if (api.userErrors.some((E) => e instanceof E)) {
      s.forwardRefused++;
      stats.refusals.push(`${id} forward: ${e.message.split('\n')[0]}`);
      if (kind === 'valid') fail('a generated valid spec was refused by the tfjs forward pass', e);
    } else internal('the tfjs forward pass', e);
  } finally {
    api.tf.dispose(Object.values(feeds));
    model?.dispose();
  }
}

/** Batch 2, every other symbolic size 4 (or its `where` bound); ids 0 and 1, valid for every table. */
function randomInput(api, ir, value) {
  const v = ir.values[value];
  const bound = new Map(ir.bounds.filter((b) => b.max !== undefined).map((b) => [b.dim, b.max]));
  const shape = v.shape.map((d) => api.evalDim(d, (name) => (name === 'batch' ? 2 : Math.min(4, bound.get(name) ?? 4))) ?? 4);
  if (v.dtype === 'int32') return api.tf.randomUniform(shape, 0, 2, 'int32', 7);
  if (v.dtype === 'mask' || v.dtype === 'bool') return api.tf.tidy(() => api.tf.less(api.tf.randomUniform(shape, 0, 1, 'float32', 7), 0.75));
  return api.tf.randomNormal(shape, 0, 1, 'float32', 7);
}

/** The counts as the lines `npm run fuzz` prints. */
export function report(stats, seconds) {
  const v = stats.valid;
  const m = stats.mutated;
  const codes = Object.entries(m.codes).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([c, n]) => `${c} ${n}`).join(', ');
  const targets = (x) => TARGETS.map((t) => `${t} ${x.compiled[t]}${x.compileRefused[t] ? ` (${x.compileRefused[t]} refused)` : ''}`).join(', ');
  return [
    `valid specs:    ${v.total} generated, ${v.checked} checked clean (${v.refused} refused), compiled: ${targets(v)}; tfjs forward ok ${v.forwardOk} (${v.forwardRefused} refused, ${v.forwardSkipped} too large to run)`,
    `mutated specs:  ${m.total} mutated, ${m.refused} refused with a code (${codes || 'none'}), ${m.noModel} without a model, ${m.checked} still valid: compiled: ${targets(m)}; tfjs forward ok ${m.forwardOk} (${m.forwardRefused} refused, ${m.forwardSkipped} too large to run)`,
    `internal errors: ${stats.internalErrors} (must be 0)`,
    `half-written outputs: ${stats.halfWritten} (must be 0)`,
    `time: ${seconds.toFixed(1)} s`,
  ].join('\n');
}
