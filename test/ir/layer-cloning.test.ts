/**
 * Stacks are lowered by evaluating one layer and copying it for the others. The copy must be
 * exactly the graph a full evaluation of every layer builds: same nodes, shapes, parameters and
 * module paths, for every shipped spec.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkFile } from '../../src/index.js';
import { renderShape } from '../../src/ir/dims.js';
import { layerCopyCount, setLayerCloning } from '../../src/ir/lower/apply-modules.js';
import type { ModelIR } from '../../src/ir/types.js';

function fingerprint(m: ModelIR): unknown {
  return {
    nodes: m.nodes.map((n) => [n.id, n.op, n.inputs, n.outputs, n.module, n.params, n.attrs]),
    values: m.values.map((v) => [v.id, v.dtype, renderShape(v.shape), v.producer, v.outputIndex]),
    params: m.params.map((p) => [p.name, p.shape, p.init, p.module]).sort(),
    modules: m.modules.map((x) => [x.path, x.kind, x.depth, x.outputShape ? renderShape(x.outputShape) : '']).sort(),
    outputs: m.outputs,
    losses: m.losses,
  };
}

const roots = [join(import.meta.dirname, '../../specs'), join(import.meta.dirname, '../../examples')];
const files = roots.flatMap((r) => readdirSync(r).filter((f) => f.endsWith('.tfm')).map((f) => join(r, f)));

describe('copying identical stack layers', () => {
  afterEach(() => setLayerCloning(true));
  for (const file of files) {
    it(`builds the same IR as full evaluation: ${file.split('/').slice(-2).join('/')}`, () => {
      setLayerCloning(false);
      const full = checkFile(file).models.map(fingerprint);
      setLayerCloning(true);
      const before = layerCopyCount();
      const copied = checkFile(file).models.map(fingerprint);
      if (file.endsWith('bert.tfm')) expect(layerCopyCount() - before).toBe(11 + 1); // BertBase 12 layers, BertTiny 2
      expect(full.length).toBeGreaterThan(0);
      expect(copied).toEqual(full);
    });
  }
});
