/**
 * Distributed training on PyTorch's engine, weights back into tfjs: the generated `train.py` of
 * Gpt2Tiny runs under `torchrun --nproc_per_node=2` (DDP, gloo, CPU, loopback only) for a few
 * steps; the weights it saves load into the tfjs model, which then gives PyTorch's outputs and
 * generates the same tokens.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePytorch } from '../../../src/backends/pytorch/index.js';
import type { CompiledModel } from '../../../src/backends/tfjs/compiled-model.js';
import { compile } from '../../../src/index.js';
import { importSafetensors, writeSafetensors } from '../../../src/weights/exchange.js';
import { type JobReport, maxAbsDiff, PYTHON, randomInputs, readTensors, requireTorch, rng, ROOT, runModels, writeInputs } from './helpers.js';

const run = promisify(execFile);
const SPEC = join(ROOT, 'specs/gpt2.tfm');
const STEPS = 4;
const PROMPT = [41, 42, 43, 44];

let work: string;
let model: CompiledModel;
let log: Array<Record<string, number | string>>;
let report: JobReport;
let badData: JobReport;
let inputs: ReturnType<typeof randomInputs>;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  requireTorch();
  work = mkdtempSync(join(tmpdir(), 'tfmc-torchrun-'));
  model = await compile(SPEC, { model: 'Gpt2Tiny', seed: 1 });
  await writePytorch(model.ir, work, { specName: 'specs/gpt2.tfm' });
  // 64 sequences of 16 tokens that count upwards mod 100 from a random start: learnable, and each
  // of the 2 processes reads its own rows.
  const r = rng(9);
  const ids = new Float32Array(64 * 16);
  for (let b = 0; b < 64; b++) {
    const start = Math.floor(r() * 100);
    for (let t = 0; t < 16; t++) ids[b * 16 + t] = (start + t) % 100;
  }
  await writeSafetensors(join(work, 'data.safetensors'), [['ids', { shape: [64, 16], data: ids }]]);
  const port = await freePort();
  const { stdout } = await run(
    PYTHON,
    // `--redirects 1 --tee 1`: Debian's torch 1.13 on Python 3.11 cannot parse the default "0"
    // (its Std flag lookup misses the zero member), so the workers' stdout goes to log files and
    // to ours, each line prefixed with `[default<rank>]:`.
    ['-m', 'torch.distributed.run', '--nnodes=1', '--nproc_per_node=2', '--master_addr=127.0.0.1', `--master_port=${port}`,
      '--redirects=1', '--tee=1', `--log_dir=${join(work, 'logs')}`,
      join(work, 'train.py'), '--data', join(work, 'data.safetensors'), '--steps', String(STEPS), '--batch', '4', '--lr', '3e-3',
      '--log-every', '1', '--out', join(work, 'trained.safetensors')],
    { cwd: work, timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: '1', GLOO_SOCKET_IFNAME: 'lo' } },
  );
  log = stdout.trim().split('\n').map((l) => l.replace(/^\[[^\]]*\]:/, '')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  // One more Python process: PyTorch's outputs, a greedy generation and a one-process run of train.py.
  inputs = randomInputs(model.ir, 4, 16);
  await writeInputs(join(work, 'inputs.safetensors'), inputs);
  writeFileSync(join(work, 'jobs.json'), JSON.stringify([{
    dir: work, inputs: join(work, 'inputs.safetensors'), weights: join(work, 'trained.safetensors'), outputs: join(work, 'outputs.safetensors'),
    seed: 0, seeded_weights: join(work, 'initial.safetensors'), seeded_outputs: join(work, 'initial-outputs.safetensors'),
    generate: { prompt: PROMPT, steps: 12, input: 'ids', output: 'logits' },
    train: ['--data', join(work, 'data.safetensors'), '--steps', '2', '--batch', '4', '--out', join(work, 'single.safetensors')],
  }, {
    // Data without the model's input: a weights file.
    dir: work, inputs: join(work, 'inputs.safetensors'),
    train: ['--data', join(work, 'trained.safetensors'), '--steps', '1', '--out', join(work, 'never.safetensors')],
  }]));
  [report, badData] = runModels(join(work, 'jobs.json'));
}, 150_000);

afterAll(() => {
  model?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('torchrun --nproc_per_node=2 (DDP, gloo, CPU)', () => {
  it('trains for the steps asked, with finite losses, on two processes', () => {
    const steps = log.filter((l) => 'step' in l);
    expect(steps.map((l) => l.step)).toEqual([1, 2, 3, 4]);
    for (const l of steps) expect(Number.isFinite(l.loss)).toBe(true);
    expect(log.at(-1)).toMatchObject({ saved: join(work, 'trained.safetensors'), processes: 2 });
  });

  it('saves weights that load into tfjs and give PyTorch\'s outputs and next tokens', async () => {

    // Training changed the weights (train.py starts from build_model(seed=0)).
    const trained = await readTensors(join(work, 'trained.safetensors'));
    const initial = await readTensors(join(work, 'initial.safetensors'));
    expect(maxAbsDiff(trained.get('wte.weight')!.data, initial.get('wte.weight')!.data)).toBeGreaterThan(1e-4);

    await importSafetensors(model, join(work, 'trained.safetensors'));
    const ids = inputs.get('ids')!;
    const feeds = { ids: tf.tensor(ids.data, ids.shape, 'int32') };
    const out = model.predict(feeds, { outputs: ['logits', 'next_token'] });
    const logits = out.logits.dataSync() as Float32Array;
    const torch = await readTensors(join(work, 'outputs.safetensors'));
    expect(maxAbsDiff(logits, torch.get('logits')!.data)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(out.next_token.dataSync()[0] - torch.get('next_token')!.data[0])).toBeLessThanOrEqual(1e-4);
    const argmax = (x: ArrayLike<number>, vocab: number) => Array.from({ length: x.length / vocab }, (_, i) => {
      let best = 0;
      for (let v = 1; v < vocab; v++) if (x[i * vocab + v] > x[i * vocab + best]) best = v;
      return best;
    });
    expect(argmax(logits, 100)).toEqual(argmax(torch.get('logits')!.data, 100));
    tf.dispose([...Object.values(out), feeds.ids]);
  });

  it('also trains on one process without torchrun, and those weights load into tfjs', async () => {
    const single = await readTensors(join(work, 'single.safetensors'));
    const initial = await readTensors(join(work, 'initial.safetensors'));
    expect(maxAbsDiff(single.get('wte.weight')!.data, initial.get('wte.weight')!.data)).toBeGreaterThan(1e-5);
    await importSafetensors(model, join(work, 'single.safetensors'));
    expect(Array.from(model.getWeights()['ln_f.weight'].dataSync())).toEqual(Array.from(single.get('ln_f.weight')!.data));
  });

  it('stops with one message naming the missing input when the data does not fit, writing nothing', () => {
    expect(report.train_error).toBeNull();
    expect(badData.train_error).toBe(`error: ${join(work, 'trained.safetensors')} has no tensor for the input(s) ids of Gpt2Tiny (it has blocks.0.ff.fc1.bias, blocks.0.ff.fc1.weight, blocks.0.ff.fc2.bias, blocks.0.ff.fc2.weight, blocks.0.norm1.bias and 31 more)`);
    expect(existsSync(join(work, 'never.safetensors'))).toBe(false);
  });

  it('generates the tokens PyTorch generates (greedy; tfjs with its key/value cache)', async () => {
    expect(report.generated).toHaveLength(12);
    await importSafetensors(model, join(work, 'trained.safetensors'));
    const g = await model.generate({ prompt: PROMPT }, { maxNewTokens: 12, strategy: 'greedy' });
    expect(g.newTokens[0]).toEqual(report.generated);
  });
});
