/**
 * Runs the real, built `tfmc` binary (`node bin/tfmc.js`), as users and CI do. `npm test` builds
 * first; when running vitest alone, run `npm run build` after changing src/.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'tfmc.js');
export const FIXTURES = path.join(import.meta.dirname, 'fixtures');

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function tfmc(args: string[], options: { cwd?: string; env?: Record<string, string | undefined>; timeout?: number } = {}): Run {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/cli/main.js is missing: run `npm run build` (npm test does it) before the CLI tests');
  }
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, TFMC_DEBUG: undefined, ...options.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? FIXTURES,
    env: env as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: options.timeout ?? 20_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Node prints stack frames as "    at fn (file:line:col)". */
export function expectNoStackTrace(run: Run): void {
  expect(run.stdout + run.stderr).not.toMatch(/^\s+at .+[:(]/m);
  expect(run.stderr).not.toContain('internal error');
}

/** Asserts the `--format json` diagnostics contract (see src/render/json.ts). */
export function expectDiagnosticsContract(report: unknown): void {
  expect(report).toEqual({ diagnostics: expect.any(Array) });
  const position = { line: expect.any(Number), column: expect.any(Number) };
  const range = { start: position, end: position };
  for (const d of (report as { diagnostics: unknown[] }).diagnostics) {
    expect(d).toEqual({
      code: expect.stringMatching(/^TFM\d{4}$/),
      severity: expect.stringMatching(/^(error|warning|info)$/),
      message: expect.any(String),
      file: expect.any(String),
      range,
      label: expect.toSatisfy((l: unknown) => l === null || typeof l === 'string'),
      related: expect.any(Array),
      help: expect.toSatisfy((h: unknown) => h === null || typeof h === 'string'),
      fix: expect.toSatisfy((f: unknown) => f === null || (Array.isArray(f) && f.length > 0)),
      notes: expect.any(Array),
    });
    for (const e of (d as { fix: unknown[] | null }).fix ?? []) {
      expect(e).toEqual({ file: expect.any(String), range, text: expect.any(String) });
    }
    for (const r of (d as { related: unknown[] }).related) {
      expect(r).toEqual({ message: expect.any(String), file: expect.any(String), range });
    }
  }
}
