/**
 * The graph backend on a shipped tiny model: the graph description (depth, shapes, tied
 * weights), DOT and Mermaid goldens, real Graphviz SVG and resvg PNG, and labels made of
 * hostile names that must not break either syntax.
 */
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { instance, type Viz } from '@viz-js/viz';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModelGraph, compactCount, dotString, GraphRenderError, nodeLabel, renderGraph, renderSvg, svgToPng, toDot, toMermaid, type ModelGraph } from '../../../src/backends/graph/index.js';
import { checkFile } from '../../../src/index.js';
import { summarize } from '../../../src/ir/summary.js';
import type { ModelIR } from '../../../src/ir/types.js';
import { expectGolden } from '../../helpers/golden.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const GOLDEN = join(import.meta.dirname, '__golden__');

let tiny: ModelIR;
beforeAll(() => {
  const result = checkFile(join(ROOT, 'specs', 'gpt2.tfm'));
  tiny = result.models.find((m) => m.name === 'Gpt2Tiny')!;
  expect(tiny).toBeDefined();
});

describe('the model graph', () => {
  it('opens one more level of modules per depth', () => {
    const counts = [0, 1, 2, 3].map((depth) => buildModelGraph(tiny, { depth }).nodes.length);
    expect(counts).toEqual([13, 14, 28, 60]);
    const labels = (depth: number) => buildModelGraph(tiny, { depth }).nodes.map((n) => n.label);
    expect(labels(0)).toContain('blocks');
    expect(labels(0)).not.toContain('blocks.0');
    expect(labels(1)).toEqual(expect.arrayContaining(['blocks.0', 'blocks.1']));
    expect(labels(2)).toEqual(expect.arrayContaining(['blocks.0.self_attn', 'blocks.0.ff']));
    expect(labels(3)).toEqual(expect.arrayContaining(['softmax', 'blocks.0.self_attn.q_proj']));
    expect(buildModelGraph(tiny, { depth: 1 }).clusters.map((c) => c.label)).toEqual(['blocks: repeat 2']);
  });

  it('labels edges with the inferred shapes and links tied weights', () => {
    const g = buildModelGraph(tiny, { depth: 1 });
    const byLabel = new Map(g.nodes.map((n) => [n.label, n.id]));
    const edge = (from: string, to: string) => g.edges.filter((e) => e.from === byLabel.get(from) && e.to === byLabel.get(to));
    expect(edge('ids', 'wte').map((e) => e.label)).toEqual(['int32[batch, seq]']);
    expect(edge('lm_head', 'logits').map((e) => e.label)).toEqual(['[batch, seq, 100]']);
    expect(edge('causal_mask', 'blocks.0').map((e) => e.label)).toEqual(['mask[1, seq, seq]']);
    expect(edge('wte', 'lm_head')).toEqual([{ from: byLabel.get('wte'), to: byLabel.get('lm_head'), label: 'tied', kind: 'tied' }]);
    const ids = new Set(g.nodes.map((n) => n.id));
    for (const e of g.edges) expect(ids.has(e.from) && ids.has(e.to)).toBe(true);
  });

  it('gives each module box its parameter count, as tfmc summary counts the module', () => {
    const rows = new Map(summarize(tiny).rows.map((r) => [r.path, r.params]));
    for (const depth of [0, 1, 2]) {
      const modules = buildModelGraph(tiny, { depth }).nodes.filter((n) => n.kind === 'module');
      for (const n of modules) expect(n.params ?? 0, n.label).toBe(rows.get(n.label));
    }
    const g = buildModelGraph(tiny, { depth: 1 });
    const box = (label: string) => g.nodes.find((n) => n.label === label)!;
    expect(nodeLabel(box('wte'))).toBe('wte\nEmbedding\n3.2K params');
    expect(nodeLabel(box('blocks.0'))).toBe(`blocks.0\nDecoderLayer\n${compactCount(rows.get('blocks.0')!)} params`);
    expect(nodeLabel(box('lm_head'))).toBe('lm_head\nLinear'); // its weight is wte's (tied), and it has no bias
    expect(nodeLabel(box('ids'))).toBe('ids\nint32[batch, seq]');
    expect([0, 1, 768, 999, 1000, 2048, 12_672, 999_999, 124_439_808, 1.5e9].map(compactCount)).toEqual(['0', '1', '768', '999', '1K', '2.05K', '12.7K', '1M', '124M', '1.5B']);
  });

  it('draws a module without sub-modules once per use, so the data flow stays acyclic', () => {
    const g = buildModelGraph(tiny, { depth: 2 });
    expect(g.nodes.filter((n) => n.label === 'blocks.0.drop')).toHaveLength(2);
    // Kahn's algorithm empties an acyclic graph.
    const indegree = new Map(g.nodes.map((n) => [n.id, 0]));
    const data = g.edges.filter((e) => e.kind === 'data');
    for (const e of data) indegree.set(e.to, indegree.get(e.to)! + 1);
    const ready = [...indegree].filter(([, d]) => d === 0).map(([id]) => id);
    let seen = 0;
    while (ready.length > 0) {
      const id = ready.pop()!;
      seen++;
      for (const e of data.filter((x) => x.from === id)) {
        indegree.set(e.to, indegree.get(e.to)! - 1);
        if (indegree.get(e.to) === 0) ready.push(e.to);
      }
    }
    expect(seen).toBe(g.nodes.length);
  });
});

describe('emitters', () => {
  it('DOT and Mermaid of Gpt2Tiny at depth 1 (goldens)', () => {
    const g = buildModelGraph(tiny, { depth: 1 });
    expectGolden(join(GOLDEN, 'gpt2-tiny.dot'), toDot(g));
    expectGolden(join(GOLDEN, 'gpt2-tiny.mmd'), toMermaid(g));
  });

  it('renders an SVG with Graphviz that parses and holds the labels', async () => {
    const svg = await renderSvg(toDot(buildModelGraph(tiny, { depth: 1 })));
    expect(svg).toMatch(/^<\?xml[^>]*>\s*<!DOCTYPE svg[\s\S]*<svg [\s\S]*<\/svg>\s*$/);
    expect(() => new Resvg(svg)).not.toThrow(); // a real XML + SVG parser
    expect(() => new Resvg(svg.replace('</svg>', ''))).toThrow(); // ... which does reject broken XML
    for (const text of ['Gpt2Tiny', 'blocks.0', 'DecoderLayer', 'blocks: repeat 2', '[batch, seq, 32]', 'int32[batch, seq]', 'next_token']) {
      expect(svg).toContain(`>${text}</text>`);
    }
    expect(svg.match(/<g id="node\d+" class="node">/g)).toHaveLength(14);
    expect(svg.match(/<g id="edge\d+" class="edge">/g)).toHaveLength(buildModelGraph(tiny, { depth: 1 }).edges.length);
  });

  it('turns a Graphviz crash into a GraphRenderError and recovers for the next picture', async () => {
    // A tied edge with `constraint=false` across the clusters of GPT-2 small crashes Graphviz 14
    // (which is why the emitter no longer writes that attribute).
    const small = checkFile(join(ROOT, 'specs', 'gpt2.tfm')).models.find((m) => m.name === 'Gpt2Small')!;
    const crashing = toDot(buildModelGraph(small, { depth: 3 })).replace('style=dashed, color="#3c78d8"', 'style=dashed, constraint=false');
    await expect(renderSvg(crashing)).rejects.toThrow(GraphRenderError);
    await expect(renderSvg('digraph { a -> }')).rejects.toThrow(/syntax error/);
    expect(await renderSvg(toDot(buildModelGraph(tiny, { depth: 0 })))).toContain('</svg>');
  });

  it('lays labels out so that none overlaps another in any of the fonts the SVG names', async () => {
    // Graphviz sizes each label with one font's metrics; a viewer draws it with the first font of
    // the SVG's list it has. Each label is measured here in the widest font of that list (with
    // Graphviz's metrics for it) and placed as the SVG places it: no two may intersect.
    const viz = await instance();
    const bert = checkFile(join(ROOT, 'specs', 'bert.tfm')).models.find((m) => m.name === 'BertTiny')!;
    for (const [model, depth] of [[tiny, 0], [tiny, 1], [tiny, 2], [bert, 1]] as const) {
      const svg = (await renderGraph(buildModelGraph(model, { depth }), 'svg')) as string;
      const boxes = svgTexts(svg).map((t) => {
        const width = Math.max(...t.fonts.map((font) => textWidth(viz, t.text, font, t.size)));
        const x0 = t.anchor === 'start' ? t.x : t.anchor === 'end' ? t.x - width : t.x - width / 2;
        return { ...t, x0, x1: x0 + width, y0: t.y - 0.75 * t.size, y1: t.y + 0.2 * t.size };
      });
      expect(boxes.length).toBeGreaterThan(20);
      for (const [i, a] of boxes.entries()) {
        for (const b of boxes.slice(i + 1)) {
          const overlap = a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
          expect(overlap, `${model.name} depth ${depth}: "${a.text}" overlaps "${b.text}"`).toBe(false);
        }
      }
    }
  });

  it('rasterises the SVG to a PNG of plausible size', async () => {
    const png = svgToPng(await renderSvg(toDot(buildModelGraph(tiny, { depth: 1 }))));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset);
    const [width, height] = [view.getUint32(16), view.getUint32(20)];
    expect(width).toBeGreaterThan(400);
    expect(height).toBeGreaterThan(width); // a top-to-bottom drawing
    expect(height).toBeLessThan(16_001);
  });
});

describe('hostile names', () => {
  const nasty = ['a"b', 'back\\slash\\', 'new\nline', '}; n0 -> n0 [color=red]; {', '<b>&amp;</b>', 'x|y]-->z', 'end', '#quot;', '\u0007bell'];
  const graph: ModelGraph = {
    name: 'M"}',
    nodes: nasty.map((label, i) => ({ id: `n${i}`, kind: i % 2 ? 'op' : 'module', label, detail: nasty[(i + 1) % nasty.length], cluster: i < 3 ? 'c0' : undefined })),
    clusters: [{ id: 'c0', label: 'cluster "}" end' }],
    edges: nasty.slice(1).map((label, i) => ({ from: `n${i}`, to: `n${i + 1}`, label, kind: 'data' as const })),
  };

  it('DOT: Graphviz reads exactly the nodes and edges given, with the text intact', async () => {
    const svg = await renderSvg(toDot(graph));
    expect(svg.match(/<g id="node\d+" class="node">/g)).toHaveLength(nasty.length);
    expect(svg.match(/<g id="edge\d+" class="edge">/g)).toHaveLength(nasty.length - 1);
    expect(svg).toContain('>a&quot;b</text>');
    expect(svg).toContain('>back\\slash\\</text>');
    expect(svg).toContain('>}; n0 &#45;&gt; n0 [color=red]; {</text>');
    expect(svg).toContain('>&lt;b&gt;&amp;amp;&lt;/b&gt;</text>'); // the text as given, not an entity
    expect(svg).not.toContain('\u0007');
    expect(svg).not.toContain('stroke="red"');
  });

  it('Mermaid: every label stays inside its quotes, on its line', () => {
    const lines = toMermaid(graph).split('\n');
    const labelled = lines.filter((l) => /^\s+(n\d+|subgraph c\d+)/.test(l) && !l.includes('-->'));
    expect(labelled).toHaveLength(nasty.length + 1);
    for (const l of labelled) expect(l).toMatch(/^\s+(n\d+\(?\[?|subgraph c\d+\[)"[A-Za-z0-9 _.,:()[\]+\-*/=%^!?#;<>]*"\]?\)?$/);
    for (const l of lines.filter((l) => l.includes('-->'))) expect(l).toMatch(/^ {2}n\d+ -->\|"[^"|]*"\| n\d+$/);
    expect(lines.filter((l) => l.trim() === 'end')).toHaveLength(1); // only the subgraph's own
    expect(toMermaid(graph)).toContain('a#34;b');
    expect(toMermaid(graph)).toContain('new<br>line');
  });
});

interface SvgText {
  text: string;
  x: number;
  y: number;
  anchor: string;
  size: number;
  fonts: string[];
}

/** The text elements of a Graphviz SVG: content, anchor point, font size and font list. */
function svgTexts(svg: string): SvgText[] {
  const out: SvgText[] = [];
  for (const m of svg.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)) {
    const attr = (name: string) => m[1].match(new RegExp(`${name}="([^"]*)"`))?.[1];
    const text = m[2]
      .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
      .replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&amp;', '&');
    out.push({ text, x: Number(attr('x')), y: Number(attr('y')), anchor: attr('text-anchor') ?? 'start', size: Number(attr('font-size')), fonts: attr('font-family')!.split(',') });
  }
  return out;
}

const widths = new Map<string, number>();
/** The width Graphviz gives `text` in `font` (its metrics for known fonts, an estimate otherwise). */
function textWidth(viz: Viz, text: string, font: string, size: number): number {
  const key = `${font}\0${size}\0${text}`;
  let w = widths.get(key);
  if (w === undefined) {
    const dot = `digraph { a [shape=plaintext, margin=0, fontname=${dotString(font)}, fontsize=${size}, label=${dotString(text)}] }`;
    const json = JSON.parse(viz.render(dot, { format: 'json' }).output!) as { objects: { _ldraw_: { op: string; width?: number }[] }[] };
    w = json.objects[0]._ldraw_.find((op) => op.op === 'T')!.width!;
    widths.set(key, w);
  }
  return w;
}
