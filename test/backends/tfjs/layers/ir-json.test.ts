/** The IR as versioned JSON: a lossless round trip of what runs, and clear errors for damaged data. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromConfigText, irFromJson, irToJson, IRJsonError, toConfigText } from '../../../../src/backends/tfjs/layers/ir-json.js';
import { renderShape } from '../../../../src/ir/dims.js';
import { checkFile } from '../../../../src/index.js';
import { ROOT } from '../helpers.js';

const models = readdirSync(join(ROOT, 'specs'))
  .filter((f) => f.endsWith('.tfm'))
  .sort()
  .flatMap((f) => checkFile(join(ROOT, 'specs', f)).models.filter((m) => m.name.endsWith('Tiny')));

describe('IR JSON', () => {
  it('covers every shipped tiny model', () => {
    expect(models.length).toBeGreaterThanOrEqual(7);
  });

  for (const ir of models) {
    it(`${ir.name}: irFromJson(irToJson(ir)) keeps nodes, parameters and every value's shape`, () => {
      const text = JSON.stringify(irToJson(ir));
      const back = irFromJson(JSON.parse(text));
      expect(JSON.stringify(irToJson(back))).toBe(text);
      expect(back.values.map((v) => renderShape(v.shape))).toEqual(ir.values.map((v) => renderShape(v.shape)));
      expect(back.nodes.map((n) => [n.op, n.inputs, n.outputs, n.attrs, n.module, n.params])).toEqual(ir.nodes.map((n) => [n.op, n.inputs, n.outputs, n.attrs, n.module, n.params]));
      expect(back.params.map((p) => [p.name, p.shape, p.init])).toEqual(ir.params.map((p) => [p.name, p.shape, p.init]));
      // Source spans name files on the saving machine: not stored.
      expect(text).not.toContain(ROOT);
    });
  }

  it('config text survives tfjs-layers’s snake_case/camelCase rewriting of config strings (lower-case hex)', () => {
    const s = 'decoder.layers.0.self_attn.q_proj.weight — “ünïcode” {"a_b":1}';
    const hex = toConfigText(s);
    expect(hex).toMatch(/^[0-9a-f]+$/);
    expect(fromConfigText(hex)).toBe(s);
    expect(() => fromConfigText('abc')).toThrow(IRJsonError);
    expect(() => fromConfigText('zz')).toThrow(/not hexadecimal/);
  });

  it('rejects other formats, other versions and broken graphs with an IRJsonError', () => {
    const good = irToJson(models[0]);
    expect(() => irFromJson({ format: 'other' })).toThrow(/not a tfmc IR/);
    expect(() => irFromJson({ ...good, version: 2 })).toThrow(/version 2 cannot be read by this tfmc \(it reads version 1\)/);
    expect(() => irFromJson({ ...good, nodes: undefined })).toThrow(/`nodes` is missing/);
    const reordered = { ...good, nodes: [...good.nodes].reverse() };
    expect(() => irFromJson(reordered)).toThrow(/reads value \d+ before it is computed/);
    const dangling = { ...good, outputs: [{ name: 'x', value: 1e6 }] };
    expect(() => irFromJson(dangling)).toThrow(/output `x` refers to value 1000000, which does not exist/);
    const badDim = { ...good, values: good.values.map((v, i) => (i === 0 ? { ...v, shape: [{ what: 1 }] } : v)) };
    expect(() => irFromJson(badDim)).toThrow(/is not a dimension/);
  });
});
