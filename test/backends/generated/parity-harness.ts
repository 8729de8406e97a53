/**
 * Runs specs through both code generators and checks the generated code against the tfjs
 * executor: each spec is checked, built as a tfjs model (seeded), and its outputs and losses on
 * random inputs are the reference; the generated PyTorch (all specs in one Python process,
 * `run_forward.py`) and the generated standalone TypeScript (imported as real code) must load
 * the tfjs weights under the spec's parameter names and give the same numbers. One tsc
 * `--strict` run type-checks every generated module. Used by the name fuzzer (`names.test.ts`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { emitPytorch } from '../../../src/backends/pytorch/index.js';
import { generateModelSource } from '../../../src/backends/ts/index.js';
import { buildModel } from '../../../src/tfjs.js';
import { checkSource } from '../../../src/index.js';
import type { ModelIR } from '../../../src/ir/types.js';
import { writeSafetensors } from '../../../src/weights/exchange.js';
import { maxAbsDiff, PYTHON, randomInputs, readTensors, writeInputs } from '../pytorch/helpers.js';
import { importGenerated, typeCheck } from '../ts/helpers.js';

/** PyTorch float32 against tfjs: the parity tests' bar. */
export const PYTORCH_TOLERANCE = 1e-5;
/** Generated TypeScript runs the executor's tfjs calls: the same numbers up to reassociation. */
export const TS_TOLERANCE = 1e-6;

export interface SpecCase {
  /** A short id, also the folder name of the case. */
  id: string;
  source: string;
  /** The model to take (default: the file's last). */
  model?: string;
}

export interface CaseResult {
  id: string;
  /** What went wrong, one line each (empty: both targets agree with tfjs). */
  failures: string[];
  /** The largest output difference of each target. */
  worst: { pytorch?: number; ts?: number };
}

interface Prepared {
  c: SpecCase;
  ir: ModelIR;
  dir: string;
  expected: Map<string, Float32Array>;
  weights: Record<string, tf.Tensor>;
  feeds: Record<string, tf.Tensor>;
  tsSource?: string;
  pyJob?: number;
}

/** Checks every case in `work` (a scratch project folder: see `scratchProject`); never throws for a failing case. */
export async function runGeneratedParity(cases: SpecCase[], work: string): Promise<CaseResult[]> {
  const results = new Map<string, CaseResult>(cases.map((c) => [c.id, { id: c.id, failures: [], worst: {} }]));
  const fail = (id: string, what: string) => results.get(id)!.failures.push(what);
  const prepared: Prepared[] = [];
  const jobs: object[] = [];
  for (const c of cases) {
    const dir = join(work, c.id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'spec.tfm'), c.source); // for reading a failure
    const checked = checkSource(c.source, join(dir, 'spec.tfm'));
    const errors = checked.diagnostics.filter((d) => d.severity === 'error');
    const ir = c.model ? checked.models.find((m) => m.name === c.model) : checked.models[checked.models.length - 1];
    if (errors.length || !ir) {
      fail(c.id, `check: ${errors.map((d) => `${d.code} ${d.message}`).join('; ') || 'no model'}`);
      continue;
    }
    const model = buildModel(ir, { seed: 3 });
    const inputs = randomInputs(ir, 5, 6, 2);
    const feeds = Object.fromEntries([...inputs].map(([k, v]) => [k, tf.tensor(v.data, v.shape, v.dtype)]));
    const names = [...model.outputNames, ...model.lossNames];
    const out = model.forward(feeds, { outputs: names });
    const missing = names.filter((n) => !Object.hasOwn(out, n));
    if (missing.length) fail(c.id, `tfjs: no output ${missing.join(', ')}`);
    const expected = new Map(names.filter((n) => Object.hasOwn(out, n)).map((n) => [n, Float32Array.from(out[n].dataSync())]));
    tf.dispose(Object.values(out));
    const weights = Object.fromEntries(Object.entries(model.getWeights()).map(([k, v]) => [k, v.clone()]));
    model.dispose();
    const p: Prepared = { c, ir, dir, expected, weights, feeds };
    prepared.push(p);

    try {
      for (const [name, text] of emitPytorch(ir)) writeFileSync(join(dir, name), text);
      await writeInputs(join(dir, 'inputs.safetensors'), inputs);
      await writeSafetensors(join(dir, 'tfjs.safetensors'), Object.entries(weights).map(([k, v]) => [k, { shape: v.shape, data: v.dataSync() as Float32Array }]));
      p.pyJob = jobs.length;
      jobs.push({ dir, inputs: join(dir, 'inputs.safetensors'), weights: join(dir, 'tfjs.safetensors'), outputs: join(dir, 'torch-outputs.safetensors') });
    } catch (e) {
      fail(c.id, `pytorch emit: ${(e as Error).message}`);
    }
    try {
      p.tsSource = await generateModelSource(ir, { standalone: true });
    } catch (e) {
      fail(c.id, `ts emit: ${(e as Error).message}`);
    }
  }

  // PyTorch: one process for every case.
  writeFileSync(join(work, 'jobs.json'), JSON.stringify(jobs));
  const lines = jobs.length
    ? execFileSync(PYTHON, [join(import.meta.dirname, 'run_forward.py'), join(work, 'jobs.json')], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, OMP_NUM_THREADS: '1' } }).trim().split('\n')
    : [];
  for (const p of prepared) {
    if (p.pyJob === undefined) continue;
    const report = JSON.parse(lines[p.pyJob]) as { names?: string[]; error?: string };
    if (report.error) {
      fail(p.c.id, `pytorch run: ${report.error}`);
      continue;
    }
    const names = report.names!.slice().sort();
    const want = p.ir.params.map((q) => q.name).sort();
    if (JSON.stringify(names) !== JSON.stringify(want)) fail(p.c.id, `pytorch state_dict names ${JSON.stringify(names)} are not the spec's ${JSON.stringify(want)}`);
    const torch = await readTensors(join(p.dir, 'torch-outputs.safetensors'));
    results.get(p.c.id)!.worst.pytorch = compare(p, (name) => torch.get(name)?.data, PYTORCH_TOLERANCE, 'pytorch', fail);
  }

  // TypeScript: type-checked together, then each imported and run.
  const sources = Object.fromEntries(prepared.filter((p) => p.tsSource).map((p) => [`${p.c.id}.ts`, p.tsSource!]));
  const tsc = Object.keys(sources).length ? typeCheck(join(work, 'tsc'), sources) : '';
  for (const p of prepared) {
    if (!p.tsSource) continue;
    const own = tsc.split('\n').filter((l) => l.startsWith(`src/${p.c.id}.ts`));
    if (own.length) fail(p.c.id, `ts type check: ${own.slice(0, 3).join(' | ')}`);
    try {
      const gen = await importGenerated<GeneratedModule>(work, p.tsSource);
      const params = gen.createParams(1);
      try {
        gen.setWeights(params, p.weights);
        const outputs = gen.forward(params, p.feeds);
        const losses = gen.losses ? gen.losses(p.feeds, outputs) : {};
        const all = { ...outputs, ...losses };
        results.get(p.c.id)!.worst.ts = compare(p, (name) => (all[name] ? Float32Array.from(all[name].dataSync()) : undefined), TS_TOLERANCE, 'ts', fail);
        tf.dispose([...Object.values(outputs), ...Object.values(losses)]);
      } finally {
        tf.dispose(Object.values(params));
      }
    } catch (e) {
      fail(p.c.id, `ts run: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  for (const p of prepared) tf.dispose([...Object.values(p.weights), ...Object.values(p.feeds)]);
  return cases.map((c) => results.get(c.id)!);
}

/** The surface of a generated module these checks use. */
interface GeneratedModule {
  createParams(seed?: number): Record<string, tf.Variable>;
  setWeights(params: Record<string, tf.Variable>, weights: Record<string, tf.Tensor>): void;
  forward(params: Record<string, tf.Variable>, inputs: Record<string, tf.Tensor>): Record<string, tf.Tensor>;
  losses?(batch: Record<string, tf.Tensor>, outputs: Record<string, tf.Tensor>): Record<string, tf.Tensor>;
}

function compare(p: Prepared, actual: (name: string) => ArrayLike<number> | undefined, tolerance: number, target: string, fail: (id: string, what: string) => void): number {
  let worst = 0;
  for (const [name, want] of p.expected) {
    const got = actual(name);
    if (!got) {
      fail(p.c.id, `${target}: no output \`${name}\``);
      continue;
    }
    const d = maxAbsDiff(got, want);
    if (!(d <= tolerance)) fail(p.c.id, `${target}: \`${name}\` differs from tfjs by ${d}`);
    worst = Math.max(worst, d);
  }
  return worst;
}
