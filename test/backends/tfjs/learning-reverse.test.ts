/**
 * It learns (1/2): the encoder-decoder of examples/reverse.tfm, trained from scratch by
 * examples/train-reverse.mjs (against the built package, as a user runs it) for the short run of
 * 450 steps, reverses held-out digit sequences. Fixed seeds; about a minute on 2 cores with wasm.
 * The full run (1200 steps, ≥ 99%) is documented in docs/api.md with its measured figures.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

describe('learning: digit reversal (encoder-decoder)', () => {
  it('reaches ≥ 95% exact match on 500 held-out sequences after 450 steps', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'examples/train-reverse.mjs'), '--json', '--steps', '450', '--held-out', '500'], {
      encoding: 'utf8',
      timeout: 400_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    console.log(`reverse: ${JSON.stringify(result)}`);
    expect(result.steps).toBe(450);
    expect(result.heldOut).toBe(500);
    expect(result.finalLoss).toBeLessThan(0.15);
    expect(result.exactMatch).toBeGreaterThanOrEqual(0.95);
  }, 420_000);
});
