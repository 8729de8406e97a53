/**
 * What the real binary loads for each command. A command loads its implementation when it runs
 * (src/cli/main.ts), so `--version`, `--help` and light commands never pay for the compiler, the
 * language server, Graphviz or TensorFlow.js. Checked by the modules Node loads (recorded by a
 * module-loading hook), not by timing: speed is measured in `npm run bench`, never in tests.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/main.js';
import { processContext } from '../../src/cli/context.js';
import { BIN, FIXTURES, ROOT } from './helpers.js';

let dir: string;
let register: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-startup-'));
  const hooks = path.join(dir, 'hooks.mjs');
  fs.writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';\n` +
      `export async function load(url, context, next) {\n` +
      `  appendFileSync(process.env.TFMC_LOADED, url + '\\n');\n` +
      `  return next(url, context);\n` +
      `}\n`,
  );
  register = path.join(dir, 'register.mjs');
  fs.writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs `tfmc args` and returns the files it loaded from node_modules, relative to it (`commander/index.js`). */
function loaded(args: string[]): { status: number | null; packages: Set<string>; files: string[] } {
  const log = path.join(dir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  fs.writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, BIN, ...args], {
    cwd: FIXTURES,
    env: { ...process.env, TFMC_LOADED: log, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.error) throw r.error;
  const files = fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file:'))
    .map((u) => path.relative(path.join(ROOT, 'node_modules'), new URL(u).pathname))
    .filter((f) => !f.startsWith('..'));
  const packages = new Set(files.map((f) => (f.startsWith('@') ? f.split('/').slice(0, 2) : f.split('/').slice(0, 1)).join('/')));
  return { status: r.status, packages, files };
}

const COMMANDS = createProgram(processContext()).commands.map((c) => c.name());

describe('what each command loads', () => {
  it('--version and --help load nothing but commander and picocolors', () => {
    for (const args of [['--version'], ['--help'], ...COMMANDS.map((c) => [c, '--help'])]) {
      const run = loaded(args);
      expect(run.status, args.join(' ')).toBe(0);
      for (const p of run.packages) expect(['commander', 'picocolors'], `${args.join(' ')} loads ${p}`).toContain(p);
    }
  });

  it('check loads chevrotain as its one-file bundle, and no language server, Graphviz, resvg, prettier or tfjs', () => {
    const run = loaded(['check', 'good.tfm']);
    expect(run.status).toBe(0);
    expect([...run.packages].sort()).toEqual(['chevrotain', 'commander', 'picocolors']);
    expect(run.files.filter((f) => f.startsWith('chevrotain/'))).toEqual(['chevrotain/lib/chevrotain.mjs']);
  });
});
