/**
 * `tfmc compile` through the real binary: both targets, atomic output, the refusal to replace a
 * directory that is not an earlier output, and user mistakes (exit codes, no stack traces, nothing
 * written).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoStackTrace, ROOT, tfmc } from './helpers.js';

const GPT2 = path.join(ROOT, 'specs/gpt2.tfm');
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-compile-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => tfmc(args, { cwd: dir });
// Each case spawns the binary, a few seconds each on a busy 2-core machine.
const SLOW = { timeout: 180_000 };

describe('tfmc compile --target ts', SLOW, () => {
  it('writes the module (equal to the golden file), package.json and tsconfig.json; twice byte-identical', () => {
    const r = run(['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '-o', 'out']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Gpt2Tiny → out/');
    expect(fs.readdirSync(path.join(dir, 'out')).sort()).toEqual(['gpt2-tiny.ts', 'package.json', 'tsconfig.json']);
    const first = fs.readFileSync(path.join(dir, 'out/gpt2-tiny.ts'), 'utf8');
    expect(first).toBe(fs.readFileSync(path.join(ROOT, 'test/backends/ts/__golden__/gpt2-tiny.ts.golden'), 'utf8'));
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'out/package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@tensorflow/tfjs', 'tfmc']);
    // An earlier output of the same target is replaced without --force.
    expect(run(['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '-o', 'out']).status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'out/gpt2-tiny.ts'), 'utf8')).toBe(first);
  });

  it('the generated module runs as a user runs it, importing tfmc/runtime from the package', () => {
    // A project folder of its own, with node_modules as npm would make it: tfmc (this package, built) and tfjs.
    const project = path.join(dir, 'user-project');
    fs.mkdirSync(path.join(project, 'node_modules/@tensorflow'), { recursive: true });
    fs.symlinkSync(ROOT, path.join(project, 'node_modules/tfmc'), 'dir');
    fs.symlinkSync(path.join(ROOT, 'node_modules/@tensorflow/tfjs'), path.join(project, 'node_modules/@tensorflow/tfjs'), 'dir');
    const source = fs.readFileSync(path.join(dir, 'out/gpt2-tiny.ts'), 'utf8');
    expect(source).toContain("from 'tfmc/runtime';");
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    fs.writeFileSync(path.join(project, 'gpt2-tiny.mjs'), js);
    const script = [
      "import * as tf from '@tensorflow/tfjs';",
      "const m = await import('./gpt2-tiny.mjs');",
      'const params = m.createParams(1);',
      "const { logits } = m.predict(params, { ids: tf.tensor2d([[1, 2, 3]], [1, 3], 'int32') });",
      'console.log(JSON.stringify({ shape: logits.shape, rows: m.generate(params, {}, [[1, 2, 3]], 2) }));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(result.shape).toEqual([1, 3, 100]);
    expect(result.rows[0].slice(0, 3)).toEqual([1, 2, 3]);
    expect(result.rows[0]).toHaveLength(5);
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
  it('refuses a non-empty directory that is not an earlier output (exit 2, untouched); --force replaces it', () => {
    const mine = path.join(dir, 'mine');
    fs.mkdirSync(mine);
    fs.writeFileSync(path.join(mine, 'notes.txt'), 'keep me');
    const r = run(['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '-o', 'mine']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not empty.*--force/);
    expectNoStackTrace(r);
    expect(fs.readdirSync(mine)).toEqual(['notes.txt']);
    // A ts output is not an earlier output of the tfjs target either.
    expect(run(['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'tfjs', '-o', 'out']).status).toBe(2);
    expect(run(['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '-o', 'mine', '--force']).status).toBe(0);
    expect(fs.readdirSync(mine).sort()).toEqual(['gpt2-tiny.ts', 'package.json', 'tsconfig.json']);
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
      [['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'onnx'], /onnx/],
      [['compile', GPT2, '--target', 'ts'], /2 models.*--model/],
      [['compile', GPT2, '--model', 'Nope', '--target', 'ts'], /no model named `Nope`/],
      [['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'tfjs', '--standalone'], /--standalone/],
      [['compile', 'missing.tfm', '--target', 'ts'], /cannot read 'missing.tfm'/],
      [['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '--seed', '1'], /--seed does not apply/],
      [['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '-o', '.', '--force'], /working directory/],
      [['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '-o', path.dirname(GPT2), '--force'], /holds the spec/],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expectNoStackTrace(r);
    }
    fs.writeFileSync(path.join(dir, 'a-file'), 'x');
    const r = run(['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'ts', '-o', 'a-file']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('not a directory');
  });
});
