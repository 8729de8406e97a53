/**
 * `tfmc compile` through the real binary: both targets, atomic output, the refusal to replace a
 * directory that is not an earlier output, and user mistakes (exit codes, no stack traces, nothing
 * written). The ts target's package is installed with the real npm, built with tsc and run, as
 * docs/codegen.md prints it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docBlocks } from '../helpers/markdown.js';
import { BIN, expectNoStackTrace, ROOT, tfmc } from './helpers.js';

const GPT2 = path.join(ROOT, 'specs/gpt2.tfm');
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-compile-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => tfmc(args, { cwd: dir });
// Each case spawns the binary, a few seconds each on a busy 2-core machine.
const SLOW = { timeout: 180_000 };
const TS_OUTPUT = ['gpt2-tiny.ts', 'package.json', 'tfmc-runtime', 'tsconfig.json'];

/** Runs a bash script in `cwd` (no shell state of ours leaks in); resolves with its status and output. */
function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000, killSignal: 'SIGKILL' });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, out }));
  });
}

describe('tfmc compile --target ts', SLOW, () => {
  it('writes the module (equal to the golden file), package.json and tsconfig.json; twice byte-identical', () => {
    const r = run(['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '-o', 'out']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Gpt2Tiny → out/');
    expect(fs.readdirSync(path.join(dir, 'out')).sort()).toEqual(TS_OUTPUT);
    const first = fs.readFileSync(path.join(dir, 'out/gpt2-tiny.ts'), 'utf8');
    expect(first).toBe(fs.readFileSync(path.join(ROOT, 'test/backends/ts/__golden__/gpt2-tiny.ts.golden'), 'utf8'));
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'out/package.json'), 'utf8'));
    // tfmc is not on the registry: tfmc/runtime comes from the local package written beside the module.
    expect(pkg.dependencies).toEqual({ '@tensorflow/tfjs': '^4.22.0', tfmc: 'file:tfmc-runtime' });
    expect(pkg).toMatchObject({ type: 'module', main: 'dist/gpt2-tiny.js', types: 'dist/gpt2-tiny.d.ts', scripts: { build: 'tsc -p tsconfig.json' } });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'out/tsconfig.json'), 'utf8')).compilerOptions.outDir).toBe('dist');
    // The local package is this tfmc's compiled runtime, exported as tfmc/runtime.
    const runtimePkg = JSON.parse(fs.readFileSync(path.join(dir, 'out/tfmc-runtime/package.json'), 'utf8'));
    expect(runtimePkg).toMatchObject({ name: 'tfmc', exports: { './runtime': { types: './runtime/index.d.ts', default: './runtime/index.js' } } });
    expect(runtimePkg.dependencies).toBeUndefined();
    // Every compiled runtime module (index.js re-exports the others), as built.
    for (const f of fs.readdirSync(path.join(ROOT, 'dist/runtime')).filter((n) => n.endsWith('.js'))) {
      const built = fs.readFileSync(path.join(ROOT, 'dist/runtime', f), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
      expect(fs.readFileSync(path.join(dir, 'out/tfmc-runtime/runtime', f), 'utf8')).toBe(built);
    }
    // An earlier output of the same target is replaced without --force, also after npm install and tsc.
    fs.mkdirSync(path.join(dir, 'out/node_modules/@tensorflow'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'out/dist'));
    fs.writeFileSync(path.join(dir, 'out/package-lock.json'), '{}');
    expect(run(['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '-o', 'out']).status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'out/gpt2-tiny.ts'), 'utf8')).toBe(first);
    expect(fs.readdirSync(path.join(dir, 'out')).sort()).toEqual(TS_OUTPUT);
  });

  it('the package installs (npm), builds (tsc) and runs as docs/codegen.md prints it, in both forms', async () => {
    // The block of "Build and run it", run as printed by bash in a folder of its own outside this
    // repository: `npx tfmc` finds this tfmc as a project's local binary, `specs/` is this repository's.
    const [block] = docBlocks(path.join(ROOT, 'docs/codegen.md'), 'Build and run it', 'sh');
    expect(block).toMatch(/^npx tfmc compile specs\/gpt2\.tfm --model Gpt2Tiny --target ts -o gpt2-ts\/$/m);
    const forms = { runtime: block, standalone: block.replace('--target ts', '--target ts --standalone') };
    // npm reads the registry only for what its cache lacks; no audit, fund or update chatter.
    const env = { ...process.env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
    const results = await Promise.all(
      Object.entries(forms).map(async ([form, script]) => {
        const user = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `tfmc-ts-${form}-`)));
        fs.mkdirSync(path.join(user, 'node_modules/.bin'), { recursive: true });
        fs.symlinkSync(BIN, path.join(user, 'node_modules/.bin/tfmc'));
        fs.symlinkSync(path.join(ROOT, 'specs'), path.join(user, 'specs'), 'dir');
        return { form, user, ...(await bash(script, user, env)) };
      }),
    );
    try {
      for (const { form, user, status, out } of results) {
        expect(status, `${form}:\n${out}`).toBe(0);
        const lines = out.trim().split('\n');
        expect(lines.slice(-2), form).toEqual(['[1,3,100]', '8']);
        const project = path.join(user, 'gpt2-ts');
        expect(fs.existsSync(path.join(project, 'dist/gpt2-tiny.js'))).toBe(true);
        expect(fs.existsSync(path.join(project, 'dist/gpt2-tiny.d.ts'))).toBe(true);
        const deps = Object.keys(JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')).dependencies).sort();
        if (form === 'runtime') {
          expect(deps).toEqual(['@tensorflow/tfjs', 'tfmc']);
          // npm linked the local runtime package; nothing else called tfmc is installed.
          expect(fs.realpathSync(path.join(project, 'node_modules/tfmc'))).toBe(path.join(project, 'tfmc-runtime'));
        } else {
          expect(deps).toEqual(['@tensorflow/tfjs']);
          expect(fs.existsSync(path.join(project, 'tfmc-runtime'))).toBe(false);
          expect(fs.existsSync(path.join(project, 'node_modules/tfmc'))).toBe(false);
        }
      }
    } finally {
      for (const { user } of results) fs.rmSync(user, { recursive: true, force: true });
    }
  });

  it('--standalone depends on @tensorflow/tfjs only; the default directory is <model>-ts', () => {
    const r = run(['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '--standalone']);
    expect(r.status).toBe(0);
    const text = fs.readFileSync(path.join(dir, 'gpt2-tiny-ts/gpt2-tiny.ts'), 'utf8');
    expect(text).not.toContain("from 'tfmc/runtime'");
    expect(text.match(/^import .*$/gm)).toEqual(["import * as tf from '@tensorflow/tfjs';"]);
    expect(text).toBe(fs.readFileSync(path.join(ROOT, 'test/backends/ts/__golden__/gpt2-tiny.standalone.ts.golden'), 'utf8'));
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'gpt2-tiny-ts/package.json'), 'utf8')).dependencies)).toEqual(['@tensorflow/tfjs']);
  });
});

describe('tfmc compile --target tfjs', SLOW, () => {
  it('writes a model directory that loadModel reloads, with the seeded initial weights', async () => {
    const r = run(['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'tfjs', '--seed', '3', '-o', 'model']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const { compile, loadModel } = await import('../../src/api/compile.js');
    const loaded = await loadModel(path.join(dir, 'model'), { backend: 'cpu' });
    const fresh = await compile(GPT2, { model: 'Gpt2Tiny', seed: 3, backend: 'cpu' });
    expect(loaded.name).toBe('Gpt2Tiny');
    const a = loaded.getWeights();
    const b = fresh.getWeights();
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    for (const name of Object.keys(a)) expect(Array.from(a[name].dataSync())).toEqual(Array.from(b[name].dataSync()));
    loaded.dispose();
    fresh.dispose();
  });
});

describe('tfmc compile: output directories and mistakes', SLOW, () => {
  it('refuses a non-empty directory that is not an earlier output (exit 1, TFM6001, untouched); --force replaces it', () => {
    const mine = path.join(dir, 'mine');
    fs.mkdirSync(mine);
    fs.writeFileSync(path.join(mine, 'notes.txt'), 'keep me');
    const r = run(['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '-o', 'mine']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error\[TFM6001\]: refusing to replace 'mine' \(-o\): it is a non-empty directory.*--force/);
    expectNoStackTrace(r);
    expect(fs.readdirSync(mine)).toEqual(['notes.txt']);
    // A ts output is not an earlier output of the tfjs target either.
    expect(run(['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'tfjs', '-o', 'out']).status).toBe(1);
    expect(run(['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '-o', 'mine', '--force']).status).toBe(0);
    expect(fs.readdirSync(mine).sort()).toEqual(TS_OUTPUT);
  });

  it('a spec with errors: the diagnostics, exit 1, nothing written', () => {
    const r = run(['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '--set', 'heads=7', '-o', 'bad']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error[TFM3003]');
    expect(r.stderr).toContain('nothing written');
    expectNoStackTrace(r);
    expect(fs.existsSync(path.join(dir, 'bad'))).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('usage mistakes exit 2 with one clear line', () => {
    const cases: Array<[string[], RegExp]> = [
      [['compile', GPT2, '--model', 'Gpt2Tiny'], /--target/],
      [['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'keras'], /keras/],
      [['compile', GPT2, '--target', 'ts'], /2 models.*--model/],
      [['compile', GPT2, '--model', 'Nope', '--target', 'ts'], /no model named `Nope`/],
      [['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'tfjs', '--standalone'], /--standalone/],
      [['compile', 'missing.tfm', '--target', 'ts'], /cannot read 'missing.tfm'/],
      [['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '--seed', '1'], /--seed does not apply/],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expectNoStackTrace(r);
    }
    // What the output must not replace is a coded refusal (exit 1), with or without --force.
    fs.writeFileSync(path.join(dir, 'a-file'), 'x');
    const refusals: Array<[string[], RegExp]> = [
      [['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '-o', '.', '--force'], /^error\[TFM6002\]: .*working directory/],
      [['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '-o', path.dirname(GPT2), '--force'], /^error\[TFM6002\]: .*holds the spec/],
      [['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '-o', 'a-file'], /^error\[TFM6001\]: .*not a directory/],
    ];
    for (const [args, message] of refusals) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(message);
      expectNoStackTrace(r);
    }
  });
});
