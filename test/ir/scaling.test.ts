/**
 * Issue 15 item 3: checking, drawing and emitting a model were quadratic in its layers (module
 * names probed `h_1, h_2, …` from 1 each time; every box and summary row summed all parameters;
 * generated names probed `x_2, x_3, …`; leaf modules compared every path with every other).
 * 8,000 layers took seconds where they now take tens of milliseconds; the bounds below leave
 * ample room for a busy machine and still fail the quadratic versions (several seconds each).
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

/** The best of `runs` timings of `f`, after one untimed run (the first compiles the code paths). */
function ms(f: () => void, runs = 2): number {
  f();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

describe('linear in the number of layers', () => {
  const text = deep(8_000);

  it('checks 8,000 layers written one per line well under a second (was 3-4 s)', () => {
    let models: ReturnType<typeof checkSource>['models'] = [];
    expect(ms(() => (models = checkSource(text, 'deep.tfm').models))).toBeLessThan(1_000);
    expect(models[0].modules.map((m) => m.path).slice(0, 3)).toEqual(['h', 'h_1', 'h_2']);
    expect(models[0].modules.at(-1)!.path).toBe('h_7999');
  });

  it('draws and summarises them in well under a second (was 2-3 s for the drawing)', () => {
    const ir = checkSource(text, 'deep.tfm').models[0];
    let boxes = 0;
    expect(ms(() => (boxes = buildModelGraph(ir).nodes.length))).toBeLessThan(1_000);
    expect(boxes).toBe(8_002);
    let params = 0;
    expect(ms(() => (params = summarize(ir).rows.reduce((a, r) => a + r.params, 0)))).toBeLessThan(1_000);
    expect(params).toBe(8_000 * (16 * 16 + 16));
  });

  it('names 50,000 generated locals of one stem in linear time, smallest free suffix first', () => {
    let namer = new Namer();
    let names: string[] = [];
    const fill = () => {
      namer = new Namer(['h_3']);
      names = [];
      for (let i = 0; i < 50_000; i++) names.push(namer.fresh('h'));
    };
    expect(ms(fill)).toBeLessThan(1_000);
    expect(names.slice(0, 4)).toEqual(['h', 'h_2', 'h_4', 'h_5']);
    expect(new Set(names).size).toBe(50_000);
    expect(namer.child().fresh('h')).toBe('h_50002');
  });

  it('checks the ~10,000-line generated spec (bench/generate.js) well under a second', async () => {
    const { generateSpec } = (await import('../../bench/generate.js' as string)) as { generateSpec: (blocks: number) => string };
    const spec = generateSpec(200);
    expect(spec.split('\n').length).toBeGreaterThan(9_000);
    let errors = -1;
    expect(ms(() => (errors = checkSource(spec, 'generated.tfm').diagnostics.length))).toBeLessThan(1_000);
    expect(errors).toBe(0);
  });
});
