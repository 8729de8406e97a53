/** `fit`'s abort signal (what `tfmc train` uses for Ctrl-C), on a real tiny model. */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../../src/index.js';
import { ROOT } from './helpers.js';

const REVERSE = join(ROOT, 'examples/reverse.tfm');
const SMALL = { d_model: 16, heads: 2, d_ff: 32, layers: 1 };
const batch = (rows: number[][]) => {
  const rev = rows.map((r) => [...r].reverse());
  return { src: rows, tgt: rev.map((r) => [1, ...r]), labels: rev.map((r) => [...r, 2]) };
};

describe('fit with an AbortSignal', () => {
  beforeAll(async () => {
    await import('../../../src/backends/tfjs/backend.js').then((b) => b.selectBackend('cpu'));
  });

  it('stops after the step in progress and its onStep, skips the validation, and reports aborted', async () => {
    const m = await compile(REVERSE, { overrides: SMALL, seed: 1 });
    const data = [batch([[3, 4]]), batch([[5, 6]]), batch([[7, 8]])];
    const controller = new AbortController();
    const seen: number[] = [];
    const h = await m.fit(data, {
      epochs: 5,
      validationData: [batch([[9, 10]])],
      signal: controller.signal,
      onStep: (s) => {
        seen.push(s.step);
        if (s.step === 2) controller.abort();
      },
    });
    expect(seen).toEqual([1, 2]);
    expect(h.stopped).toBe('aborted');
    expect(h.steps).toBe(2);
    expect(h.epochs[0].validation).toBeUndefined();
    expect(m.step).toBe(2);

    const none = await m.fit(data, { epochs: 1, signal: AbortSignal.abort() });
    expect([none.steps, none.stopped, m.step]).toEqual([0, 'aborted', 2]);
    m.dispose();
  });
});
