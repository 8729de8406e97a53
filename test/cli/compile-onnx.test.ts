/**
 * `tfmc compile --target onnx` through the real binary: docs/codegen.md's example run as printed
 * (onnxruntime-node, onnx.checker), the weights equal to tfjs's for the same seed, large tensors in
 * the side file, an op with no ONNX form reported as TFM7001 with nothing written.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/index.js';
import { docBlocks } from '../helpers/markdown.js';
import { BIN, expectNoStackTrace, ROOT, tfmc } from './helpers.js';

const GPT2 = path.join(ROOT, 'specs/gpt2.tfm');
const SLOW = { timeout: 180_000 };
let dir: string;

beforeAll(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-onnx-cli-')));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => tfmc(args, { cwd: dir, timeout: 120_000 });

describe('tfmc compile --target onnx', SLOW, () => {
  it('runs as docs/codegen.md prints it, and its logits are those of compile(spec, { seed: 1 })', async () => {
    const [block] = docBlocks(path.join(ROOT, 'docs/codegen.md'), 'ONNX: `--target onnx`', 'sh');
    expect(block).toMatch(/^npx tfmc compile specs\/gpt2\.tfm --model Gpt2Tiny --target onnx --seed 1 -o gpt2-onnx\/$/m);
    // A folder of its own: `npx tfmc` finds this tfmc as a local binary, onnxruntime-node is this
    // repository's, and Debian's onnx is under /usr/bin/python3 (the first python3 on PATH may lack it).
    const user = fs.mkdtempSync(path.join(dir, 'user-'));
    fs.mkdirSync(path.join(user, 'node_modules/.bin'), { recursive: true });
    fs.symlinkSync(BIN, path.join(user, 'node_modules/.bin/tfmc'));
    fs.symlinkSync(path.join(ROOT, 'node_modules/onnxruntime-node'), path.join(user, 'node_modules/onnxruntime-node'), 'dir');
    fs.symlinkSync(path.join(ROOT, 'specs'), path.join(user, 'specs'), 'dir');
    const script = block.replace(/^python3 /m, '/usr/bin/python3 ');
    const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd: user, encoding: 'utf8', timeout: 150_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').slice(-3)).toEqual(['valid', '[1,3,100]', '[2,5,100]']);
    expect(fs.readdirSync(path.join(user, 'gpt2-onnx'))).toEqual(['model.onnx']);

    // The same seed, the same weights: the ONNX logits are tfjs's.
    const model = await compile(GPT2, { model: 'Gpt2Tiny', seed: 1 });
    const session = await ort.InferenceSession.create(path.join(user, 'gpt2-onnx/model.onnx'));
    try {
      const ids = [3, 1, 4, 1, 5, 9, 2, 6];
      const want = model.predict({ ids: tf.tensor2d(ids, [2, 4], 'int32') }).logits;
      const { logits } = await session.run({ ids: new ort.Tensor('int32', Int32Array.from(ids), [2, 4]) });
      expect(logits.dims).toEqual([2, 4, 100]);
      const got = logits.data as Float32Array;
      const expected = want.dataSync();
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
      expect(worst).toBeLessThanOrEqual(1e-4);
      want.dispose();
    } finally {
      await session.release();
      model.dispose();
    }
  });

  it('stores tensors of 1 MiB or more in model.onnx.data, which onnxruntime and the checker read beside the model', async () => {
    // vocab 8192 × d_model 32 float32 = 1 MiB: the token table goes to the side file, the rest stays inline.
    const r = run(['compile', GPT2, '--model', 'Gpt2Tiny', '--set', 'vocab=8192', '--target', 'onnx', '-o', 'big']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('big/ (model.onnx, model.onnx.data)');
    const data = fs.statSync(path.join(dir, 'big/model.onnx.data')).size;
    expect(data).toBe(8192 * 32 * 4);
    expect(fs.statSync(path.join(dir, 'big/model.onnx')).size).toBeLessThan(data / 4);
    const session = await ort.InferenceSession.create(path.join(dir, 'big/model.onnx'));
    const { logits } = await session.run({ ids: new ort.Tensor('int32', Int32Array.from([8000, 2, 3]), [1, 3]) });
    expect(logits.dims).toEqual([1, 3, 8192]);
    expect((logits.data as Float32Array).every(Number.isFinite)).toBe(true);
    await session.release();
    const check = spawnSync('/usr/bin/python3', ['-c', 'import sys, onnx; onnx.checker.check_model(sys.argv[1], full_check=True); print("valid")', path.join(dir, 'big/model.onnx')], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toContain('valid');

    // An earlier output of the target is replaced without --force.
    const again = run(['compile', GPT2, '--model', 'Gpt2Tiny', '--target', 'onnx', '-o', 'big']);
    expect(again.status, again.stderr).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'big'))).toEqual(['model.onnx']);
  });

  it('reports an op with no ONNX form as TFM7001 at its span, and writes nothing', () => {
    const r = run(['compile', path.join(ROOT, 'test/fixtures/onnx/ctc-output.tfm'), '--target', 'onnx', '-o', 'ctc']);
    expect(r.status).toBe(1);
    expectNoStackTrace(r);
    expect(r.stderr).toContain('error[TFM7001]: `ctc_loss` cannot be exported to ONNX: ONNX has no operator for a CTC loss');
    expect(r.stderr).toMatch(/ctc-output\.tfm:11:16/);
    expect(r.stderr).toContain('nothing written');
    expect(fs.existsSync(path.join(dir, 'ctc'))).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
