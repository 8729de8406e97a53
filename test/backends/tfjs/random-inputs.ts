/** Random valid inputs for a model's IR: sizes for its symbolic dims, token ids valid for every table. */
import * as tf from '@tensorflow/tfjs';
import { resolve } from '../../../src/ir/dims.js';
import type { ModelIR } from '../../../src/ir/types.js';

/**
 * One tensor per input (or per `names`), with the sizes given for symbolic dims (`sizes`; others
 * get `fallback`). int32 inputs hold 0 or 1 — valid ids for every vocabulary, class count and
 * segment table — unless `maxId` allows more; masks are booleans, about three in four true; float
 * inputs are N(0, 1). Seeded.
 */
export function randomInputs(
  ir: ModelIR,
  options: { sizes: Record<string, number>; fallback?: number; seed?: number; names?: readonly string[]; maxId?: number },
): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  const seed = options.seed ?? 1;
  for (const input of ir.inputs) {
    if (options.names && !options.names.includes(input.name)) continue;
    const v = ir.values[input.value];
    const shape = v.shape.map((d) => {
      const r = resolve(d);
      if (r.kind === 'const') return r.value;
      if (r.kind !== 'sym') throw new Error(`input ${input.name} has a derived dim`);
      return options.sizes[r.name] ?? options.fallback ?? 3;
    });
    out[input.name] =
      v.dtype === 'int32'
        ? tf.randomUniform(shape, 0, options.maxId ?? 2, 'int32', seed)
        : v.dtype === 'mask'
          ? tf.tidy(() => tf.less(tf.randomUniform(shape, 0, 1, 'float32', seed), 0.75))
          : tf.randomNormal(shape, 0, 1, 'float32', seed);
  }
  return out;
}
