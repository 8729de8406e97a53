/**
 * docs/cookbook.md works as printed: every ```tfm block checks without errors, and every model in
 * it compiles and runs forward on random inputs to finite outputs of the declared shapes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { checkSource, compile } from '../../src/index.js';
import { randomInputs, ROOT } from '../backends/pytorch/helpers.js';
import { fencedBlocks } from '../helpers/markdown.js';

const blocks = fencedBlocks(readFileSync(join(ROOT, 'docs/cookbook.md'), 'utf8'), 'tfm');

describe('docs/cookbook.md', () => {
  it('has recipes', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  blocks.forEach((text, i) => {
    const name = /model\s+(\w+)/.exec(text)?.[1] ?? `block ${i + 1}`;
    it(`${name}: checks, compiles and runs forward`, async () => {
      const path = join(ROOT, 'docs', `cookbook-${i + 1}.tfm`);
      const result = checkSource(text, path);
      expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.primary.span.start.line}: ${d.message}`)).toEqual([]);
      expect(result.models.length).toBeGreaterThan(0);
      for (const ir of result.models) {
        const model = await compile(text, { path, model: ir.name, seed: 1 });
        const feeds = Object.fromEntries([...randomInputs(ir, 2, 8)].map(([k, v]) => [k, tf.tensor(v.data, v.shape, v.dtype)]));
        const out = model.predict(feeds);
        expect(Object.keys(out).sort()).toEqual(model.outputNames.slice().sort());
        for (const [k, t] of Object.entries(out)) {
          const data = t.dataSync();
          expect([...data].every(Number.isFinite), `${ir.name}.${k} is finite`).toBe(true);
          expect(t.rank, `${ir.name}.${k}`).toBe(ir.values[ir.outputs.find((o) => o.name === k)!.value].shape.length);
        }
        tf.dispose([...Object.values(out), ...Object.values(feeds)]);
      }
    });
  });
});
