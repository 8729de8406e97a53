/** The warm-up schedules (`constant`, `linear`, `cosine`): values at known steps, and the mistakes they report. */
import { describe, expect, it } from 'vitest';
import { toSchedule, warmupSchedule } from '../../../src/backends/tfjs/schedule.js';

describe('warm-up schedules', () => {
  // Peak 1, 10 warm-up steps, the decay ends at step 110 (100 steps after the warm-up).
  const at = (kind: 'constant' | 'linear' | 'cosine', steps: number[], extra: { final?: number } = {}) => {
    const f = toSchedule({ kind, lr: 1, warmup: 10, steps: 110, ...extra }, undefined);
    return steps.map((s) => f(s));
  };

  it('warm up linearly from 0: lr · step / warmup, the peak at step = warmup', () => {
    for (const kind of ['constant', 'linear', 'cosine'] as const) expect(at(kind, [1, 5, 10])).toEqual([0.1, 0.5, 1]);
  });

  it('constant: the peak from the end of the warm-up on', () => {
    expect(at('constant', [10, 11, 110, 10_000])).toEqual([1, 1, 1, 1]);
    expect(warmupSchedule({ kind: 'constant', lr: 3e-4 })(1)).toBe(3e-4); // no warm-up
  });

  it('linear: a straight line from the peak at the end of the warm-up to `final` at `steps`, then `final`', () => {
    const [a, b, c, d, e] = at('linear', [10, 35, 60, 110, 500]);
    expect([a, d, e]).toEqual([1, 0, 0]);
    expect(b).toBeCloseTo(0.75, 12);
    expect(c).toBeCloseTo(0.5, 12);
    expect(at('linear', [60, 110, 200], { final: 0.2 })).toEqual([0.6, 0.2, 0.2].map((v, i) => (i === 0 ? expect.closeTo(v, 12) : v)));
  });

  it('cosine: (1 + cos(π·p))/2 of the way from `final` to the peak, p the fraction of the decay done', () => {
    const [a, b, c, d, e] = at('cosine', [10, 35, 60, 85, 110]);
    expect(a).toBe(1);
    expect(b).toBeCloseTo((1 + Math.SQRT1_2) / 2, 12); // p = 1/4: 0.853553…
    expect(c).toBeCloseTo(0.5, 12);
    expect(d).toBeCloseTo((1 - Math.SQRT1_2) / 2, 12);
    expect(e).toBe(0);
    expect(at('cosine', [60, 110, 111], { final: 0.1 })).toEqual([expect.closeTo(0.55, 12), 0.1, 0.1]);
  });

  it('a warm-up as long as the run: the ramp, then `final` from step `steps` on', () => {
    const f = warmupSchedule({ kind: 'cosine', lr: 2, warmup: 10, steps: 10 });
    expect([f(5), f(9), f(10), f(11)]).toEqual([1, 1.8, 0, 0]);
  });

  it('mistakes are RangeErrors that name the fix', () => {
    expect(() => toSchedule({ kind: 'cosine', lr: 1e-3, warmup: 10 }, undefined)).toThrow(/the cosine schedule needs `steps`, the step at which it reaches its final rate/);
    expect(() => warmupSchedule({ kind: 'linear', lr: -1, steps: 10 })).toThrow(/needs a learning rate `lr` ≥ 0, got -1/);
    expect(() => warmupSchedule({ kind: 'constant', lr: 1, warmup: 2.5 })).toThrow(/`warmup` must be a whole number of steps ≥ 0/);
    expect(() => toSchedule({ kind: 'exponential', lr: 1 } as never, undefined)).toThrow(/unknown learning rate .*'constant' \| 'linear' \| 'cosine'/);
  });
});
