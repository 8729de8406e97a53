/**
 * Issue 15 item 3: checking, drawing and emitting a model were quadratic in its layers (module
 * names probed `h_1, h_2, …` from 1 each time; every box and summary row summed all parameters;
 * generated names probed `x_2, x_3, …`; leaf modules compared every path with every other).
 * 8,000 layers took seconds where they now take tens of milliseconds. These tests run the sizes
 * that exposed it and check the results; how long they take is measured by `npm run bench`
 * (section `check`: the ~10,000-line generated spec, and parse time against input size), not
 * asserted here — a timed unit test fails on a busy machine and proves nothing on a quiet one.
 */
import { describe, expect, it } from 'vitest';
import { buildModelGraph } from '../../src/backends/graph/model-graph.js';
import { Namer } from '../../src/backends/ts/names.js';
import { checkSource } from '../../src/index.js';
import { summarize } from '../../src/ir/summary.js';

function deep(layers: number): string {
  const lines = ['model Deep {', '  config {', '    d = 16', '  }', '  input x: float32[batch, d]', '  let h = x'];
  for (let i = 0; i < layers; i++) lines.push('  h = Linear(d)(h)');
  lines.push('  output y = h', '}');
  return lines.join('\n') + '\n';
}


describe('linear in the number of layers', () => {
  const text = deep(8_000);

  it('checks 8,000 layers written one per line', () => {
    const models = checkSource(text, 'deep.tfm').models;
    expect(models[0].modules.map((m) => m.path).slice(0, 3)).toEqual(['h', 'h_1', 'h_2']);
    expect(models[0].modules.at(-1)!.path).toBe('h_7999');
  });

  it('draws and summarises them', () => {
    const ir = checkSource(text, 'deep.tfm').models[0];
    expect(buildModelGraph(ir).nodes.length).toBe(8_002);
    expect(summarize(ir).rows.reduce((a, r) => a + r.params, 0)).toBe(8_000 * (16 * 16 + 16));
  });

  it('names 50,000 generated locals of one stem, smallest free suffix first', () => {
    const namer = new Namer(['h_3']);
    const names: string[] = [];
    for (let i = 0; i < 50_000; i++) names.push(namer.fresh('h'));
    expect(names.slice(0, 4)).toEqual(['h', 'h_2', 'h_4', 'h_5']);
    expect(new Set(names).size).toBe(50_000);
    expect(namer.child().fresh('h')).toBe('h_50002');
  });

  it('checks the ~10,000-line generated spec (bench/generate.js)', async () => {
    const { generateSpec } = (await import('../../bench/generate.js' as string)) as { generateSpec: (blocks: number) => string };
    const spec = generateSpec(200);
    expect(spec.split('\n').length).toBeGreaterThan(9_000);
    expect(checkSource(spec, 'generated.tfm').diagnostics.length).toBe(0);
  });
});
