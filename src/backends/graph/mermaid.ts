/**
 * A Mermaid flowchart for a `ModelGraph` (for Markdown that renders Mermaid: GitHub, GitLab,
 * many docs sites). Ids are the graph's generated ones; labels are quoted, and every character
 * outside a small safe set is written as a Mermaid entity code (`#35;`), so no name can close a
 * label, start an HTML tag or break the line structure.
 */
import { nodeLabel, type GraphCluster, type GraphNode, type ModelGraph } from './model-graph.js';

const SAFE = /[A-Za-z0-9 _.,:()[\]+\-*/=%^!?]/;

/** `text` as the inside of a quoted Mermaid label (line breaks become `<br>`). */
export function mermaidText(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch === '\n') out += '<br>';
    else if (SAFE.test(ch)) out += ch;
    else out += `#${ch.codePointAt(0)};`;
  }
  return out;
}

const SHAPE: Record<GraphNode['kind'], [open: string, close: string]> = {
  input: ['([', '])'],
  output: ['([', '])'],
  loss: ['([', '])'],
  op: ['(', ')'],
  module: ['[', ']'],
};

export function toMermaid(graph: ModelGraph): string {
  const lines: string[] = ['---', `title: "${mermaidText(graph.name)}"`, '---', 'flowchart TB'];

  const children = new Map<string | undefined, GraphCluster[]>();
  for (const c of graph.clusters) children.set(c.parent, [...(children.get(c.parent) ?? []), c]);
  const members = new Map<string | undefined, GraphNode[]>();
  for (const n of graph.nodes) members.set(n.cluster, [...(members.get(n.cluster) ?? []), n]);

  const emit = (cluster: string | undefined, indent: string) => {
    for (const n of members.get(cluster) ?? []) {
      const [open, close] = SHAPE[n.kind];
      lines.push(`${indent}${n.id}${open}"${mermaidText(nodeLabel(n))}"${close}`);
    }
    for (const c of children.get(cluster) ?? []) {
      lines.push(`${indent}subgraph ${c.id}["${mermaidText(c.label)}"]`);
      emit(c.id, indent + '  ');
      lines.push(`${indent}end`);
    }
  };
  emit(undefined, '  ');

  for (const e of graph.edges) {
    const arrow = e.kind === 'tied' ? '-.->' : '-->';
    lines.push(`  ${e.from} ${arrow}|"${mermaidText(e.label)}"| ${e.to}`);
  }
  const byKind = (kind: GraphNode['kind']) => graph.nodes.filter((n) => n.kind === kind).map((n) => n.id);
  const classes: [GraphNode['kind'], string][] = [
    ['input', 'fill:#d9ead3,stroke:#6aa84f'],
    ['output', 'fill:#fce5cd,stroke:#e69138'],
    ['loss', 'fill:#f4cccc,stroke:#cc0000'],
    ['module', 'fill:#dbe5f8,stroke:#3c78d8'],
  ];
  for (const [kind, style] of classes) {
    const ids = byKind(kind);
    if (ids.length === 0) continue;
    lines.push(`  classDef tfm_${kind} ${style}`);
    lines.push(`  class ${ids.join(',')} tfm_${kind}`);
  }
  return lines.join('\n') + '\n';
}
