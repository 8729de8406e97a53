/** Fused kernels a tfjs backend may offer beyond tfjs's own. Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';

/**
 * Runs the kernel `name` when the active tfjs backend has one (tfmc's native backend registers
 * these on the wasm backend: one pass over the data, with a gradient that is one pass too, where
 * tfjs ops take several kernels) and every input is float32; else returns undefined, and the
 * caller computes the same with tfjs ops. The kernels, all over the last axis:
 * `TfmcLinear` {x [..., in], weight [out, in], bias? [out]} → x·weightᵀ + bias `[..., out]`;
 * `TfmcLayerNorm` {x, weight [n], bias? [n]} and `TfmcRmsNorm` {x, weight [n]}, attribute `eps`;
 * `TfmcSoftmax`, `TfmcGeluTanh`, `TfmcGelu`, `TfmcSilu` {x};
 * `TfmcCrossEntropy` {logits [N, V], targets [N] (ids as float32)}, attributes `smoothing` and
 * `ignore` → the loss of each row [N] (0 where the target is `ignore`);
 * `TfmcGreedyPick` {logits [N, V]} → [N, 2]: each row's arg-max (as a float) and its log-probability.
 */
export function fusedKernel(name: string, inputs: Record<string, tf.Tensor | undefined>, attrs: Record<string, number> = {}): tf.Tensor | undefined {
  const given: tf.NamedTensorMap = {};
  for (const [key, t] of Object.entries(inputs)) {
    if (t === undefined) continue;
    if (t.dtype !== 'float32') return undefined;
    given[key] = t;
  }
  if (!tf.getKernel(name, tf.getBackend())) return undefined;
  return tf.engine().runKernel(name, given, attrs) as tf.Tensor;
}
