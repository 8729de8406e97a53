/** Adam against torch.optim.Adam/AdamW, global-norm clipping, and the warm-up schedule. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/backends/tfjs/backend.js';
import { Adam, clipByGlobalNorm, globalNorm } from '../../../src/backends/tfjs/optim.js';
import { toSchedule, transformerSchedule } from '../../../src/backends/tfjs/schedule.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('Adam', () => {
  // Reference: PyTorch 1.13, w = [1, -2, 0.5], lr 0.1, betas (0.9, 0.98), eps 1e-9, three steps with
  // these gradients (w.grad set by hand, opt.step()):
  const grads = [
    [0.5, -1.0, 0.0],
    [0.25, 2.0, -0.125],
    [-1.0, 0.5, 3.0],
  ];
  const run = (weightDecay: number) => {
    const w = tf.variable(tf.tensor1d([1, -2, 0.5]));
    const opt = new Adam();
    for (const g of grads) {
      const gt = tf.tensor1d(g);
      opt.apply(new Map([['w', w]]), new Map([['w', gt]]), 0.1, { beta1: 0.9, beta2: 0.98, epsilon: 1e-9, weightDecay });
      gt.dispose();
    }
    const out = Array.from(w.dataSync());
    expect(opt.step).toBe(3);
    opt.dispose();
    w.dispose();
    return out;
  };

  it('matches torch.optim.Adam', () => {
    const want = [0.827035129070282, -1.9781293869018555, 0.5132085084915161];
    run(0).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });

  it('with weightDecay matches torch.optim.AdamW (decoupled decay)', () => {
    const want = [0.8002591133117676, -1.9203523397445679, 0.4976174235343933];
    run(0.1).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });

  it('a gradient scale multiplies the gradients first; moments are kept per parameter', () => {
    const a = tf.variable(tf.tensor1d([1, 1]));
    const b = tf.variable(tf.tensor1d([1, 1]));
    const opt = new Adam();
    const g = tf.tensor1d([2, -2]);
    opt.apply(new Map([['a', a], ['b', b]]), new Map([['a', g]]), 0.5, {}, 0.25);
    // First Adam step moves each element by lr·sign(g) whatever the scale; b has no gradient: untouched.
    expect(Array.from(a.dataSync()).map((x) => Number(x.toFixed(5)))).toEqual([0.5, 1.5]);
    expect(Array.from(b.dataSync())).toEqual([1, 1]);
    expect(Object.keys(opt.getState().m)).toEqual(['a']);
    tf.dispose([a, b, g]);
    opt.dispose();
  });
});

describe('clipping', () => {
  it('global norm and clipByGlobalNorm', () => {
    const x = tf.tensor1d([3, 4]);
    const y = tf.tensor2d([[12]]);
    const n = globalNorm([x, y]);
    expect(n.dataSync()[0]).toBeCloseTo(13, 5);
    const { clipped, norm } = clipByGlobalNorm([x, y], 6.5);
    expect(norm).toBeCloseTo(13, 5);
    expect(Array.from(clipped[0].dataSync())).toEqual([1.5, 2]);
    expect(Array.from(clipped[1].dataSync())).toEqual([6]);
    const same = clipByGlobalNorm([x, y], 20);
    expect(Array.from(same.clipped[0].dataSync())).toEqual([3, 4]);
    tf.dispose([x, y, n, ...clipped, ...same.clipped]);
  });
});

describe('learning-rate schedules', () => {
  it("the paper's warm-up schedule: d_model^-0.5 · min(step^-0.5, step · warmup^-1.5)", () => {
    const s = transformerSchedule({ dModel: 512, warmup: 4000 });
    expect(s(1)).toBeCloseTo(Math.pow(512, -0.5) * Math.pow(4000, -1.5), 12);
    expect(s(4000)).toBeCloseTo(Math.pow(512 * 4000, -0.5), 12); // the peak, ≈ 7e-4
    expect(s(4000)).toBeCloseTo(6.99e-4, 6);
    expect(s(16000)).toBeCloseTo(s(4000) / 2, 12);
    expect(s(2000)).toBeCloseTo(s(4000) / 2, 12);
    const scaled = transformerSchedule({ dModel: 512, warmup: 4000, scale: 2 });
    expect(scaled(100)).toBeCloseTo(2 * s(100), 12);
  });

  it('toSchedule: numbers, functions, the spec object (d_model from the model), and clear errors', () => {
    expect(toSchedule(0.01, undefined)(7)).toBe(0.01);
    expect(toSchedule((step) => step / 10, undefined)(3)).toBeCloseTo(0.3, 12);
    expect(toSchedule({ kind: 'transformer', warmup: 10 }, 64)(10)).toBeCloseTo(Math.pow(640, -0.5), 12);
    expect(toSchedule({ kind: 'transformer', warmup: 10, dModel: 16 }, 64)(10)).toBeCloseTo(Math.pow(160, -0.5), 12);
    expect(() => toSchedule({ kind: 'transformer', warmup: 10 }, undefined)).toThrow('the model has no `d_model` config value, so give `dModel` in the schedule');
    expect(() => toSchedule(-1, undefined)).toThrow('the learning rate must be a finite number ≥ 0, got -1');
    expect(() => toSchedule({ kind: 'transformer', warmup: 0 }, 64)).toThrow('positive number of warm-up steps');
  });
});
