/**
 * `importHf` on checkpoints written by an independent torch script (reference_checkpoints.py: each
 * family's forward in plain torch, in Hugging Face's tensor names and layouts, random weights):
 * the imported spec and weights give the script's logits within 1e-4, and an export gives back
 * the checkpoint's tensors.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportHf, importHf } from '../../../src/api/hf.js';
import { compile } from '../../../src/index.js';
import { importSafetensors, readSafetensors } from '../../../src/weights/exchange.js';
import { maxDifferences, readReference, writeReferenceCheckpoint } from './helpers.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tfmc-hf-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FAMILIES: Array<{ family: string; model: string; shards?: number }> = [
  { family: 'gpt2', model: 'Gpt2Imported' },
  { family: 'llama', model: 'LlamaImported', shards: 2 },
  { family: 'bert', model: 'BertImported' },
  { family: 't5', model: 'T5Imported' },
  { family: 'vit', model: 'VitImported' },
];

describe.each(FAMILIES)('$family', ({ family, model, shards }) => {
  it('imports a checkpoint whose logits match the torch forward within 1e-4, and exports it back', async () => {
    const ckpt = join(tmp, `${family}-hf`);
    const out = join(tmp, `${family}-tfmc`);
    writeReferenceCheckpoint(family, ckpt, shards);
    const r = await importHf(ckpt, out);
    expect(r.model).toBe(model);
    const m = await compile(join(out, 'model.tfm'), { model });
    try {
      await importSafetensors(m, join(out, 'model.safetensors'));
      const diffs = maxDifferences(m, await readReference(ckpt));
      for (const d of Object.values(diffs)) expect(d).toBeLessThanOrEqual(1e-4);

      // Export: the same tensors under the same names (ignored buffers aside).
      const back = join(tmp, `${family}-back`);
      await exportHf(m, back);
      const exported = await readSafetensors(join(back, 'model.safetensors'));
      const original = await readHfTensors(ckpt);
      for (const [name, t] of exported.tensors) {
        const o = original.get(name);
        expect(o, name).toBeDefined();
        expect(t.shape).toEqual(o!.shape);
        expect(Array.from(t.data)).toEqual(Array.from(o!.data));
      }
      const config = JSON.parse(readFileSync(join(back, 'config.json'), 'utf8')) as Record<string, unknown>;
      const originalConfig = JSON.parse(readFileSync(join(ckpt, 'config.json'), 'utf8')) as Record<string, unknown>;
      // Every setting the export writes is the checkpoint's, but dropout on attention weights, which the
      // shipped specs do not have (0), and class names, which a spec does not keep (LABEL_0 ...).
      for (const [k, v] of Object.entries(config)) {
        if (k in originalConfig && !['architectures', 'attn_pdrop', 'attention_probs_dropout_prob', 'id2label'].includes(k)) expect([k, v]).toEqual([k, originalConfig[k]]);
      }

      // And the export imports again to the same spec and weights.
      const again = join(tmp, `${family}-again`);
      await importHf(back, again);
      expect(readFileSync(join(again, 'model.tfm'), 'utf8')).toBe(readFileSync(join(out, 'model.tfm'), 'utf8'));
      expect(readFileSync(join(again, 'model.safetensors'))).toEqual(readFileSync(join(out, 'model.safetensors')));
    } finally {
      m.dispose();
    }
  }, 60_000);
});

async function readHfTensors(dir: string) {
  const { readHfCheckpoint, loadHfTensors } = await import('../../../src/weights/hf/checkpoint.js');
  const ckpt = readHfCheckpoint(dir);
  return loadHfTensors(ckpt, ckpt.tensors.keys(), (f) => f);
}

describe('llama rotary layout', () => {
  it("Meta's interleaved q/k rows (before Hugging Face's permutation) do not give the logits: the layouts are told apart", async () => {
    const ckpt = join(tmp, 'llama-layout-hf');
    const out = join(tmp, 'llama-layout-tfmc');
    writeReferenceCheckpoint('llama', ckpt);
    await importHf(ckpt, out);
    const m = await compile(join(out, 'model.tfm'), { model: 'LlamaImported' });
    try {
      await importSafetensors(m, join(out, 'model.safetensors'));
      const ref = await readReference(ckpt);
      expect(maxDifferences(m, ref).logits).toBeLessThanOrEqual(1e-4);
      // Undo Hugging Face's permutation: row h·d + j pairs with h·d + d/2 + j → rows 2j and 2j + 1.
      const tf = await import('@tensorflow/tfjs');
      const weights = m.getWeights();
      const d = 32 / 4;
      const meta: Record<string, import('@tensorflow/tfjs').Tensor> = {};
      for (const [name, w] of Object.entries(weights)) {
        if (!/self_attn\.[qk]_proj\.weight$/.test(name)) continue;
        const [rows, cols] = w.shape;
        const src = w.dataSync();
        const dst = new Float32Array(src.length);
        for (let h = 0; h < rows / d; h++) {
          for (let j = 0; j < d / 2; j++) {
            dst.set(src.subarray((h * d + j) * cols, (h * d + j + 1) * cols), (h * d + 2 * j) * cols);
            dst.set(src.subarray((h * d + d / 2 + j) * cols, (h * d + d / 2 + j + 1) * cols), (h * d + 2 * j + 1) * cols);
          }
        }
        meta[name] = tf.tensor2d(dst, [rows, cols]);
      }
      expect(Object.keys(meta)).toHaveLength(4);
      m.setWeights(meta);
      tf.dispose(Object.values(meta));
      expect(maxDifferences(m, ref).logits).toBeGreaterThan(1e-2);
    } finally {
      m.dispose();
    }
  }, 60_000);
});
