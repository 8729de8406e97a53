/**
 * Inputs, outputs and parameters named `__proto__` or `constructor` are ordinary entries of the
 * model API's records: `record[name] = value` on a plain object would set the prototype instead
 * (found by the name fuzzer, scripts/fuzz/specs.mjs).
 */
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { compile } from '../../../src/index.js';

const SPEC = `model Proto {
  input __proto__: float32[batch, 4]
  input constructor: float32[batch, 4]
  let valueOf = param([4], init: ones)
  let proj = Linear(4)
  output hasOwnProperty = proj(__proto__ * valueOf) + constructor
  output toString = constructor * 2.0
}

model ProtoOut {
  input x: float32[batch, 4]
  let __proto__ = param([4], init: ones)
  output __proto__ = x * __proto__
}
`;

it('feeds and outputs named `__proto__`, `constructor`, `toString`, `hasOwnProperty` are own entries', async () => {
  const model = await compile(SPEC, { model: 'Proto', seed: 1 });
  try {
    const x = tf.ones([2, 4]);
    const y = tf.zeros([2, 4]);
    const out = model.predict({ ['__proto__']: x, constructor: y });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out).sort()).toEqual(['hasOwnProperty', 'toString']);
    const entry = (name: string) => out[name]; // (a literal key would type as Object's method)
    expect(entry('hasOwnProperty').shape).toEqual([2, 4]);
    expect(Array.from(entry('toString').dataSync())).toEqual(new Array(8).fill(0));
    expect(Object.keys(model.getWeights())).toContain('valueOf');
    tf.dispose([x, y, ...Object.values(out)]);
  } finally {
    model.dispose();
  }
});

it('an output and a parameter named `__proto__` are own entries; weights given by that name reach the parameter', async () => {
  const model = await compile(SPEC, { model: 'ProtoOut', seed: 1 });
  try {
    model.setWeights({ ['__proto__']: tf.fill([4], 3) });
    expect(Array.from(model.getWeights()['__proto__'].dataSync())).toEqual([3, 3, 3, 3]);
    const x = tf.ones([1, 4]);
    const out = model.predict({ x });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(Array.from(out['__proto__'].dataSync())).toEqual([3, 3, 3, 3]);
    tf.dispose([x, ...Object.values(out)]);
  } finally {
    model.dispose();
  }
});
