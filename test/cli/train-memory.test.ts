/**
 * Issue 14: training GPT-2 small on the native backend at the default batch aborted inside the
 * wasm module (`Aborted()` from `_register_tensor`, the heap at its 4 GiB) minutes into the run.
 * `tfmc train` now estimates a step's memory before it allocates the weights and refuses a step
 * past the heap with TFM6008 and the largest batch that fits (src/cli/train/memory-fit.ts); the
 * estimate is compared here with the peak a real step reaches (bench/train-memory.js).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, expectNoStackTrace, ROOT, tfmc } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-train-memory-'));
  fs.writeFileSync(path.join(dir, 'text.txt'), fs.readFileSync(path.join(ROOT, 'examples/corpus.txt'), 'utf8'));
  // Writes the process's peak resident memory (KiB) to $RSS_OUT when it exits.
  fs.writeFileSync(path.join(dir, 'rss.mjs'), "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.RSS_OUT, String(process.resourceUsage().maxRSS)));\n");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('tfmc train refuses a step that does not fit, before allocating', { timeout: 120_000 }, () => {
  it('GPT-2 small at the default batch on native, as docs/cli.md prints it: TFM6008 with the batch that fits, no weights allocated', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/cli.md'), 'utf8');
    const command = doc.split('\n').find((l) => l.startsWith('tfmc train specs/gpt2.tfm --model Gpt2Small'))!;
    const printed = doc.split('\n').find((l) => l.startsWith('error[TFM6008]: training `Gpt2Small`'))!;
    expect(command).toBeDefined();
    const rssOut = path.join(dir, 'rss.txt');
    const r = spawnSync(process.execPath, ['--import', path.join(dir, 'rss.mjs'), BIN, ...command.split(/\s+/).slice(1)], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, RSS_OUT: rssOut, TFMC_MAX_MEMORY: undefined, NO_COLOR: '1' },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(1);
    expectNoStackTrace({ status: r.status, stdout: r.stdout, stderr: r.stderr });
    expect(r.stderr.trim()).toBe(printed);
    expect(r.stderr).toContain('Train with --batch 3 (the largest that fits at --seq 128)');
    expect(fs.existsSync(path.join(ROOT, 'runs', 'gpt2-small'))).toBe(false);
    // The weights alone are 498 MB: a process that allocated them would be far above this.
    const peakMiB = Number(fs.readFileSync(rssOut, 'utf8')) / 1024;
    expect(peakMiB).toBeLessThan(450);
  });

  it('the batch it suggests trains (a small model under TFMC_MAX_MEMORY)', () => {
    const spec = path.join(ROOT, 'examples/tiny-lm.tfm');
    const args = ['train', spec, '--data', 'text.txt', '--set', 'd_model=128', '--steps', '1', '--seq', '64', '--backend', 'native', '--eval-every', '1000'];
    const env = { TFMC_MAX_MEMORY: '60MB' };
    const refused = tfmc([...args, '--batch', '64', '--out', 'refused'], { cwd: dir, env, timeout: 60_000 });
    expect(refused.status, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/^error\[TFM6008\]: .* more than the 54\.0 MB a step may use of the 60\.0 MB TFMC_MAX_MEMORY allows\. Train with --batch (\d+) /m);
    const batch = /Train with --batch (\d+)/.exec(refused.stderr)![1];
    expect(Number(batch)).toBeGreaterThan(0);
    expect(Number(batch)).toBeLessThan(64);
    const trained = tfmc([...args, '--batch', batch, '--out', 'fits'], { cwd: dir, env, timeout: 60_000 });
    expect(trained.status, trained.stderr).toBe(0);
  });
});

describe('the estimate is within a sane factor of the measured peak', { timeout: 180_000 }, () => {
  // A 2-layer GPT (d_model 256, vocab 1000) at 8 × 128, two Adam steps, in a fresh process each.
  for (const backend of ['native', 'wasm']) {
    it(`${backend}: live tensor bytes at their peak, and the heap`, () => {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bench/train-memory.js'), 'specs/gpt2.tfm', 'Gpt2Small', '8', '128', backend, '2', 'd_model=256,heads=4,layers=2,vocab=1000'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 170_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const m = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { livePeak: number; heapPeak: number; estimate: { total: number } };
      const live = m.livePeak / m.estimate.total;
      expect(live).toBeGreaterThan(0.7);
      expect(live).toBeLessThan(1.5);
      // The heap adds fragmentation and growth slack to the live bytes.
      expect(m.heapPeak).toBeGreaterThanOrEqual(m.livePeak);
      expect(m.heapPeak / m.estimate.total).toBeLessThan(1.8);
    });
  }
});
