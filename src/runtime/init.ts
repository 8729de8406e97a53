/** Initial parameter values, seeded as the in-memory model seeds them. Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';

/** How a parameter starts: the in-memory model's initialisers (`src/backends/tfjs/init.ts`). */
export type Init = 'zeros' | 'ones' | 'normal' | 'embedding' | 'uniform_fan_in' | { uniform: number };

/**
 * An initial value, seeded per parameter from the model seed exactly as the in-memory model does,
 * so the same seed gives the same weights: `index` is the parameter's position in the model.
 */
export function initialValue(shape: readonly number[], init: Init, seed: number | undefined, index: number): tf.Tensor {
  const s = seed === undefined ? undefined : (seed * 1_000_003 + index * 7919 + 17) % 2_147_483_647;
  const dims = [...shape];
  if (typeof init === 'object') return tf.randomUniform(dims, -init.uniform, init.uniform, 'float32', s);
  switch (init) {
    case 'zeros':
      return tf.zeros(dims);
    case 'ones':
      return tf.ones(dims);
    case 'normal':
      return tf.randomNormal(dims, 0, 0.02, 'float32', s);
    case 'embedding':
      return tf.randomNormal(dims, 0, 1 / Math.sqrt(dims[dims.length - 1]), 'float32', s);
    case 'uniform_fan_in': {
      const fanIn = dims.length > 1 ? dims.slice(1).reduce((a, b) => a * b, 1) : dims[0];
      return tf.randomUniform(dims, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), 'float32', s);
    }
  }
}
