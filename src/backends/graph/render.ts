/**
 * Pictures of a DOT graph: SVG laid out by Graphviz itself (compiled to WebAssembly,
 * `@viz-js/viz`: no system Graphviz needed), PNG rasterised from that SVG by resvg
 * (`@resvg/resvg-js`) with the system's fonts.
 *
 * Both are loaded on first use, not on import: Graphviz is a large WebAssembly module and resvg a
 * native addon, and the DOT and Mermaid writers (and every other `tfmc` command) need neither.
 */
import { createRequire } from 'node:module';
import type { Viz } from '@viz-js/viz';

let viz: Promise<Viz> | undefined;

/** Graphviz rejected the DOT (a bug in the emitter, since the DOT is generated). */
export class GraphRenderError extends Error {
  override name = 'GraphRenderError';
}

export async function renderSvg(dot: string): Promise<string> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  let result;
  try {
    result = (await viz).render(dot, { format: 'svg', engine: 'dot' });
  } catch (err) {
    // Graphviz aborted (a failed assertion in its layout): this wasm instance is done for.
    viz = undefined;
    throw new GraphRenderError(`Graphviz failed to lay out the graph (${(err as Error).message.replace(/^Aborted\((.*)\).*$/s, '$1')})`);
  }
  if (result.status !== 'success') {
    throw new GraphRenderError(`Graphviz could not lay out the graph: ${result.errors.map((e) => e.message).join('; ')}`);
  }
  // The SVG names one font; a viewer should fall back through the fonts of FONTS.
  return result.output.replace(/font-family="(Helvetica,sans-Serif|DejaVu Sans)"/g, `font-family="${FONTS}"`);
}

/**
 * The font Graphviz sizes the labels of SVG and PNG pictures with (`toDot(graph, { font })`):
 * DejaVu Sans, the widest of the fonts the SVG asks for (Graphviz knows its metrics: ~14% wider
 * than Helvetica's). Laid out for it, every label fits its box and keeps clear of its neighbours
 * in whichever of those fonts a viewer has; laid out for Helvetica, a system drawing with DejaVu
 * Sans (most Linux systems) overlapped neighbouring edge labels and clipped labels at the edge.
 */
export const LAYOUT_FONT = 'DejaVu Sans';
/** DejaVu Sans first (the labels were sized for it), then the narrower Helvetica look-alikes. */
const FONTS = 'DejaVu Sans,Helvetica,Arial,Liberation Sans,Nimbus Sans,sans-serif';

/** Pixels per SVG unit in the PNG (2: sharp on high-density screens). */
const ZOOM = 2;
/** Longest side of a PNG: a huge model is scaled down rather than made unopenable. */
const MAX_SIDE = 16_000;

export function svgToPng(svg: string): Uint8Array {
  const { Resvg } = createRequire(import.meta.url)('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const font = { loadSystemFonts: true };
  const probe = new Resvg(svg, { font: { loadSystemFonts: false } });
  const zoom = Math.min(ZOOM, MAX_SIDE / Math.max(probe.width, probe.height, 1));
  const image = new Resvg(svg, { font, background: 'white', fitTo: { mode: 'zoom', value: zoom } }).render();
  return image.asPng();
}
