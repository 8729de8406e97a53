/** Runs reference_checkpoints.py (Debian's torch) to write a tiny checkpoint and its reference logits. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../../../src/backends/tfjs/compiled-model.js';
import { readSafetensors } from '../../../src/weights/exchange.js';

export const SCRIPT = join(import.meta.dirname, 'reference_checkpoints.py');

export function writeReferenceCheckpoint(family: string, dir: string, shards = 1): void {
  execFileSync('/usr/bin/python3', [SCRIPT, family, dir, ...(shards > 1 ? ['--shards', String(shards)] : [])], { stdio: 'pipe' });
}

export interface Reference {
  inputs: Record<string, tf.Tensor>;
  outputs: Record<string, { shape: readonly number[]; data: Float32Array }>;
}

/** The inputs (int32 or float32 tensors) and the logits the torch forward computed. */
export async function readReference(dir: string): Promise<Reference> {
  const file = await readSafetensors(join(dir, 'reference.safetensors'));
  const inputs: Record<string, tf.Tensor> = {};
  const outputs: Reference['outputs'] = {};
  for (const [name, t] of file.tensors) {
    if (name.startsWith('input.')) inputs[name.slice(6)] = tf.tensor(t.data, t.shape, t.dtype === 'I32' ? 'int32' : 'float32');
    else outputs[name.slice(7)] = t;
  }
  return { inputs, outputs };
}

/** The largest absolute difference between each of the model's outputs and the reference's. */
export function maxDifferences(model: CompiledModel, ref: Reference): Record<string, number> {
  const got = model.predict(ref.inputs);
  const out: Record<string, number> = {};
  for (const [name, want] of Object.entries(ref.outputs)) {
    const t = got[name];
    if (!t) throw new Error(`the model has no output \`${name}\``);
    expectShape(t.shape, want.shape, name);
    const data = t.dataSync();
    out[name] = want.data.reduce((m, v, i) => Math.max(m, Math.abs(v - data[i])), 0);
  }
  tf.dispose(Object.values(got));
  return out;
}

function expectShape(a: readonly number[], b: readonly number[], name: string): void {
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) throw new Error(`output \`${name}\` is [${a.join(', ')}], the reference [${b.join(', ')}]`);
}
