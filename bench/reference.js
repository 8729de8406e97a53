// A fixed workload of plain JavaScript, the same in every version of tfmc: timed in the same run as
// the checks (interleaved with them), it says how fast the machine was at that moment, so figures
// of runs under different loads can be compared as ratios (`check ms / reference ms`).

/**
 * Builds a graph of 4,000 small objects with string names and a map over them, then walks it:
 * the kind of work a check does (allocation, property access, maps), ~1 ms on an idle core.
 */
export function referenceWorkload() {
  let seed = 1;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const nodes = [];
  for (let i = 0; i < 4000; i++) nodes.push({ id: i, kind: rand() < 0.5 ? 'add' : 'mul', inputs: i ? [Math.floor(rand() * i)] : [], name: `n${i}` });
  const depth = new Map();
  for (const n of nodes) depth.set(n.name, n.inputs.length ? depth.get(nodes[n.inputs[0]].name) + 1 : 0);
  let sum = 0;
  for (const d of depth.values()) sum += d;
  return sum;
}
