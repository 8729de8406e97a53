/**
 * One TypeScript expression per IR node: the node op's kernel (`src/ir/ops/`, the same description
 * the in-memory executor runs) written out as a call of `tf.*` or of the tfmc runtime
 * (`src/runtime/`). So generated code computes what the executor computes, by construction.
 */
import { KERNELS } from '../../ir/ops/index.js';
import type { KernelSite } from '../../ir/ops/kernel.js';
import type { AttrValue, Node, TensorValue } from '../../ir/types.js';
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

/** The code of a node: its op's kernel (`src/ir/ops/`) written out as calls, or undefined for an op without one. */
export function opCode(s: OpSite): OpCode | undefined {
  const kernel = KERNELS.get(s.node.op);
  if (!kernel) return undefined;
  const expr = kernel.tfjs<string>(writingSite(s));
  return kernel.returns === 'tuple' ? { expr, tuple: true } : kernel.returns === 'rows' ? { expr, tuple: true, rows: true } : { expr };
}

/** Whether the allowed-rows indicator of an input still applies after this op (same shape out as in). */
export function carriesRows(op: string): boolean {
  return KERNELS.get(op)?.keepsRows === true;
}

/** The stem of an unnamed result's local name (`probs`), by op. */
export function resultStem(op: string): string | undefined {
  return KERNELS.get(op)?.stem;
}

/** A kernel site that writes code: inputs are locals, attributes literals, calls text. */
function writingSite(s: OpSite): KernelSite<string> {
  const literal = (v: AttrValue): string =>
    typeof v === 'number'
      ? numberLiteral(v)
      : typeof v === 'boolean'
        ? String(v)
        : typeof v === 'string'
          ? stringLiteral(v)
          : Array.isArray(v)
            ? `[${(v as Array<number | string>).map((x) => (typeof x === 'number' ? numberLiteral(x) : stringLiteral(x))).join(', ')}]`
            : s.fail('has an attribute that is not a number, boolean, string or list');
  return {
    input: (i) => s.arg(i),
    hasInput: (i) => s.hasArg(i),
    param: (role) => s.param(role) ?? s.fail(`has no parameter \`${role}\``),
    optionalParam: (role) => s.param(role),
    params: () => `{ ${Object.keys(s.node.params).sort().map((r) => `${propertyKey(r)}: ${s.param(r)}`).join(', ')} }`,
    attr: (name) => literal(s.node.attrs[name]),
    value: (name) => s.node.attrs[name],
    literal,
    length: (i) => `${s.arg(i)}.shape[1]!`,
    // Generated code runs whole sequences: no step offsets, no weight cache.
    offset: () => undefined,
    weightCache: () => undefined,
    training: () => 'training',
    rows: (i) => s.rowsOf(i),
    call: (fn, ...args) => {
      // Trailing absent arguments are dropped; inner ones become `undefined`.
      const list = [...args];
      while (list.length && list[list.length - 1] === undefined) list.pop();
      const callee = fn.startsWith('tf.') ? fn : s.use(fn);
      return `${callee}(${list.map((a) => a ?? 'undefined').join(', ')})`;
    },
    inputs: s.inputs,
    outputs: s.outputs,
    fail: (message) => s.fail(message),
  };
}
