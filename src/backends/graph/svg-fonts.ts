/**
 * The fonts of the graph's SVG: what Graphviz lays the labels out for, and what a viewer is asked
 * to draw them with. Kept apart from render.ts (which loads Node-only code) so the browser
 * playground draws the same picture.
 */

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

/** Graphviz's SVG names one font; this asks a viewer to fall back through the fonts of FONTS. */
export function withFallbackFonts(svg: string): string {
  return svg.replace(/font-family="(Helvetica,sans-Serif|DejaVu Sans)"/g, `font-family="${FONTS}"`);
}
