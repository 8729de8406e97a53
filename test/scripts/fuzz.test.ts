/**
 * The soak of `npm run fuzz` (scripts/fuzz/soak.mjs), with a small count, against `src/`: random
 * valid specs check, compile to TypeScript and PyTorch, and run in tfjs; mutated specs are refused
 * with a code or go the same way; nothing throws, and a refused compile leaves no file. Also that
 * the soak's own verdicts can fail: an exception is counted as an internal error, a target's
 * refusal of a spec leaves nothing behind. Last, the documented command itself (`node
 * scripts/fuzz.mjs`, what `npm run fuzz` runs after building) on the built package.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newStats, report, runCase, soak, type SoakApi } from '../../scripts/fuzz/soak.mjs';
import { runCompile } from '../../src/cli/compile.js';
import { checkSource, compile, GenerationError, ModelInputError, ModelRuntimeError, TfmcCompileError, TfmcUserError } from '../../src/index.js';
import { evalDim } from '../../src/ir/dims.js';
import { totalParams } from '../../src/ir/types.js';
import { selectBackend } from '../../src/tfjs.js';

const ROOT = join(import.meta.dirname, '../..');
const api: SoakApi = { checkSource, runCompile, compile, evalDim, totalParams, tf, userErrors: [TfmcUserError, TfmcCompileError, ModelInputError, ModelRuntimeError, GenerationError] };
let work: string;

beforeAll(async () => {
  await selectBackend('cpu');
  work = mkdtempSync(join(tmpdir(), 'tfmc-soak-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('6 valid and 6 mutated specs: no internal error, no half-written output, every valid spec compiled and run', async () => {
  const seeds = ['specs/gpt2.tfm', 'specs/bert.tfm', 'examples/tiny-lm.tfm'].map((f) => ({ path: f, text: readFileSync(join(ROOT, f), 'utf8') }));
  const stats = await soak({ count: 6, seed: 3, work: join(work, 'soak'), api, seeds });
  expect(stats.failures).toEqual([]);
  expect(stats.internalErrors).toBe(0);
  expect(stats.halfWritten).toBe(0);
  expect(stats.valid).toMatchObject({ total: 6, checked: 6, compiled: { ts: 6, pytorch: 6 }, forwardOk: 6 });
  const m = stats.mutated;
  expect(m.total).toBe(6);
  // Every mutated spec is accounted for: refused with a code, or checked and taken further.
  expect(m.refused + (m.noModel ?? 0) + m.checked).toBe(6);
  expect(Object.keys(m.codes ?? {}).every((c) => /^TFM\d{4}$/.test(c))).toBe(true);
  expect(report(stats, 1)).toMatch(/^valid specs: {4}6 generated, 6 checked clean \(0 refused\), compiled: ts 6, pytorch 6; tfjs forward ok 6/);
  expect(report(stats, 1)).toContain('internal errors: 0 (must be 0)\nhalf-written outputs: 0 (must be 0)');
}, 300_000);

it('counts an exception as an internal error, and a refused compile leaves nothing behind', async () => {
  const stats = newStats();
  const throwing: SoakApi = {
    ...api,
    checkSource: () => {
      throw new TypeError('boom');
    },
  };
  await runCase(stats, 'mutated', 'throws', 'model M {}\n', join(work, 'one'), throwing);
  expect(stats.internalErrors).toBe(1);
  expect(stats.failures[0].what).toBe('internal error in check');

  // The PyTorch target cannot express a shared stack of stacks: refused with one line, no files.
  const refused = newStats();
  const spec = 'model Nested {\n  input x: float32[batch, seq, 4]\n  let s = repeat 2 shared { repeat 2 { Linear(4) } }\n  output y = s(x)\n}\n';
  await runCase(refused, 'mutated', 'nested', spec, join(work, 'two'), api);
  expect(refused.mutated.compileRefused.pytorch).toBe(1);
  expect(refused.mutated.compiled.ts).toBe(1);
  expect(refused.halfWritten).toBe(0);
  expect(refused.internalErrors).toBe(0);
  expect(readdirSync(join(work, 'two', 'nested')).sort()).toEqual(['spec.tfm', 'ts']);
  expect(refused.refusals[0]).toMatch(/^nested --target pytorch: error: the shared stack `s` must build a layer or block/);
}, 120_000);

it('the documented command: scripts/fuzz.mjs --count 2 prints the counts and exits 0; a bad --count is a usage error', () => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'compile.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it) before this test');
  const ok = spawnSync(process.execPath, [join(ROOT, 'scripts/fuzz.mjs'), '--count', '2', '--seed', '9'], { encoding: 'utf8', timeout: 120_000 });
  expect(ok.status, ok.stderr).toBe(0);
  expect(ok.stdout).toMatch(/^valid specs: {4}2 generated, 2 checked clean \(0 refused\), compiled: ts 2, pytorch 2; tfjs forward ok 2 /);
  expect(ok.stdout).toMatch(/^mutated specs: {2}2 mutated, /m);
  expect(ok.stdout).toContain('internal errors: 0 (must be 0)\nhalf-written outputs: 0 (must be 0)\ntime: ');
  const bad = spawnSync(process.execPath, [join(ROOT, 'scripts/fuzz.mjs'), '--count', '0'], { encoding: 'utf8' });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain('error: --count takes a whole number ≥ 1');
}, 150_000);
