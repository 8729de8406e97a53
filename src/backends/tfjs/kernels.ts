/**
 * Runs one IR node on tfjs: its op's kernel (`src/ir/ops/`) with a site that hands over tensors and
 * numbers and calls the runtime (`src/runtime/`) or tfjs. Generated TypeScript writes the same
 * calls (`src/backends/ts/ops.ts`), so the two compute the same thing by construction.
 *
 * What only a running model has is supplied here: step offsets while decoding, the weight cache
 * of inference, and the allowed-rows records of masked scores (kept in `ctx.rowsAllowed`).
 */
import * as tf from '@tensorflow/tfjs';
import { KERNELS } from '../../ir/ops/index.js';
import type { Kernel, KernelSite } from '../../ir/ops/kernel.js';
import type { Node } from '../../ir/types.js';
import * as runtime from '../../runtime/index.js';
import { isMask, offsetOf, type OpRunContext, type RtValue } from './run-context.js';

type Fn = (...args: unknown[]) => unknown;

const TF = tf as unknown as Record<string, Fn>;
const RUNTIME = runtime as unknown as Record<string, Fn>;

/** Whether the tfjs backend can run this op. */
export function hasKernel(op: string): boolean {
  return KERNELS.has(op);
}

/** The node's outputs, computed from its inputs. */
export function runNode(node: Node, inputs: RtValue[], ctx: OpRunContext): RtValue[] {
  const kernel = KERNELS.get(node.op);
  if (!kernel) return ctx.fail(`has no tfjs kernel`);
  let result: unknown;
  try {
    result = kernel.tfjs<unknown>(runningSite(inputs, ctx));
  } catch (e) {
    // A value that does not fit (a sequence longer than a table) names the node; anything else is a bug.
    if (e instanceof runtime.RuntimeError) return ctx.fail(e.message);
    throw e;
  }
  return outputs(kernel, result, inputs, ctx);
}

function outputs(kernel: Kernel, result: unknown, inputs: RtValue[], ctx: OpRunContext): RtValue[] {
  if (kernel.returns === 'tuple') return result as RtValue[];
  if (kernel.returns === 'rows') {
    const [out, rows] = result as [tf.Tensor, tf.Tensor | undefined];
    if (rows) ctx.rowsAllowed.set(out, rows);
    return [out];
  }
  const out = result as RtValue;
  if (kernel.keepsRows && !isMask(out)) carryRows(ctx, inputs, out);
  return [out];
}

/** Scores that keep their shape through an elementwise op keep their allowed-rows record. */
function carryRows(ctx: OpRunContext, from: RtValue[], to: tf.Tensor): void {
  for (const x of from) {
    if (isMask(x)) continue;
    const rows = ctx.rowsAllowed.get(x);
    if (rows && x !== to && x.rank === to.rank && x.shape.every((d, i) => d === to.shape[i])) {
      ctx.rowsAllowed.set(to, rows);
      return;
    }
  }
}

function runningSite(inputs: RtValue[], ctx: OpRunContext): KernelSite<unknown> {
  const node = ctx.node;
  const tensorAt = (i: number): tf.Tensor => {
    const v = inputs[i];
    if (v === undefined || isMask(v)) return ctx.fail(`input ${i} is ${v === undefined ? 'missing' : 'a mask'} where a tensor was expected`);
    return v;
  };
  return {
    input: (i) => inputs[i],
    hasInput: (i) => node.inputs[i] !== undefined,
    param: (role) => ctx.param(role),
    optionalParam: (role) => (ctx.hasParam(role) ? ctx.param(role) : undefined),
    params: () => Object.fromEntries(Object.keys(node.params).sort().map((r) => [r, ctx.param(r)])),
    attr: (name) => node.attrs[name],
    value: (name) => node.attrs[name],
    literal: (v) => v,
    length: (i) => tensorAt(i).shape[1],
    offset: (i) => (ctx.offsets ? offsetOf(ctx, i) : undefined),
    training: () => ctx.training,
    rows: (i) => {
      const v = inputs[i];
      return v === undefined || isMask(v) ? undefined : ctx.rowsAllowed.get(v);
    },
    weightCache: () => ctx.transposedWeights,
    call: (fn, ...args) => {
      const f = fn.startsWith('tf.') ? TF[fn.slice(3)] : RUNTIME[fn];
      if (typeof f !== 'function') return ctx.fail(`calls \`${fn}\`, which neither tfjs nor the tfmc runtime has`);
      return f(...args);
    },
    inputs: ctx.inputs,
    outputs: ctx.outputs,
    fail: (message) => ctx.fail(message),
  };
}
