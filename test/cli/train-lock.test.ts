/**
 * Issue 15, item 8: two `tfmc train --resume` on one run directory used to interleave and corrupt
 * it. The second now refuses (exit 1, TFM6007) naming the process that holds the run, while the
 * first trains on; the lock of a killed run is taken over once stale. Real processes, real files.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, expectNoStackTrace, ROOT, tfmc } from './helpers.js';

const SPEC = path.join(ROOT, 'examples/tiny-lm.tfm');
const CORPUS = path.join(ROOT, 'examples/corpus.txt');
const SMALL = ['--batch', '2', '--seq', '8', '--warmup', '0', '--eval-every', '100000', '--backend', 'cpu'];
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-train-lock-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const stepsLogged = () => {
  const file = path.join(dir, 'run', 'metrics.jsonl');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"type":"step"')).length : 0;
};

async function waitFor(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('tfmc train: one run per directory', { timeout: 120_000 }, () => {
  it('a second --resume is refused while the first trains; the lock a killed run leaves is taken over when stale', async () => {
    const first = tfmc(['train', SPEC, '--data', CORPUS, '--steps', '2', '--save-every', '1', '--out', 'run', ...SMALL], { cwd: dir, timeout: 60_000 });
    expect(first.status, first.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'run', 'train.lock'))).toBe(false); // released at the end

    const long = spawn(process.execPath, [BIN, 'train', SPEC, '--data', CORPUS, '--steps', '100000', '--save-every', '1', '--out', 'run', '--resume', ...SMALL], { cwd: dir, stdio: 'ignore' });
    try {
      await waitFor('the first run to train', () => stepsLogged() >= 4);
      const second = tfmc(['train', SPEC, '--data', CORPUS, '--steps', '100000', '--out', 'run', '--resume', ...SMALL], { cwd: dir, timeout: 60_000 });
      expect(second.status, second.stderr).toBe(1);
      expect(second.stderr).toMatch(/^error\[TFM6007\]: run is in use by another tfmc train \(process \d+, since [0-9T:.-]+Z\)/);
      expect(second.stderr).toContain(`process ${long.pid}`);
      expectNoStackTrace(second);
      // The first run was not disturbed: it goes on logging steps.
      const seen = stepsLogged();
      await waitFor('the first run to go on', () => stepsLogged() > seen);
    } finally {
      long.kill('SIGKILL');
      await new Promise((r) => long.once('close', r));
    }

    // SIGKILL leaves the lock behind, no longer refreshed. The next run sees its holder is gone and
    // takes the lock over once proper-lockfile deems it stale (≤ 10 s), instead of refusing.
    const lock = path.join(dir, 'run', 'train.lock');
    expect(fs.existsSync(lock)).toBe(true);
    const after = tfmc(['train', SPEC, '--data', CORPUS, '--steps', String(stepsLogged() + 1), '--out', 'run', '--resume', ...SMALL], { cwd: dir, timeout: 60_000 });
    expect(after.stderr).toContain(`run was locked by process ${long.pid}, which is no longer running; taking its lock over`);
    expect(after.stderr).not.toContain('TFM6007');
    expect(after.status, after.stderr).toBe(0);
    expect(fs.existsSync(lock)).toBe(false);
  });
});
