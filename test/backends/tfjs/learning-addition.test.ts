/**
 * It learns (2/2): the decoder-only model of examples/addition.tfm, trained from scratch by
 * examples/train-addition.mjs (against the built package) for 800 steps, adds held-out pairs of
 * 2-digit numbers. Fixed seeds; about a minute on 2 cores with wasm. docs/api.md has the measured
 * figures of this run and of a 3-digit run.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

describe('learning: 2-digit addition (decoder-only)', () => {
  it('reaches ≥ 95% exact match on 500 held-out sums after 800 steps', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'examples/train-addition.mjs'), '--json', '--steps', '800', '--held-out', '500'], {
      encoding: 'utf8',
      timeout: 400_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    console.log(`addition: ${JSON.stringify(result)}`);
    expect(result.steps).toBe(800);
    expect(result.digits).toBe(2);
    expect(result.finalLoss).toBeLessThan(0.1);
    expect(result.exactMatch).toBeGreaterThanOrEqual(0.95);
  }, 420_000);
});
