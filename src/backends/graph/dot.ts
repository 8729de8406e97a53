/**
 * Graphviz DOT for a `ModelGraph`. Ids are the graph's generated ones; every label is a quoted
 * DOT string with `"` and `\` escaped, `&` written as `&amp;` (Graphviz decodes entities in
 * labels), line breaks as `\n` and other control characters dropped, so no name can end the
 * string, inject attributes or turn into other text.
 */
import { nodeLabel, type GraphCluster, type GraphNode, type ModelGraph } from './model-graph.js';

/** A DOT double-quoted string holding `text` literally. */
export function dotString(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '&') out += '&amp;'; // Graphviz reads entities (`&lt;`) in labels
    else if (ch === '\n') out += '\\n';
    else if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) continue;
    else out += ch;
  }
  return `"${out}"`;
}

const NODE_STYLE: Record<GraphNode['kind'], string> = {
  input: 'shape=box, style="rounded,filled", fillcolor="#d9ead3", color="#6aa84f"',
  output: 'shape=box, style="rounded,filled", fillcolor="#fce5cd", color="#e69138"',
  loss: 'shape=box, style="rounded,filled", fillcolor="#f4cccc", color="#cc0000"',
  op: 'shape=ellipse, style=filled, fillcolor="#f3f3f3", color="#999999"',
  module: 'shape=box, style="rounded,filled", fillcolor="#dbe5f8", color="#3c78d8"',
};

export interface DotOptions {
  /** Draw open modules as clusters (default true); false gives a flat drawing. */
  clusters?: boolean;
  /** The font of every label (default Helvetica); Graphviz sizes boxes and label spaces by its metrics. */
  font?: string;
}

export function toDot(graph: ModelGraph, options: DotOptions = {}): string {
  const withClusters = options.clusters ?? true;
  const font = options.font ?? 'Helvetica';
  const lines: string[] = [];
  lines.push(`digraph ${dotString(graph.name)} {`);
  lines.push(`  graph [rankdir=TB, fontname="${font}", fontsize=12, label=${dotString(graph.name)}, labelloc=t, nodesep=0.45, ranksep=0.35];`);
  lines.push(`  node [fontname="${font}", fontsize=11, margin="0.12,0.05"];`);
  lines.push(`  edge [fontname="${font}", fontsize=9, color="#666666", fontcolor="#444444", arrowsize=0.7];`);

  const children = new Map<string | undefined, GraphCluster[]>();
  if (withClusters) for (const c of graph.clusters) children.set(c.parent, [...(children.get(c.parent) ?? []), c]);
  const members = new Map<string | undefined, GraphNode[]>();
  for (const n of graph.nodes) {
    const cluster = withClusters ? n.cluster : undefined;
    members.set(cluster, [...(members.get(cluster) ?? []), n]);
  }

  const emit = (cluster: string | undefined, indent: string) => {
    for (const n of members.get(cluster) ?? []) {
      lines.push(`${indent}${n.id} [label=${dotString(nodeLabel(n))}, ${NODE_STYLE[n.kind]}];`);
    }
    for (const c of children.get(cluster) ?? []) {
      lines.push(`${indent}subgraph cluster_${c.id} {`);
      lines.push(`${indent}  label=${dotString(c.label)}; style="rounded,dashed"; color="#999999"; fontsize=10; labeljust=l;`);
      emit(c.id, indent + '  ');
      lines.push(`${indent}}`);
    }
  };
  emit(undefined, '  ');

  for (const e of graph.edges) {
    // (`constraint=false` would keep tied edges out of the ranking, but crashes Graphviz 14's
    // layout of large clustered graphs.)
    const style = e.kind === 'tied' ? ', style=dashed, color="#3c78d8"' : '';
    lines.push(`  ${e.from} -> ${e.to} [label=${dotString(e.label)}${style}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
