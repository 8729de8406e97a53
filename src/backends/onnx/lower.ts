/**
 * The IR's forward graph (the nodes its outputs need) as ONNX nodes: each IR node through its
 * op's lowering (`ops/`), with masks built where they meet scores and the rows-with-a-key record
 * of masked scores carried through elementwise ops, as the tfjs executor does. A node whose op has
 * no lowering is reported (TFM7001) and what depends on it is skipped, so one run names every
 * such op.
 */
import { diagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { dimEquals } from '../../ir/dims.js';
import { KERNELS } from '../../ir/ops/index.js';
import { upstreamValues } from '../../ir/queries.js';
import type { ModelIR, Node, TensorValue } from '../../ir/types.js';
import type { OnnxGraph } from './graph.js';
import { LOWERINGS } from './ops/index.js';
import { NoLowering, type LowerSite, type Lowered, type MaskBuilder } from './site.js';

type Value = { tensor: string; rows?: string } | { mask: MaskBuilder };

/** The values the model's outputs are computed from (the forward graph; losses and their labels are not in it). */
export function forwardValues(ir: ModelIR): Set<number> {
  return upstreamValues(ir, ir.outputs.map((o) => o.value), new Map(ir.nodes.map((n) => [n.id, n])));
}

/** Lowers the `needed` nodes into `g`; model inputs and parameters are already named there. Returns each output's tensor, or diagnostics. */
export function lowerNodes(
  ir: ModelIR,
  g: OnnxGraph,
  needed: ReadonlySet<number>,
  inputNames: ReadonlyMap<number, string>,
  paramNames: ReadonlyMap<string, string>,
): { outputs: Map<number, string>; diagnostics: Diagnostic[] } {
  const values = new Map<number, Value>();
  for (const [id, name] of inputNames) values.set(id, { tensor: name });
  const skipped = new Set<number>();
  const diagnostics: Diagnostic[] = [];

  for (const node of ir.nodes) {
    if (!node.outputs.some((o) => needed.has(o))) continue;
    if (node.inputs.some((i) => skipped.has(i))) {
      node.outputs.forEach((o) => skipped.add(o));
      continue;
    }
    g.origin = node.module ? `${node.module}/${node.op}` : node.op;
    try {
      const lowering = LOWERINGS.get(node.op);
      if (!lowering) throw new NoLowering(`the ONNX target has no lowering of \`${node.op}\``);
      const result = lowering(site(ir, g, node, values, paramNames));
      store(ir, g, node, result, values);
    } catch (e) {
      if (!(e instanceof NoLowering)) throw e;
      diagnostics.push(unsupported(node, e.reason));
      node.outputs.forEach((o) => skipped.add(o));
    }
  }
  g.origin = '';
  const outputs = new Map<number, string>();
  for (const o of ir.outputs) {
    const v = values.get(o.value);
    if (v && 'tensor' in v) outputs.set(o.value, v.tensor);
  }
  return { outputs, diagnostics };
}

function unsupported(node: Node, reason: string): Diagnostic {
  return diagnostic('TFM7001', `\`${node.op}\` cannot be exported to ONNX: ${reason}`, {
    ...node.source,
    message: `\`${node.op}\`${node.module ? ` (in \`${node.module}\`)` : ''} has no ONNX form`,
  }, {
    help: { message: 'the ONNX target exports the forward graph of the model\'s outputs: compute this value outside the exported model, or compile it with another --target' },
  });
}

function store(ir: ModelIR, g: OnnxGraph, node: Node, result: Lowered, values: Map<number, Value>): void {
  if (typeof result === 'object' && 'mask' in result) {
    values.set(node.outputs[0], result);
    return;
  }
  const tensors = typeof result === 'string' ? [result] : Array.isArray(result) ? result : [result.tensor];
  node.outputs.forEach((id, i) => {
    const tensor = tensors[i];
    if (tensor === undefined) throw new Error(`the ONNX lowering of \`${node.op}\` gave no output ${i}`);
    values.set(id, { tensor });
  });
  const out = values.get(node.outputs[0]) as { tensor: string; rows?: string };
  if (!Array.isArray(result) && typeof result === 'object') out.rows = result.rows;
  else if (KERNELS.get(node.op)?.keepsRows) out.rows = carriedRows(ir, node, values);
}

/** Scores that keep their shape through an elementwise op keep their rows-with-a-key record. */
function carriedRows(ir: ModelIR, node: Node, values: Map<number, Value>): string | undefined {
  const out = ir.values[node.outputs[0]];
  for (const id of node.inputs) {
    const v = values.get(id);
    if (v && 'tensor' in v && v.rows && sameShape(ir.values[id], out)) return v.rows;
  }
  return undefined;
}

function sameShape(a: TensorValue, b: TensorValue): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => dimEquals(d, b.shape[i]));
}

function site(ir: ModelIR, g: OnnxGraph, node: Node, values: Map<number, Value>, paramNames: ReadonlyMap<string, string>): LowerSite {
  const valueAt = (i: number): Value => {
    const v = values.get(node.inputs[i]);
    if (!v) throw new Error(`input ${i} of \`${node.op}\` was not lowered`);
    return v;
  };
  const param = (role: string): string | undefined => {
    const name = node.params[role];
    return name === undefined ? undefined : paramNames.get(name);
  };
  const k: LowerSite = {
    g,
    node,
    input: (i) => {
      const v = valueAt(i);
      if (!('tensor' in v)) throw new NoLowering(`input ${i} is a mask where a tensor is needed`);
      return v.tensor;
    },
    mask: (i) => {
      const v = valueAt(i);
      if ('mask' in v) return v.mask;
      return () => v.tensor;
    },
    hasInput: (i) => node.inputs[i] !== undefined,
    inValue: (i) => ir.values[node.inputs[i]],
    outValue: (i) => ir.values[node.outputs[i]],
    param: (role) => param(role) ?? k.unsupported(`the node has no parameter \`${role}\``),
    optionalParam: param,
    paramShape: (role) => ir.params.find((p) => p.name === node.params[role])?.shape ?? k.unsupported(`the node has no parameter \`${role}\``),
    attr: (name) => node.attrs[name],
    num: (name, fallback) => {
      const v = node.attrs[name];
      if (typeof v === 'number') return v;
      if (v === undefined && fallback !== undefined) return fallback;
      return k.unsupported(`its attribute \`${name}\` is ${v === undefined ? 'missing' : 'not a number'}`);
    },
    rows: (i) => {
      const v = values.get(node.inputs[i]);
      return v && 'tensor' in v ? v.rows : undefined;
    },
    unsupported: (reason) => {
      throw new NoLowering(reason);
    },
  };
  return k;
}
