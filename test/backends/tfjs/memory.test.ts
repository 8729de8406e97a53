/** Every forward is `tidy`: the tensor count stays flat across calls, gradient steps and models. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, selectBackend } from '../../../src/tfjs.js';
import { loadIR } from './helpers.js';

describe('tensor count', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('stays flat across repeated forward calls (inference and training mode)', () => {
    const model = buildModel(loadIR('specs/gpt2.tfm', 'Gpt2Tiny'), { seed: 1 });
    const ids = tf.tensor2d([[1, 2, 3, 4, 5, 6]], undefined, 'int32');
    const step = (training: boolean) => tf.dispose(Object.values(model.forward({ ids }, { training })));
    step(false);
    step(true);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      step(false);
      step(true);
    }
    expect(tf.memory().numTensors).toBe(before);
    ids.dispose();
    model.dispose();
  });

  it('stays flat across gradient steps, and disposing the model releases its variables', () => {
    const start = tf.memory().numTensors;
    const ir = loadIR('specs/t5.tfm', 'T5Tiny');
    const model = buildModel(ir, { seed: 2 });
    expect(tf.memory().numTensors - start).toBe(ir.params.length);
    const src = tf.tensor2d([[5, 6, 7, 0]], undefined, 'int32');
    const tgt = tf.tensor2d([[1, 2, 3]], undefined, 'int32');
    const labels = tf.tensor2d([[2, 3, 1]], undefined, 'int32');
    const vars = [...model.variables.values()];
    const step = () => {
      const { value, grads } = tf.variableGrads(() => model.forward({ src, tgt, labels }, { training: true, outputs: ['nll'] }).nll as tf.Scalar, vars);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([src, tgt, labels]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('does not leak when a forward call fails', () => {
    const model = buildModel(loadIR('specs/gpt2.tfm', 'Gpt2Tiny'), { seed: 1 });
    const ok = tf.tensor2d([[1, 2, 3]], undefined, 'int32');
    tf.dispose(Object.values(model.forward({ ids: ok })));
    const before = tf.memory().numTensors;
    const bad = tf.tensor2d([[1, 2, 300]], undefined, 'int32');
    expect(() => model.forward({ ids: bad })).toThrow();
    bad.dispose();
    expect(tf.memory().numTensors).toBe(before);
    ok.dispose();
    model.dispose();
  });
});
