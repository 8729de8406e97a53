/**
 * The IR as versioned JSON, so a saved tfjs-layers model carries its computation and a browser can
 * rebuild it without tfmc's parser or checker. What runs is kept (values with their shapes, nodes,
 * parameters, bounds, config); source spans are dropped (they name files on the saving machine) and
 * come back as one placeholder. Dims are written compactly: a number (constant), a string (symbol
 * such as `seq`), `[op, left, right]` (derived), `{ "var": name }` (an unbound block variable) or
 * `null` (an error dim, which a checked IR does not have).
 *
 * No Node or tfjs import: this module runs in the browser too.
 */
import { freeze, type Dim } from '../../../ir/dims.js';
import type { SourceRef } from '../../../ir/source-ref.js';
import type { AttrValue, ConfigEntryInfo, DimBound, DType, ModelIR } from '../../../ir/types.js';
import { DTYPES } from '../../../ir/types.js';
import { NO_SPAN } from '../../../diagnostics/spans.js';

export const IR_JSON_FORMAT = 'tfmc-ir';
export const IR_JSON_VERSION = 1;

export type DimJson = number | string | [DimOp, DimJson, DimJson] | { var: string } | null;
type DimOp = '+' | '-' | '*' | 'floordiv' | 'ceildiv';
const DIM_OPS: readonly string[] = ['+', '-', '*', 'floordiv', 'ceildiv'];

export interface IRJson {
  format: typeof IR_JSON_FORMAT;
  version: number;
  name: string;
  base?: string;
  config: { name: string; value: number | boolean | string; type: ConfigEntryInfo['type'] }[];
  inputs: { name: string; value: number }[];
  outputs: { name: string; value: number }[];
  losses: { name: string; value: number }[];
  values: { id: number; dtype: DType; shape: DimJson[]; producer: number; outputIndex: number; name?: string; maskKinds?: string[] }[];
  nodes: { id: number; op: string; inputs: number[]; outputs: number[]; attrs: Record<string, AttrValue>; module: string; params: Record<string, string> }[];
  params: { name: string; shape: number[]; init: string; module: string; buffer?: true }[];
  modules: { path: string; kind: string; depth: number }[];
  bounds: { dim: string; max?: number; min?: number }[];
}

/** A stored IR that cannot be read (another format, a newer version, a damaged file). */
export class IRJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IRJsonError';
  }
}

function dimToJson(d: Dim): DimJson {
  const r = freeze(d);
  switch (r.kind) {
    case 'const':
      return r.value;
    case 'sym':
      return r.name;
    case 'var':
      return { var: r.name };
    case 'expr':
      return [r.op, dimToJson(r.left), dimToJson(r.right)];
    case 'error':
      return null;
  }
}

let nextVarId = -1;
function dimFromJson(j: unknown, where: string): Dim {
  if (typeof j === 'number' && Number.isInteger(j)) return { kind: 'const', value: j };
  if (typeof j === 'string') return { kind: 'sym', name: j };
  if (j === null) return { kind: 'error' };
  if (Array.isArray(j) && j.length === 3 && DIM_OPS.includes(j[0] as string)) {
    return { kind: 'expr', op: j[0] as DimOp, left: dimFromJson(j[1], where), right: dimFromJson(j[2], where) };
  }
  if (typeof j === 'object' && typeof (j as { var?: unknown }).var === 'string') {
    // Negative ids cannot collide with the checker's own variables.
    return { kind: 'var', name: (j as { var: string }).var, id: nextVarId--, ref: {} };
  }
  throw new IRJsonError(`${where}: ${JSON.stringify(j)} is not a dimension`);
}

/** The IR as plain JSON data (see the module comment). */
export function irToJson(ir: ModelIR): IRJson {
  return {
    format: IR_JSON_FORMAT,
    version: IR_JSON_VERSION,
    name: ir.name,
    ...(ir.base !== undefined ? { base: ir.base } : {}),
    config: ir.config.map((c) => ({ name: c.name, value: c.value, type: c.type })),
    inputs: ir.inputs.map((i) => ({ name: i.name, value: i.value })),
    outputs: ir.outputs.map((o) => ({ name: o.name, value: o.value })),
    losses: ir.losses.map((o) => ({ name: o.name, value: o.value })),
    values: ir.values.map((v) => ({
      id: v.id,
      dtype: v.dtype,
      shape: v.shape.map(dimToJson),
      producer: v.producer,
      outputIndex: v.outputIndex,
      ...(v.name !== undefined ? { name: v.name } : {}),
      ...(v.maskKinds ? { maskKinds: [...v.maskKinds] } : {}),
    })),
    nodes: ir.nodes.map((n) => ({ id: n.id, op: n.op, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs }, module: n.module, params: { ...n.params } })),
    params: ir.params.map((p) => ({ name: p.name, shape: [...p.shape], init: p.init, module: p.module, ...(p.buffer && { buffer: true as const }) })),
    modules: ir.modules.map((m) => ({ path: m.path, kind: m.kind, depth: m.depth })),
    bounds: ir.bounds.map((b) => ({ dim: b.dim, ...(b.max !== undefined ? { max: b.max } : {}), ...(b.min !== undefined ? { min: b.min } : {}) })),
  };
}

/**
 * Rebuilds an IR from {@link irToJson}'s data. Checks the format, the version and the structure
 * the executor relies on (value ids in range, every node's inputs produced before it), so a damaged
 * file is an {@link IRJsonError}, not a failure deep inside a forward pass.
 */
export function irFromJson(data: unknown): ModelIR {
  const j = data as Partial<IRJson> | null;
  if (typeof j !== 'object' || j === null || j.format !== IR_JSON_FORMAT) {
    throw new IRJsonError(`not a tfmc IR (expected "format": "${IR_JSON_FORMAT}")`);
  }
  if (j.version !== IR_JSON_VERSION) {
    throw new IRJsonError(`tfmc IR version ${String(j.version)} cannot be read by this tfmc (it reads version ${IR_JSON_VERSION})`);
  }
  const lists = ['config', 'inputs', 'outputs', 'losses', 'values', 'nodes', 'params', 'modules', 'bounds'] as const;
  for (const key of lists) if (!Array.isArray(j[key])) throw new IRJsonError(`tfmc IR: \`${key}\` is missing or not a list`);
  if (typeof j.name !== 'string') throw new IRJsonError('tfmc IR: `name` is missing');
  const source: SourceRef = { file: `<${j.name} (stored IR)>`, span: NO_SPAN };
  const nValues = j.values!.length;
  const valueId = (id: unknown, where: string): number => {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= nValues) throw new IRJsonError(`tfmc IR: ${where} refers to value ${String(id)}, which does not exist`);
    return id;
  };
  const values = j.values!.map((v, i) => {
    if (v.id !== i) throw new IRJsonError(`tfmc IR: value ${i} has id ${String(v.id)}`);
    if (!DTYPES.includes(v.dtype)) throw new IRJsonError(`tfmc IR: value ${i} has an unknown dtype ${String(v.dtype)}`);
    if (!Array.isArray(v.shape)) throw new IRJsonError(`tfmc IR: value ${i} has no shape`);
    return {
      id: v.id,
      dtype: v.dtype,
      shape: v.shape.map((d) => dimFromJson(d, `tfmc IR: value ${i}`)),
      producer: v.producer,
      outputIndex: v.outputIndex,
      source,
      ...(v.name !== undefined ? { name: v.name } : {}),
      ...(v.maskKinds ? { maskKinds: v.maskKinds } : {}),
    };
  });
  const ready = new Set<number>();
  for (const input of j.inputs!) ready.add(valueId(input.value, `input \`${input.name}\``));
  const nodes = j.nodes!.map((n) => {
    for (const id of n.inputs) {
      if (!ready.has(valueId(id, `node ${n.id} (${n.op})`))) throw new IRJsonError(`tfmc IR: node ${n.id} (${n.op}) reads value ${id} before it is computed`);
    }
    for (const id of n.outputs) ready.add(valueId(id, `node ${n.id} (${n.op})`));
    return { id: n.id, op: n.op, inputs: n.inputs, outputs: n.outputs, attrs: n.attrs, module: n.module, params: n.params, source };
  });
  const ports = (list: { name: string; value: number }[], what: string) => list.map((p) => ({ name: p.name, value: valueId(p.value, `${what} \`${p.name}\``), source }));
  const bounds: DimBound[] = j.bounds!.map((b) => ({ ...b, source }));
  return {
    name: j.name,
    file: source.file,
    source,
    ...(j.base !== undefined ? { base: j.base } : {}),
    config: j.config!.map((c) => ({ ...c, source })),
    inputs: ports(j.inputs!, 'input'),
    outputs: ports(j.outputs!, 'output'),
    losses: ports(j.losses!, 'loss'),
    values,
    nodes,
    params: j.params!.map((p) => ({ ...p, source })),
    modules: j.modules!.map((m) => ({ ...m, source })),
    bounds,
  };
}

/**
 * Text for a tfjs-layers config. tfjs-layers rewrites every string of a layer config on save
 * (snake_case, lower case) and on load (camelCase), so JSON text cannot go there as it is; lower
 * case hexadecimal passes both rewrites unchanged.
 */
export function toConfigText(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let out = '';
  for (const b of bytes) out += HEX[b];
  return out;
}

export function fromConfigText(hex: string): string {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) throw new IRJsonError('the stored IR is not hexadecimal text');
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
