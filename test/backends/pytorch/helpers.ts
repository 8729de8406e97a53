/** Shared helpers for the PyTorch target tests: Debian's torch, inputs for a model, output comparison. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { ModelIR } from '../../../src/ir/types.js';
import { evalDim, resolve as resolveDim, type Dim } from '../../../src/ir/dims.js';
import { readSafetensors, writeSafetensors } from '../../../src/weights/exchange.js';
import { rng } from '../../../src/backends/tfjs/data.js';

// The seeded PRNG (mulberry32) of the tfjs backend's data pipeline, for the tests' random inputs.
export { rng };

export const ROOT = join(import.meta.dirname, '../../..');
/** Debian's python3 with python3-torch (`npm test` installs it: scripts/system-packages.sh); another `python3` on PATH may lack torch. */
export const PYTHON = '/usr/bin/python3';
export const RUN_MODELS = join(import.meta.dirname, 'run_models.py');

/** Fails (never skips) with the fix when torch is not importable: CI installs it. */
export function requireTorch(): string {
  try {
    return execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim();
  } catch (e) {
    throw new Error(`these tests need PyTorch at ${PYTHON}: apt-get install python3-torch (npm test does this: scripts/system-packages.sh)\n${(e as Error).message}`);
  }
}

export interface JobReport {
  dir: string;
  params: number;
  declared: number;
  names: string[];
  outputs?: string[];
  /** The message of a `train` job that stopped on a user error. */
  train_error?: string | null;
  /** Greedy continuation of the job's `generate.prompt`. */
  generated?: number[];
}

/** Runs run_models.py once for all jobs; one report per job. */
export function runModels(jobsFile: string): JobReport[] {
  const out = execFileSync(PYTHON, [RUN_MODELS, jobsFile], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return out.trim().split('\n').map((l) => JSON.parse(l) as JobReport);
}


/** The largest id an int input may hold: the smallest table or class count it feeds (looking through shift_left). */
function idLimit(ir: ModelIR, value: number, fallback: number): number {
  let limit = fallback;
  const visit = (v: number) => {
    for (const n of ir.nodes) {
      const at = n.inputs.indexOf(v);
      if (at < 0) continue;
      if (n.op === 'embedding') limit = Math.min(limit, Number(n.attrs.num));
      if (n.op === 'cross_entropy' && at === 1) {
        const logits = ir.values[n.inputs[0]].shape;
        const d = resolveDim(logits[logits.length - 1]);
        if (d.kind === 'const') limit = Math.min(limit, d.value);
      }
      if (n.op === 'shift_left') visit(n.outputs[0]);
    }
  };
  visit(value);
  return limit;
}

/** Random inputs (batch 2, every symbolic size `length` or its bound), as name → {shape, data} with ints (and 0/1 masks) as exact floats. */
export function randomInputs(ir: ModelIR, seed: number, length = 12, batch = 2): Map<string, { shape: number[]; data: Float32Array; dtype: 'int32' | 'float32' }> {
  const r = rng(seed);
  const bound = new Map(ir.bounds.filter((b) => b.max !== undefined).map((b) => [b.dim, b.max!]));
  const out = new Map<string, { shape: number[]; data: Float32Array; dtype: 'int32' | 'float32' }>();
  const symbol = (name: string) => (name === 'batch' ? batch : Math.min(length, bound.get(name) ?? length));
  const sizeOf = (d: Dim): number => {
    const x = resolveDim(d);
    if (x.kind === 'const') return x.value;
    if (x.kind === 'sym') return symbol(x.name);
    return evalDim(x, symbol) ?? length;
  };
  for (const input of ir.inputs) {
    const v = ir.values[input.value];
    const shape = v.shape.map(sizeOf);
    const count = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(count);
    if (v.dtype === 'mask') {
      // Masks as int32 0/1 data (1 = may attend), about three keys in four allowed; the tfjs side
      // reads them as int32, the PyTorch side as the float32 of the safetensors file.
      for (let i = 0; i < count; i++) data[i] = r() < 0.75 ? 1 : 0;
    } else if (v.dtype === 'int32') {
      const limit = idLimit(ir, input.value, 7);
      // Non-padding ids (0 is the padding id of the shipped specs) but one per row: the last of
      // row 0, the first of row 1 (under a causal mask, that query has no key left: zeros).
      for (let i = 0; i < count; i++) data[i] = 1 + Math.floor(r() * (limit - 1));
      if (shape.length === 2 && limit > 1) for (let b = 0; b < shape[0]; b++) data[b * shape[1] + (b === 0 ? shape[1] - 1 : 0)] = 0;
    } else {
      for (let i = 0; i < count; i++) data[i] = (r() * 2 - 1) * 1.5;
    }
    out.set(input.name, { shape, data, dtype: v.dtype === 'int32' || v.dtype === 'mask' ? 'int32' : 'float32' });
  }
  fitCtcInputs(ir, out, r, sizeOf);
  return out;
}

/**
 * Inputs of a `ctc_loss` that an alignment can reach: targets are classes other than the blank,
 * without repeats; every sequence but the first is two frames (but at least one) and one target shorter than the axes
 * (so the lengths are exercised); no target is longer than half its frames.
 */
function fitCtcInputs(ir: ModelIR, inputs: ReturnType<typeof randomInputs>, r: () => number, sizeOf: (d: Dim) => number): void {
  const inputOf = (value: number) => inputs.get(ir.inputs.find((i) => i.value === value)?.name ?? '');
  for (const node of ir.nodes.filter((n) => n.op === 'ctc_loss')) {
    const [targets, frames, count] = node.inputs.slice(1).map(inputOf);
    if (!targets || !frames || !count) continue;
    const [b, t, classes] = ir.values[node.inputs[0]].shape.map(sizeOf);
    const s = targets.shape[1];
    const blank = Number(node.attrs.blank);
    for (let row = 0; row < b; row++) {
      frames.data[row] = row === 0 ? t : Math.max(1, t - 2);
      count.data[row] = Math.max(1, Math.min(row === 0 ? s : s - 1, Math.floor(frames.data[row] / 2)));
      let previous = -1;
      for (let j = 0; j < s; j++) {
        let id: number;
        do id = Math.floor(r() * classes);
        while (id === blank || id === previous);
        targets.data[row * s + j] = previous = id;
      }
    }
  }
}

export async function writeInputs(file: string, inputs: Map<string, { shape: number[]; data: Float32Array }>): Promise<void> {
  await writeSafetensors(file, [...inputs].map(([k, v]) => [k, { shape: v.shape, data: v.data }]));
}

/** A safetensors file's tensors as name → {shape, data}. */
export async function readTensors(file: string): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
  return (await readSafetensors(file)).tensors;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
