/**
 * specs/swin.tfm is Swin, not only something with Swin's parameter count: SwinTiny's logits equal
 * those of an independently written PyTorch Swin (scripts/reference/param_counts.py, with
 * torch.roll shifts, slice-assigned region masks, a meshgrid relative position index and strided
 * patch merging) on the same weights and images.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/index.js';
import { exportSafetensors } from '../../src/weights/exchange.js';
import { maxAbsDiff, PYTHON, readTensors, requireTorch, ROOT, writeInputs } from '../backends/pytorch/helpers.js';

const work = mkdtempSync(join(tmpdir(), 'tfmc-swin-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('specs/swin.tfm against a hand-written PyTorch Swin', () => {
  it('gives the same logits on the same weights (≤ 1e-4)', async () => {
    requireTorch();
    const model = await compile(join(ROOT, 'specs/swin.tfm'), { model: 'SwinTiny', seed: 7 });
    const images = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 9);
    const logits = (model.predict({ images }).logits as tf.Tensor).dataSync();
    await exportSafetensors(model, join(work, 'weights.safetensors'));
    await writeInputs(join(work, 'inputs.safetensors'), new Map([['images', { shape: images.shape, data: images.dataSync() as Float32Array }]]));
    execFileSync(PYTHON, [join(ROOT, 'test/specs/swin_reference.py'), join(work, 'weights.safetensors'), join(work, 'inputs.safetensors'), join(work, 'out.safetensors')], { stdio: 'pipe' });
    const reference = (await readTensors(join(work, 'out.safetensors'))).get('logits')!;
    expect(reference.shape).toEqual([2, 5]);
    expect(maxAbsDiff(reference.data, logits)).toBeLessThan(1e-4);
    // The logits are not trivially equal (e.g. all zeros): they vary across classes.
    expect(Math.max(...logits) - Math.min(...logits)).toBeGreaterThan(1e-3);
    tf.dispose(images);
  });
});
