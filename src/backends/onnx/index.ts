/**
 * The ONNX target: a checked model's forward graph as an ONNX model (opset 17), its inputs and
 * outputs named and typed as in the spec, symbolic sizes (batch, sequence) left dynamic, the
 * parameters' current values as initializers under their own names. Initializers of at least
 * `externalMinBytes` are stored in a side file (ONNX external data) so that a large model stays
 * under protobuf's 2 GiB message limit. No key/value cache: generation calls the plain forward graph.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { resolve, type Dim } from '../../ir/dims.js';
import type { ModelIR } from '../../ir/types.js';
import { encodeData, OnnxGraph, onnxType } from './graph.js';
import { forwardValues, lowerNodes } from './lower.js';
import { DataType, encodeModel, IR_VERSION, OPSET, type TensorMessage, type ValueInfoMessage } from './proto.js';

export { LOWERINGS } from './ops/index.js';
export { forwardValues } from './lower.js';
export { decodeModel, OPSET } from './proto.js';

export interface OnnxOptions {
  /** The current value of a parameter, by name (row-major, the IR's shape). */
  weight(name: string): Float32Array;
  /** The side file for large initializers (a name next to the `.onnx` file), and the size from which an initializer goes there. */
  externalData?: { fileName: string; minBytes: number };
  /** Written into the model's producer fields. */
  producerVersion?: string;
}

export interface OnnxModel {
  /** The serialized `ModelProto`. */
  model: Uint8Array;
  /** The side file's bytes, when some initializer went there. */
  external?: Uint8Array;
}

/** The model cannot be exported: the diagnostics (TFM7001) name each op that has no ONNX form. */
export class OnnxExportError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join('\n'));
    this.name = 'OnnxExportError';
  }
}

/** External data is aligned so that a reader may map each tensor in place. */
const ALIGN = 64;

export function emitOnnx(ir: ModelIR, options: OnnxOptions): OnnxModel {
  const g = new OnnxGraph();
  const outputNames = new Set(ir.outputs.map((o) => o.name));
  for (const o of ir.outputs) g.claim(o.name);

  const needed = forwardValues(ir);
  const inputNames = new Map<number, string>();
  const graphInputs: ValueInfoMessage[] = [];
  // The inputs the outputs are computed from (a loss's labels are not fed to the forward graph).
  for (const input of ir.inputs.filter((i) => needed.has(i.value))) {
    const v = ir.values[input.value];
    if (!outputNames.has(input.name)) g.claim(input.name);
    inputNames.set(input.value, input.name);
    graphInputs.push(valueInfo(input.name, onnxType(v.dtype), v.shape));
  }

  const paramNames = new Map<string, string>();
  const params: TensorMessage[] = [];
  for (const p of ir.params) {
    const name = g.claim(p.name);
    paramNames.set(p.name, name);
    const data = options.weight(p.name);
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new Error(`the weight given for \`${p.name}\` has ${data.length} values, the parameter ${size}`);
    params.push({ name, dims: p.shape, dataType: DataType.FLOAT, rawData: floatBytes(data) });
  }

  const { outputs, diagnostics } = lowerNodes(ir, g, needed, inputNames, paramNames);
  if (diagnostics.length > 0) throw new OnnxExportError(diagnostics);

  const graphOutputs: ValueInfoMessage[] = [];
  for (const o of ir.outputs) {
    const v = ir.values[o.value];
    const tensor = outputs.get(o.value);
    if (tensor === undefined) throw new Error(`the output \`${o.name}\` was not lowered`);
    // The spec's name for every output (an output may also be an input, or name the same value as another).
    g.node('Identity', [tensor], {}, [o.name]);
    graphOutputs.push(valueInfo(o.name, onnxType(v.dtype), v.shape));
  }

  // Only the parameters the forward graph reads (a loss's parameters are not part of it).
  const read = new Set(g.nodes.flatMap((n) => n.input));
  const initializers = [...params.filter((p) => read.has(p.name)), ...g.initializers];
  const external = options.externalData ? externalize(initializers, options.externalData) : undefined;

  const model = encodeModel({
    irVersion: IR_VERSION,
    producerName: 'tfmc',
    producerVersion: options.producerVersion ?? '',
    docString: `${ir.name}, compiled from ${ir.file} by tfmc`,
    opsetImport: [{ domain: '', version: OPSET }],
    graph: { name: ir.name, node: g.nodes, initializer: initializers, input: graphInputs, output: graphOutputs },
  });
  return external ? { model, external } : { model };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** ONNX's raw data is little-endian: on such a machine a weight's own bytes are used without a copy. */
function floatBytes(data: Float32Array): Uint8Array {
  return LITTLE_ENDIAN ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : encodeData(data, 'float32');
}

/** Moves the data of large initializers into one side file; returns its bytes, or undefined when none is large. */
function externalize(initializers: TensorMessage[], { fileName, minBytes }: { fileName: string; minBytes: number }): Uint8Array | undefined {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of initializers) {
    const data = t.rawData;
    if (!data || data.length < minBytes) continue;
    const pad = (ALIGN - (offset % ALIGN)) % ALIGN;
    if (pad) chunks.push(new Uint8Array(pad));
    offset += pad;
    chunks.push(data);
    t.externalData = [
      { key: 'location', value: fileName },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(data.length) },
    ];
    t.dataLocation = 1;
    delete t.rawData;
    offset += data.length;
  }
  if (chunks.length === 0) return undefined;
  const out = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A graph input's or output's type: fixed sizes as numbers, a model's symbolic sizes by name, derived ones left open. */
function valueInfo(name: string, elemType: ValueInfoMessage['type']['tensorType']['elemType'], shape: readonly Dim[]): ValueInfoMessage {
  const dim = shape.map((d) => {
    const r = resolve(d);
    return r.kind === 'const' ? { dimValue: r.value } : r.kind === 'sym' ? { dimParam: r.name } : {};
  }) as ValueInfoMessage['type']['tensorType']['shape']['dim'];
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}
