/**
 * Model statistics from the IR alone: parameters per module, forward FLOPs per token, and an
 * estimate of activation memory (every node output kept for the backward pass, fp32).
 */
import { evalDim, renderShape, type Dim } from './dims.js';
import { ALL_OPS } from './ops/index.js';
import { paramCount, paramsByModulePath, type ModelIR } from './types.js';

export interface SummaryRowData {
  path: string;
  block: string;
  depth: number;
  outputShape: string;
  params: number;
}

export interface SummaryData {
  model: string;
  file: string;
  params: number;
  rows: SummaryRowData[];
  flopsPerToken: number;
  activationBytes: number;
  batch: number;
  seq: number;
}

/** The sequence length used when none is given: the tightest declared bound, else 128. */
export function defaultSeq(model: ModelIR): number {
  const maxes = model.bounds.map((b) => b.max).filter((m): m is number => m !== undefined);
  return maxes.length ? Math.min(...maxes) : 128;
}

/** Bytes of one value at the sizes `shapeAt` gives its dims (masks and bools: one byte an element). */
function valueBytes(v: ModelIR['values'][number], shapeAt: (shape: Dim[], batch: number) => number[], batch = 1): number {
  const n = shapeAt(v.shape, batch).reduce((a, b) => a * b, 1);
  return n * (v.dtype === 'mask' || v.dtype === 'bool' ? 1 : 4);
}

/**
 * Bytes of every node output at `batch` and `seq` (each symbolic size other than the batch is
 * taken as `seq`): what a forward pass keeps for the backward pass, fp32.
 */
export function activationBytes(model: ModelIR, batch: number, seq: number): number {
  let bytes = 0;
  for (const node of model.nodes) for (const o of node.outputs) bytes += valueBytesAt(model, o, batch, seq);
  return bytes;
}

/** Bytes of the value `id` at `batch` and `seq` (as {@link activationBytes} sizes it). */
export function valueBytesAt(model: ModelIR, id: number, batch: number, seq: number): number {
  const shapeAt = (shape: Dim[], b: number) => shape.map((d) => evalDim(d, (sym) => (/^(batch|b|bs|n)$/i.test(sym) ? b : seq)) ?? seq);
  return valueBytes(model.values[id], shapeAt, batch);
}

let lowerNames: Map<string, ReturnType<typeof ALL_OPS.get>> | undefined;
/** Ops by lower-case name (IR nodes of layers are named so): built once, not searched per node. */
function byLowerName(): Map<string, ReturnType<typeof ALL_OPS.get>> {
  if (!lowerNames) {
    lowerNames = new Map();
    for (const o of ALL_OPS.values()) if (o && !lowerNames.has(o.name.toLowerCase())) lowerNames.set(o.name.toLowerCase(), o);
  }
  return lowerNames;
}

export function summarize(model: ModelIR, options: { batch?: number; seq?: number } = {}): SummaryData {
  const batch = options.batch ?? 1;
  const seq = options.seq ?? defaultSeq(model);
  const env = (b: number) => (sym: string) => (/^(batch|b|bs|n)$/i.test(sym) ? b : seq);
  const shapeAt = (shape: Dim[], b: number) => shape.map((d) => evalDim(d, env(b)) ?? seq);

  const byPath = paramsByModulePath(model.params);
  const rows: SummaryRowData[] = model.modules.map((m) => {
    const params = byPath.get(m.path) ?? 0;
    return { path: m.path, block: m.kind, depth: m.depth, outputShape: m.outputShape ? renderShape(m.outputShape) : '-', params };
  });

  let flops = 0;
  let bytes = 0;
  for (const node of model.nodes) {
    const op = ALL_OPS.get(node.op) ?? byLowerName().get(node.op);
    const ins = node.inputs.map((i) => shapeAt(model.values[i].shape, 1));
    const outs = node.outputs.map((o) => shapeAt(model.values[o].shape, 1));
    if (op?.flops) flops += op.flops({ node, inputs: ins, outputs: outs });
    for (const o of node.outputs) bytes += valueBytes(model.values[o], shapeAt, batch);
  }
  const hasSeq = model.values.some((v) => v.producer === -1 && v.shape.some((d) => d.kind === 'sym' && !/^(batch|b|bs|n)$/i.test(d.name)));
  return {
    model: model.name,
    file: model.file,
    params: model.params.reduce((a, p) => a + paramCount(p), 0),
    rows,
    flopsPerToken: hasSeq ? flops / seq : flops,
    activationBytes: bytes,
    batch,
    seq,
  };
}
