/** Shared helpers for the tfjs backend tests: loading models and parity fixtures. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checkFile, compile } from '../../../src/index.js';
import type { CompiledModel } from '../../../src/backends/tfjs/compiled-model.js';
import type { ModelIR } from '../../../src/ir/types.js';

export const ROOT = join(import.meta.dirname, '../../..');
export const PARITY_DIR = join(ROOT, 'test/fixtures/parity');

/**
 * GPT-2's layout, small, with room for 150 positions: a key/value cache that starts with 64
 * positions grows twice over it (the decode-kernel and replay tests).
 */
export const LONG_LM = `model LongLm {
  config { vocab = 53  ctx = 160  d_model = 32  heads = 4  layers = 2 }
  input ids: int32[batch, seq] where seq <= ctx
  let wte = Embedding(vocab, d_model)
  let wpe = PositionEmbedding(ctx, d_model, kind: learned)
  let blocks = repeat layers { DecoderLayer(d_model, heads, norm: pre, activation: gelu_tanh, dropout: 0.0) }
  output logits = Linear(vocab)(blocks(wte(ids) + wpe(ids), self_mask: causal))
}`;

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

/** max |a − b| / max |b|: the relative difference of two results (lengths must match). */
export function relDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`relDiff: ${a.length} values against ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * A model whose logits are its input (an identity `Linear(3)`), with 2 sequences of 3 positions:
 * 3 of the 4 counted targets are at the arg-max, one is not, and 2 are `ignore_index` (-1), so
 * accuracy, loss and perplexity can be worked out by hand.
 */
export async function identityLogits(): Promise<{ model: CompiledModel; data: Array<{ x: number[][][]; labels: number[][] }> }> {
  const text = `model Id {\n  input x: float32[batch, seq, 3]\n  input labels: int32[batch, seq]\n  output logits = Linear(3)(x)\n  loss ce = cross_entropy(logits, labels, ignore_index: -1)\n}\n`;
  const model = await compile(text, { seed: 1 });
  model.setWeights({ 'logits.weight': tf.eye(3), 'logits.bias': tf.zeros([3]) });
  const x = [
    [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    [[0, 0, 1], [1, 0, 0], [0, 1, 0]],
  ];
  return { model, data: [{ x, labels: [[0, 1, 0], [2, -1, -1]] }] };
}
