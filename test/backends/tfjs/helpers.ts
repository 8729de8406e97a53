/** Shared helpers for the tfjs backend tests: loading models and parity fixtures. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checkFile } from '../../../src/index.js';
import type { ModelIR } from '../../../src/ir/types.js';

export const ROOT = join(import.meta.dirname, '../../..');
export const PARITY_DIR = join(ROOT, 'test/fixtures/parity');

const irCache = new Map<string, ModelIR[]>();

/** The IR of a model in a spec file (relative to the repository root); fails on any error. */
export function loadIR(spec: string, model: string): ModelIR {
  let models = irCache.get(spec);
  if (!models) {
    const r = checkFile(join(ROOT, spec));
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new Error(`${spec}: ${errors.map((d) => d.message).join('; ')}`);
    models = r.models;
    irCache.set(spec, models);
  }
  const m = models.find((x) => x.name === model);
  if (!m) throw new Error(`${spec} has no model ${model}`);
  return m;
}

export interface EncodedTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: string;
}

export interface ParityFixture {
  case: string;
  spec: string;
  model: string;
  inputs: Record<string, EncodedTensor>;
  params: Record<string, EncodedTensor>;
  outputs: Record<string, EncodedTensor>;
  /** Loss values by name; the gradients are those of their sum. */
  losses: Record<string, number>;
  grads: Record<string, EncodedTensor>;
}

export function decodeArray(t: EncodedTensor): Float32Array | Int32Array {
  const bytes = Buffer.from(t.data, 'base64');
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return t.dtype === 'int32' ? new Int32Array(buf) : new Float32Array(buf);
}

export function decode(t: EncodedTensor): tf.Tensor {
  return tf.tensor(decodeArray(t), t.shape, t.dtype);
}

export function parityCases(): ParityFixture[] {
  return readdirSync(PARITY_DIR)
    .filter((f) => f.endsWith('.json') && f !== 'relative_buckets.json')
    .sort()
    .map((f) => JSON.parse(readFileSync(join(PARITY_DIR, f), 'utf8')) as ParityFixture);
}

/** max |a − b| over all elements (shapes must be equal). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
