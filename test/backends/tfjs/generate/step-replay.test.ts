/**
 * Decode steps replayed from a tape of native kernel calls (src/backends/tfjs/generate/step-replay.ts,
 * src/backends/tfjs/native/tape.ts) give the same bits as the same steps run as kernels: across
 * the caches' growth (a new tape each time), beam reorders, greedy decoding's tokens and scores.
 * Llama's steps replay too (rotary positions rerun, key heads tiled). Models whose steps the tape
 * cannot take (a mask made at every step, a history outside the decode kernel, caches reordered at
 * every step) say why and run as before, exactly.
 * Nothing is left allocated when the stepper is disposed.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, selectBackend, type CompiledModel } from '../../../../src/tfjs.js';
import { decodingRoles } from '../../../../src/backends/tfjs/generate/index.js';
import { CachedStepper, createStepper } from '../../../../src/backends/tfjs/generate/steppers.js';
import { LONG_LM, ROOT } from '../helpers.js';

const models: CompiledModel[] = [];
const setting = process.env.TFMC_DECODE_REPLAY;
beforeAll(async () => {
  await selectBackend('native');
});
afterAll(async () => {
  models.forEach((m) => m.dispose());
  if (setting === undefined) delete process.env.TFMC_DECODE_REPLAY;
  else process.env.TFMC_DECODE_REPLAY = setting;
  await selectBackend('native');
});

const LONG = LONG_LM;

async function load(spec: string, model: string): Promise<CompiledModel> {
  const m = await compile(spec.includes('\n') ? spec : `${ROOT}/${spec}`, { model, seed: 11, backend: 'native' });
  models.push(m);
  return m;
}

/** A stepper with replay on (`'1'`) or off (`'0'`): the setting is read when the stepper is made. */
function stepper(m: CompiledModel, replay: '0' | '1', sources: Record<string, tf.Tensor> = {}): CachedStepper {
  const roles = decodingRoles(m.executor);
  process.env.TFMC_DECODE_REPLAY = replay;
  const s = createStepper({ model: m.executor, timeInput: roles.timeInput, output: roles.output, sources }, true);
  if (!(s instanceof CachedStepper)) throw new Error(`no cached stepper: ${s.reason}`);
  return s;
}

/** Feeds the prompt, then each step's greedy choices of the replayed stepper to both; the largest |difference| of the logits. */
function compare(m: CompiledModel, prompt: number[][], steps: number, reorders = new Map<number, number[]>(), sources: Record<string, tf.Tensor> = {}) {
  const replayed = stepper(m, '1', sources);
  const plain = stepper(m, '0', sources);
  let worst = 0;
  let feed = prompt;
  for (let s = 0; s <= steps; s++) {
    const a = replayed.next(feed);
    const b = plain.next(feed);
    worst = Math.max(worst, tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]));
    feed = Array.from(tf.tidy(() => tf.argMax(a, 1).dataSync()), (t) => [t]);
    tf.dispose([a, b]);
    const order = reorders.get(s);
    if (order) {
      replayed.reorder(order);
      plain.reorder(order);
      feed = order.map((i) => feed[i]);
    }
  }
  const result = { worst, replayed: replayed.replay.replayed, refused: replayed.replay.refused, plainReplayed: plain.replay.replayed };
  replayed.dispose();
  plain.dispose();
  return result;
}

describe('replayed decode steps', () => {
  it('give the bits of the steps run as kernels over 140 steps, through two growths of the caches', async () => {
    const m = await load(LONG, 'LongLm');
    const r = compare(m, [[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]], 140);
    expect(r.worst).toBe(0);
    expect(r.refused).toBeUndefined();
    expect(r.plainReplayed).toBe(0);
    // Not replayed: the first decode step (the caches are made), each step that grows them, and
    // each step recorded (the first at each cache size).
    expect(r.replayed).toBeGreaterThanOrEqual(140 - 6);
  });

  it('record again after beam reorders, and stay exact', async () => {
    const m = await load(LONG, 'LongLm');
    const r = compare(m, [[3, 1, 4], [2, 7, 1], [8, 2, 8]], 40, new Map([[5, [2, 0, 1]], [6, [1, 1, 0]], [20, [0, 0, 2]]]));
    expect(r.worst).toBe(0);
    expect(r.refused).toBeUndefined();
    expect(r.replayed).toBeGreaterThan(25);
  });

  it('stop recording when the caches are reordered at every step (beam search), and stay exact', async () => {
    const m = await load(LONG, 'LongLm');
    const swaps = new Map(Array.from({ length: 30 }, (_, s) => [s, s % 2 ? [1, 0] : [1, 1]] as [number, number[]]));
    const r = compare(m, [[3, 1, 4], [2, 7, 1]], 30, swaps);
    expect(r.refused).toMatch(/beam search/);
    expect(r.replayed).toBe(0);
    expect(r.worst).toBe(0);
  });

  it.each([
    ['greedy decoding, one prompt', { maxNewTokens: 40 }, [[5, 17, 42, 7]]],
    ['sampling (temperature, top-k), two prompts', { maxNewTokens: 30, temperature: 0.9, topK: 20, seed: 4 }, [[5, 17, 42, 7], [1, 2, 3, 4]]],
  ])('give %s the same tokens and scores', async (_what, options, prompt) => {
    const m = await load('specs/gpt2.tfm', 'Gpt2Tiny');
    const run = async (replay: '0' | '1') => {
      process.env.TFMC_DECODE_REPLAY = replay;
      return m.generate({ prompt }, options);
    };
    const [on, off] = [await run('1'), await run('0')];
    expect(on.newTokens).toEqual(off.newTokens);
    expect(on.scores).toEqual(off.scores);
  });

  it("return logits of each step's own: the next replay does not change them", async () => {
    const m = await load(LONG, 'LongLm');
    const s = stepper(m, '1');
    const kept: Array<[tf.Tensor2D, number[]]> = [];
    let feed = [[3, 1, 4]];
    for (let i = 0; i < 8; i++) {
      const logits = s.next(feed);
      kept.push([logits, Array.from(logits.dataSync())]);
      feed = [[tf.tidy(() => tf.argMax(logits, 1).dataSync()[0])]];
    }
    expect(s.replay.replayed).toBeGreaterThan(3);
    for (const [logits, seen] of kept) expect(Array.from(logits.dataSync())).toEqual(seen);
    tf.dispose(kept.map(([t]) => t));
    s.dispose();
  });

  it('leave nothing allocated once the stepper is disposed', async () => {
    const m = await load(LONG, 'LongLm');
    const before = tf.memory();
    const s = stepper(m, '1');
    let feed = [[3, 1, 4]];
    for (let i = 0; i < 20; i++) {
      const logits = s.next(feed);
      feed = [[tf.tidy(() => tf.argMax(logits, 1).dataSync()[0])]];
      logits.dispose();
    }
    expect(s.replay.replayed).toBeGreaterThan(15);
    s.dispose();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    expect(after.numBytes).toBe(before.numBytes);
  });

  it('replay llama: rotary positions rerun at each step, key heads repeated for grouped queries', async () => {
    const m = await load('specs/llama.tfm', 'LlamaTiny');
    const r = compare(m, [[5, 17, 42], [1, 2, 3]], 30);
    expect(r.refused).toBeUndefined();
    expect(r.replayed).toBeGreaterThanOrEqual(30 - 3);
    expect(r.worst).toBe(0);
  });

  it.each([
    ['the transformer (a padding mask made at every step)', 'specs/transformer.tfm', 'TransformerTiny', /padding_mask/],
    ['T5 (a relative bias over a growing history)', 'specs/t5.tfm', 'T5Tiny', /history outside the decode kernel/],
  ])('are refused, with the reason, where the tape cannot take the step: %s', async (_what, spec, name, reason) => {
    const m = await load(spec, name);
    const roles = decodingRoles(m.executor);
    const others = m.executor.ir.inputs.filter((i) => i.name !== roles.timeInput);
    const sources = Object.fromEntries(others.map((i) => [i.name, tf.tensor2d([[4, 8, 15, 16, 23]], [1, 5], 'int32')]));
    const r = compare(m, [[5, 17, 42]], 12, new Map(), sources);
    tf.dispose(Object.values(sources));
    expect(r.refused).toMatch(reason);
    expect(r.replayed).toBe(0);
    expect(r.worst).toBe(0);
  });

  it('are not tried off the native backend', async () => {
    await selectBackend('wasm');
    try {
      const m = await compile(LONG, { model: 'LongLm', seed: 11, backend: 'wasm' });
      models.push(m);
      const s = stepper(m, '1');
      expect(s.replay.refused).toMatch(/native/);
      s.dispose();
    } finally {
      await selectBackend('native');
    }
  });
});
