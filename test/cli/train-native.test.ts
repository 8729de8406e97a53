/**
 * Issue 14: `tfmc train` on the native backend follows the loss curve of the wasm backend (same
 * spec, data, seed and steps): the native kernels are the same functions computed in another
 * order (sums in double, a polynomial exp), so the curves agree to float rounding, not bit for
 * bit. The speed of the two is compared by `npm run bench` (section train), not here.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tfmc } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-train-native-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The step losses and validation losses of a short run. */
function curve(backend: string): { steps: number[]; evals: number[] } {
  const args = ['train', path.join(ROOT, 'examples/tiny-lm.tfm'), '--data', path.join(ROOT, 'examples/corpus.txt'), '--steps', '6', '--batch', '4', '--seq', '32'];
  const r = tfmc([...args, '--lr', '3e-3', '--eval-every', '3', '--seed', '3', '--backend', backend, '--out', backend], { cwd: dir, timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toContain(`backend: ${backend}`);
  const metrics = fs.readFileSync(path.join(dir, backend, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; loss: number });
  return { steps: metrics.filter((m) => m.type === 'step').map((m) => m.loss), evals: metrics.filter((m) => m.type === 'eval').map((m) => m.loss) };
}

describe('tfmc train: native and wasm give the same loss curve', { timeout: 120_000 }, () => {
  it('six steps of the tiny language model, evaluations included', () => {
    const wasm = curve('wasm');
    const native = curve('native');
    expect(native.steps).toHaveLength(6);
    expect(native.evals).toHaveLength(3); // steps 0, 3 and 6
    // It learns: the curve is not flat (so agreeing is not trivial).
    expect(wasm.steps[5]).toBeLessThan(wasm.steps[0] - 0.1);
    native.steps.forEach((l, i) => expect(Math.abs(l - wasm.steps[i]), `step ${i + 1}`).toBeLessThan(1e-3 * wasm.steps[i]));
    native.evals.forEach((l, i) => expect(Math.abs(l - wasm.evals[i]), `evaluation ${i}`).toBeLessThan(1e-3 * wasm.evals[i]));
  });
});
