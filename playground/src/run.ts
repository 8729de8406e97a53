/**
 * Runs the checked model in the page with tfmc's tfjs executor (`src/backends/tfjs/executor.ts`)
 * on TensorFlow.js's WebAssembly backend: a forward pass on a random batch, or a few Adam steps
 * of the spec's losses on one fixed random batch (which a model can memorise, so the loss falls).
 * This module and tfjs are loaded only when asked to run.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { buildModel } from '../../src/backends/tfjs/executor.js';
import { Trainer, trainingIR, type StepResult } from '../../src/backends/tfjs/train.js';
import { evalDim } from '../../src/ir/dims.js';
import type { ModelIR } from '../../src/ir/types.js';

const BATCH = 2;
/** Every other symbolic size (a sequence length), unless a `where` bound is smaller. */
const SIZE = 8;
const SEED = 7;

let backend: Promise<string> | undefined;

/** Selects tfjs's wasm backend, its .wasm files fetched next to the page; the backend's name. */
export function wasmBackend(): Promise<string> {
  backend ??= (async () => {
    setWasmPaths(new URL('./', document.baseURI).href);
    if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js could not start its wasm backend');
    await tf.ready();
    return tf.getBackend();
  })();
  return backend;
}

/** One random batch for every input: ids inside their declared range (else 0 or 1), masks mostly true, floats N(0, 1). */
function randomBatch(ir: ModelIR): Record<string, tf.Tensor> {
  const size = (sym: string) => {
    if (sym === 'batch') return BATCH;
    const max = ir.bounds.find((b) => b.dim === sym)?.max;
    return max === undefined ? SIZE : Math.min(SIZE, max);
  };
  const out: Record<string, tf.Tensor> = {};
  ir.inputs.forEach((input, i) => {
    const v = ir.values[input.value];
    const shape = v.shape.map((d) => {
      const n = evalDim(d, size);
      if (n === undefined) throw new Error(`cannot pick a size for input \`${input.name}\``);
      return n;
    });
    const seed = SEED + i;
    out[input.name] =
      v.dtype === 'int32'
        ? tf.randomUniform(shape, v.range?.min ?? 0, v.range?.max ?? 2, 'int32', seed)
        : v.dtype === 'mask' || v.dtype === 'bool'
          ? tf.tidy(() => tf.less(tf.randomUniform(shape, 0, 1, 'float32', seed), 0.75))
          : tf.randomNormal(shape, 0, 1, 'float32', seed);
  });
  return out;
}

export interface OutputNumbers {
  name: string;
  dtype: string;
  shape: number[];
  size: number;
  /** The first few values. */
  values: number[];
}

export async function forwardPass(ir: ModelIR): Promise<{ backend: string; inputs: OutputNumbers[]; outputs: OutputNumbers[] }> {
  const name = await wasmBackend();
  const model = buildModel(ir, { seed: SEED });
  const feeds = randomBatch(ir);
  try {
    const out = model.forward(feeds, { outputs: ir.outputs.map((o) => o.name) });
    const numbers = async (n: string, t: tf.Tensor): Promise<OutputNumbers> => ({ name: n, dtype: t.dtype, shape: [...t.shape], size: t.size, values: Array.from((await t.data()).slice(0, 6)) as number[] });
    const inputs = await Promise.all(Object.entries(feeds).map(([n, t]) => numbers(n, t)));
    const outputs = await Promise.all(Object.entries(out).map(([n, t]) => numbers(n, t)));
    tf.dispose(Object.values(out));
    return { backend: name, inputs, outputs };
  } finally {
    tf.dispose(Object.values(feeds));
    model.dispose();
  }
}

/** `steps` Adam steps on one random batch; `onStep` sees each (the page draws it as it comes). */
export async function train(ir: ModelIR, steps: number, onStep: (s: StepResult) => void): Promise<{ backend: string; results: StepResult[] }> {
  const name = await wasmBackend();
  if (ir.losses.length === 0) throw new Error(`the model \`${ir.name}\` declares no loss: add one, e.g. \`loss nll = cross_entropy(logits, labels)\``);
  const { ir: runIR, taps } = trainingIR(ir);
  const model = buildModel(runIR, { seed: SEED });
  const trainer = new Trainer(model, runIR, taps);
  const feeds = randomBatch(ir);
  const results: StepResult[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const r = trainer.step(feeds, { learningRate: 1e-2, dropoutSeed: SEED, rollback: false });
      results.push(r);
      onStep(r);
      await new Promise((resolve) => setTimeout(resolve, 0)); // let the page draw the step
    }
    return { backend: name, results };
  } finally {
    tf.dispose(Object.values(feeds));
    trainer.clearSnapshot();
    trainer.optimizer.dispose?.();
    model.dispose();
  }
}
