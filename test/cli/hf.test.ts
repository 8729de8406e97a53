/**
 * `tfmc import hf` and `tfmc export hf`, run as the built binary on a checkpoint written by
 * test/weights/hf/reference_checkpoints.py: a checkpoint tfmc cannot read, a config the shipped
 * spec cannot express and tensors that do not fit are refused with their code, every difference
 * listed by name, exit 1 and nothing written.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../src/weights/exchange.js';
import { writeReferenceCheckpoint } from '../weights/hf/helpers.js';
import { expectNoStackTrace, tfmc } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tfmc-hf-cli-'));
  writeReferenceCheckpoint('gpt2', join(dir, 'gpt2-hf'));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the GPT-2 checkpoint with its config and tensors changed. */
async function variant(name: string, change: { config?: Record<string, unknown>; tensors?: (t: Map<string, { shape: number[]; data: Float32Array }>) => void }): Promise<string> {
  const to = join(dir, name);
  cpSync(join(dir, 'gpt2-hf'), to, { recursive: true });
  if (change.config) {
    const config = JSON.parse(readFileSync(join(to, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(to, 'config.json'), JSON.stringify({ ...config, ...change.config }));
  }
  if (change.tensors) {
    const file = await readSafetensors(join(to, 'model.safetensors'));
    const tensors = new Map([...file.tensors].map(([k, t]) => [k, { shape: t.shape, data: t.data }]));
    change.tensors(tensors);
    await writeSafetensors(join(to, 'model.safetensors'), tensors);
  }
  return name;
}

describe('tfmc import hf', () => {
  it('writes the spec, the shipped spec it imports and the weights; tfmc check accepts the spec', () => {
    const r = tfmc(['import', 'hf', 'gpt2-hf', '-o', 'gpt2-tfmc'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('✓ gpt2: 36 tensors (35,008 parameters) → gpt2-tfmc/model.tfm (model Gpt2Imported), gpt2-tfmc/model.safetensors\n');
    expect(r.status).toBe(0);
    expect(tfmc(['check', 'gpt2-tfmc/model.tfm'], { cwd: dir }).status).toBe(0);
    // A second import replaces its own earlier output.
    expect(tfmc(['import', 'hf', 'gpt2-hf', '-o', 'gpt2-tfmc'], { cwd: dir }).status).toBe(0);
  });

  it('TFM6101: a directory without config.json', () => {
    mkdirSync(join(dir, 'empty'));
    const r = tfmc(['import', 'hf', 'empty', '-o', 'never'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('error[TFM6101]: empty has no config.json: a Hugging Face checkpoint directory holds config.json and model.safetensors\n');
    expectNoStackTrace(r);
  });

  it('TFM6101: a model_type tfmc does not map', async () => {
    const r = tfmc(['import', 'hf', await variant('opt', { config: { model_type: 'opt' } }), '-o', 'never'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('error[TFM6101]: opt/config.json has model_type "opt"; tfmc imports gpt2, llama, mistral, bert, t5, vit\n');
  });

  it('TFM6102: every setting the shipped spec cannot express', async () => {
    const name = await variant('relu', { config: { activation_function: 'relu', n_inner: 64 } });
    const r = tfmc(['import', 'hf', name, '-o', 'never'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'error[TFM6102]: relu/config.json has settings the shipped gpt2.tfm cannot express:\n' +
        '  `n_inner` is 64: the shipped spec has a feed-forward of 4 × n_embd\n' +
        '  `activation_function` is "relu": the shipped spec has the tanh GELU (`gelu_new`)\n',
    );
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('TFM6103: missing, unknown and misshapen tensors, all listed by name, before any weight is read; nothing written', async () => {
    const name = await variant('broken', {
      tensors: (t) => {
        t.delete('h.1.ln_2.bias');
        t.set('h.0.attn.rotary.weight', { shape: [2], data: new Float32Array(2) });
        t.set('wpe.weight', { shape: [16, 32], data: new Float32Array(512) });
      },
    });
    const r = tfmc(['import', 'hf', name, '-o', 'never'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "error[TFM6103]: broken: the checkpoint's tensors do not fit gpt2.tfm's Gpt2Small with its config (3 differences); nothing was written:\n" +
        '  shape differs: `wpe.weight` is [16, 32] in the checkpoint, [32, 32] for the spec\n' +
        '  missing from the checkpoint: `h.1.ln_2.bias` [32]\n' +
        '  unknown tensor: `h.0.attn.rotary.weight` [2]\n',
    );
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('TFM6103: a tied copy whose values differ from the tensor the spec ties it to', async () => {
    const name = await variant('untied', {
      tensors: (t) => {
        const wte = t.get('wte.weight')!;
        t.set('lm_head.weight', { shape: wte.shape, data: wte.data.map((v) => v + 1) });
      },
    });
    const r = tfmc(['import', 'hf', name, '-o', 'never'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('error[TFM6103]: untied: `lm_head.weight` differs from `wte.weight`, which the spec ties it to; nothing was written\n');
  });
});

describe('tfmc export hf', () => {
  it('writes config.json and model.safetensors that import again to the same weights', async () => {
    expect(tfmc(['import', 'hf', 'gpt2-hf', '-o', 'a'], { cwd: dir }).status).toBe(0);
    const r = tfmc(['export', 'hf', 'a/model.tfm', '--weights', 'a/model.safetensors', '-o', 'back'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('✓ Gpt2Imported (gpt2): 28 tensors → back/config.json, back/model.safetensors\n');
    expect(tfmc(['import', 'hf', 'back', '-o', 'b'], { cwd: dir }).status).toBe(0);
    expect(readFileSync(join(dir, 'b/model.safetensors'))).toEqual(readFileSync(join(dir, 'a/model.safetensors')));
  });

  it('TFM6102: a model that extends no shipped model of a family, without --family', () => {
    writeFileSync(join(dir, 'other.tfm'), 'model Other {\n  input x: float32[batch, 4]\n  output y = Linear(2)(x)\n}\n');
    const r = tfmc(['export', 'hf', 'other.tfm', '--weights', 'a/model.safetensors', '-o', 'o'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error[TFM6102]: model `Other` neither is nor directly extends a shipped model tfmc exports (Gpt2Small, Llama2_7B, Mistral7B, BertBase, T5Small, VitB16); say which family its parameters follow with --family');
  });
});
