/**
 * The graph backend's formats and default depth, in a module of their own without dependencies,
 * so that `tfmc graph` can declare its flags without loading the backend (src/cli/graph.ts).
 */
export const GRAPH_FORMATS = ['svg', 'png', 'dot', 'mermaid'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

/** Levels of modules drawn open when no depth is given. */
export const DEFAULT_DEPTH = 1;
