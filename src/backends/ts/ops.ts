/**
 * One TypeScript expression per IR op (`Node.op`), calling `tf.*` where TensorFlow.js has the
 * operation and the tfmc runtime (`runtime/index.ts`) where the numbers need more than one call.
 * The expressions compute exactly what the in-memory executor's `src/backends/tfjs/ops/` do.
 */
import { constValue } from '../../ir/dims.js';
import type { Node, TensorValue } from '../../ir/types.js';
import { numberLiteral, propertyKey, stringLiteral } from './names.js';

/** What an op emitter can ask about the node it writes. */
export interface OpSite {
  readonly node: Node;
  /** The IR values the node reads and writes. */
  readonly inputs: readonly TensorValue[];
  readonly outputs: readonly TensorValue[];
  /** The local variable holding input `i`. */
  arg(i: number): string;
  /** Whether input `i` was given (optional inputs such as a recurrent layer's `init`). */
  hasArg(i: number): boolean;
  /** The expression for a parameter by role (`params['x.weight']`), or `undefined` when the node has none. */
  param(role: string): string | undefined;
  /** The local variable of the allowed-rows indicator carried by input `i` (see `masked`), if any. */
  rowsOf(i: number): string | undefined;
  /** Marks a runtime function as used (imported, or inlined with `--standalone`). */
  use(runtimeName: string): string;
  /** Attribute values. */
  num(name: string): number;
  bool(name: string): boolean;
  str(name: string): string;
  fail(message: string): never;
}

/**
 * An op's code: one expression for a single output, or an expression returning a tuple
 * (`outputs` values, then for `masked` the rows indicator).
 */
export interface OpCode {
  expr: string;
  /** The expression returns `[output0, output1, ...]`. */
  tuple?: boolean;
  /** The tuple's last element is the allowed-rows indicator of output 0 (`masked`). */
  rows?: boolean;
}

type OpEmitter = (s: OpSite) => OpCode;

const n = numberLiteral;

function call(fn: string, ...args: Array<string | undefined>): string {
  // Trailing optional arguments that are absent are dropped; inner ones become `undefined`.
  const list = [...args];
  while (list.length && list[list.length - 1] === undefined) list.pop();
  return `${fn}(${list.map((a) => a ?? 'undefined').join(', ')})`;
}

const tfUnary = (fn: string): OpEmitter => (s) => ({ expr: `tf.${fn}(${s.arg(0)})` });
const rtUnary = (fn: string): OpEmitter => (s) => ({ expr: `${s.use(fn)}(${s.arg(0)})` });
const tfBinary = (fn: string): OpEmitter => (s) => ({ expr: `tf.${fn}(${s.arg(0)}, ${s.arg(1)})` });

function required(s: OpSite, role: string): string {
  return s.param(role) ?? s.fail(`has no parameter \`${role}\``);
}

/** `scalar`: a tensor with a compile-time number; an int32 tensor keeps its dtype. */
const scalar: OpEmitter = (s) => {
  const x = s.arg(0);
  const value = s.inputs[0].dtype === 'int32' ? `tf.scalar(${n(s.num('value'))}, 'int32')` : n(s.num('value'));
  const op = s.str('op');
  switch (op) {
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
      return { expr: `tf.${op}(${x}, ${value})` };
    case 'rsub':
      return { expr: `tf.sub(${value}, ${x})` };
    case 'rdiv':
      return { expr: `tf.div(${value}, ${x})` };
    default:
      return s.fail(`unknown scalar operation \`${op}\``);
  }
};

const positionEmbedding: OpEmitter = (s) => {
  const length = `${s.arg(0)}.shape[1]!`;
  if (s.str('kind') === 'sinusoidal') {
    const shape = s.outputs[0].shape;
    const dim = constValue(shape[shape.length - 1]) ?? s.fail('the width of a sinusoidal table is not known');
    return { expr: call(s.use('sinusoidalPositions'), length, n(dim)) };
  }
  return { expr: call(s.use('learnedPositions'), required(s, 'weight'), length) };
};

const recurrentOp = (cell: string): OpEmitter => (s) => {
  const roles = Object.keys(s.node.params).sort();
  const weights = `{ ${roles.map((r) => `${propertyKey(r)}: ${s.param(r)}`).join(', ')} }`;
  const init = s.hasArg(1) ? s.arg(1) : 'undefined';
  return { expr: call(s.use('recurrent'), stringLiteral(cell), s.arg(0), init, weights, n(s.num('hidden')), n(s.num('layers'))), tuple: true };
};

const normalised = (s: OpSite, axisAttr: string): { axis: number; last: boolean } => {
  const axis = s.num(axisAttr);
  const rank = s.inputs[0].shape.length;
  const a = axis < 0 ? axis + rank : axis;
  return { axis, last: a === rank - 1 };
};

const softmaxLike = (fn: string): OpEmitter => (s) => {
  const { axis, last } = normalised(s, 'axis');
  return { expr: call(s.use(fn), s.arg(0), n(axis), last ? s.rowsOf(0) : undefined) };
};

export const OP_EMITTERS: ReadonlyMap<string, OpEmitter> = new Map<string, OpEmitter>([
  ['relu', tfUnary('relu')],
  ['gelu', rtUnary('gelu')],
  ['silu', rtUnary('silu')],
  ['tanh', tfUnary('tanh')],
  ['sigmoid', tfUnary('sigmoid')],
  ['cls_token', (s) => ({ expr: call(s.use('clsToken'), s.arg(0), required(s, 'weight')) })],
  ['conv1d', (s) => ({ expr: call(s.use('conv1d'), s.arg(0), required(s, 'weight'), s.param('bias') ?? 'undefined', n(s.num('stride')), n(s.num('padding'))) })],
  ['patch_embedding', (s) => ({ expr: call(s.use('patchEmbedding'), s.arg(0), required(s, 'weight'), required(s, 'bias'), n(s.num('patch'))) })],
  ['dropout', (s) => ({ expr: call(s.use('dropout'), s.arg(0), n(s.num('p')), 'training') })],
  ['add', tfBinary('add')],
  ['sub', tfBinary('sub')],
  ['mul', tfBinary('mul')],
  ['div', tfBinary('div')],
  ['scalar', scalar],
  ['embedding', (s) => ({ expr: call(s.use('gatherRows'), required(s, 'weight'), s.arg(0)) })],
  ['position_embedding', positionEmbedding],
  ['split_heads', (s) => ({ expr: call(s.use('splitHeads'), s.arg(0), n(s.num('heads'))) })],
  ['merge_heads', (s) => ({ expr: call(s.use('mergeHeads'), s.arg(0)) })],
  ['repeat_heads', (s) => ({ expr: call(s.use('repeatHeads'), s.arg(0), n(s.num('times'))) })],
  ['linear', (s) => ({ expr: call(s.use('linear'), s.arg(0), required(s, 'weight'), s.param('bias')) })],
  ['shift_left', (s) => ({ expr: call(s.use('shiftLeft'), s.arg(0), n(s.num('fill'))) })],
  ['cross_entropy', (s) => ({ expr: call(s.use('crossEntropy'), s.arg(0), s.arg(1), n(s.num('label_smoothing')), n(s.num('ignore_index'))) })],
  ['mse', (s) => ({ expr: call(s.use('mse'), s.arg(0), s.arg(1)) })],
  ['causal_mask', (s) => ({ expr: call(s.use('causalMask')) })],
  ['padding_mask', (s) => ({ expr: call(s.use('paddingMask'), s.arg(0), n(s.num('pad'))) })],
  ['mask_and', (s) => ({ expr: call(s.use('maskAnd'), s.arg(0), s.arg(1)) })],
  ['masked', (s) => ({ expr: call(s.use('masked'), s.arg(0), s.arg(1)), tuple: true, rows: true })],
  ['matmul', (s) => ({ expr: call(s.use('matmul'), s.arg(0), s.arg(1)) })],
  ['transpose', (s) => ({ expr: call(s.use('transposeLast'), s.arg(0)) })],
  ['layer_norm', (s) => ({ expr: call(s.use('layerNorm'), s.arg(0), required(s, 'weight'), s.param('bias') ?? 'undefined', n(s.num('eps'))) })],
  ['rms_norm', (s) => ({ expr: call(s.use('rmsNorm'), s.arg(0), required(s, 'weight'), n(s.num('eps'))) })],
  ['lstm', recurrentOp('lstm')],
  ['gru', recurrentOp('gru')],
  ['rnn', recurrentOp('rnn')],
  ['take', (s) => ({ expr: call(s.use('take'), s.arg(0), n(s.num('axis')), n(s.num('index'))) })],
  ['mean', (s) => ({ expr: `tf.mean(${s.arg(0)}, ${n(s.num('axis'))})` })],
  [
    'relative_position_bias',
    (s) => ({
      expr: call(s.use('relativePositionBias'), required(s, 'weight'), `${s.arg(0)}.shape[1]!`, `${s.arg(1)}.shape[1]!`, String(s.bool('bidirectional')), n(s.num('buckets')), n(s.num('max_distance'))),
    }),
  ],
  ['rope', (s) => ({ expr: call(s.use('rope'), s.arg(0), n(s.num('base'))) })],
  ['softmax', softmaxLike('softmax')],
  ['log_softmax', softmaxLike('logSoftmax')],
]);

/** Ops after which the allowed-rows indicator of an input still applies (same shape out as in). */
export const CARRIES_ROWS = new Set(['add', 'sub', 'mul', 'div', 'scalar', 'dropout']);
