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
import { withFallbackFonts } from './svg-fonts.js';

export { LAYOUT_FONT } from './svg-fonts.js';

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
  return withFallbackFonts(result.output);
}

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
