/**
 * The graph backend: a model's IR as a picture (`tfmc graph`). `buildModelGraph` makes the
 * backend-neutral description; `toDot` / `toMermaid` write it as text; `renderSvg` lays the DOT
 * out with Graphviz and `svgToPng` rasterises the SVG.
 */
import type { ModelIR } from '../../ir/types.js';
import { toDot } from './dot.js';
import { toMermaid } from './mermaid.js';
import type { GraphFormat } from './constants.js';
import { buildModelGraph, type GraphOptions, type ModelGraph } from './model-graph.js';
import { GraphRenderError, LAYOUT_FONT, renderSvg, svgToPng } from './render.js';

export { DEFAULT_DEPTH, GRAPH_FORMATS, type GraphFormat } from './constants.js';
export { buildModelGraph, compactCount, nodeLabel, tensorLabel, type GraphCluster, type GraphEdge, type GraphNode, type GraphOptions, type ModelGraph } from './model-graph.js';
export { dotString, toDot, type DotOptions } from './dot.js';
export { mermaidText, toMermaid } from './mermaid.js';
export { GraphRenderError, LAYOUT_FONT, renderSvg, svgToPng } from './render.js';

/** The picture of `model` in `format`: text for svg/dot/mermaid, bytes for png. */
export async function renderModelGraph(model: ModelIR, format: GraphFormat, options: GraphOptions = {}): Promise<string | Uint8Array> {
  return renderGraph(buildModelGraph(model, options), format);
}

/**
 * Writes `graph` in `format`. Graphviz's layout of clusters has known crashes on some large
 * graphs; if it fails, the picture is laid out again without the module frames, and `warn` says so.
 */
export async function renderGraph(
  graph: ModelGraph,
  format: GraphFormat,
  warn: (message: string) => void = () => {},
): Promise<string | Uint8Array> {
  if (format === 'mermaid') return toMermaid(graph);
  if (format === 'dot') return toDot(graph);
  let svg: string;
  try {
    svg = await renderSvg(toDot(graph, { font: LAYOUT_FONT }));
  } catch (err) {
    if (!(err instanceof GraphRenderError) || graph.clusters.length === 0) throw err;
    warn(`${err.message}; drawn again without the module frames`);
    svg = await renderSvg(toDot(graph, { clusters: false, font: LAYOUT_FONT }));
  }
  return format === 'svg' ? svg : svgToPng(svg);
}
