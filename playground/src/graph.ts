/**
 * The model's picture, as `tfmc graph` draws it: the graph backend's description and DOT
 * (`src/backends/graph`) laid out for the same font, by Graphviz compiled to WebAssembly
 * (`@viz-js/viz`, loaded on first use).
 */
import type { Viz } from '@viz-js/viz';
import { toDot } from '../../src/backends/graph/dot.js';
import { buildModelGraph } from '../../src/backends/graph/model-graph.js';
import { LAYOUT_FONT, withFallbackFonts } from '../../src/backends/graph/svg-fonts.js';
import type { ModelIR } from '../../src/ir/types.js';

let viz: Promise<Viz> | undefined;

async function svgOf(dot: string): Promise<SVGSVGElement> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  const text = withFallbackFonts((await viz).renderString(dot, { format: 'svg', engine: 'dot' }));
  // Graphviz escapes every label; the parsed document's scripts (there are none) would not run.
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  return document.importNode(doc.documentElement, true) as unknown as SVGSVGElement;
}

export async function drawGraph(model: ModelIR, depth: number): Promise<SVGSVGElement> {
  const graph = buildModelGraph(model, { depth });
  try {
    return await svgOf(toDot(graph, { font: LAYOUT_FONT }));
  } catch {
    // Graphviz's cluster layout fails on some graphs, and its wasm instance with it (as in
    // `tfmc graph`): draw it again, flat, on a fresh instance.
    viz = undefined;
    return svgOf(toDot(graph, { clusters: false, font: LAYOUT_FONT }));
  }
}
