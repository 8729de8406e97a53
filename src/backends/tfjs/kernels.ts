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
import type { AttrValue, Node } from '../../ir/types.js';
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
  return new RunningSite(inputs, ctx);
}

/**
 * The executor's kernel site: one object per node evaluation with its methods on the prototype
 * (a decode step evaluates ~200 nodes; an object of twenty closures each was measurable).
 */
class RunningSite implements KernelSite<unknown> {
  constructor(
    private readonly given: RtValue[],
    private readonly ctx: OpRunContext,
  ) {}

  get inputs(): KernelSite<unknown>['inputs'] {
    return this.ctx.inputs;
  }

  get outputs(): KernelSite<unknown>['outputs'] {
    return this.ctx.outputs;
  }

  private tensorAt(i: number): tf.Tensor {
    const v = this.given[i];
    if (v === undefined || isMask(v)) return this.ctx.fail(`input ${i} is ${v === undefined ? 'missing' : 'a mask'} where a tensor was expected`);
    return v;
  }

  input(i: number): unknown {
    return this.given[i];
  }

  hasInput(i: number): boolean {
    return this.ctx.node.inputs[i] !== undefined;
  }

  param(role: string): unknown {
    return this.ctx.param(role);
  }

  optionalParam(role: string): unknown {
    return this.ctx.hasParam(role) ? this.ctx.param(role) : undefined;
  }

  params(): unknown {
    return Object.fromEntries(Object.keys(this.ctx.node.params).sort().map((r) => [r, this.ctx.param(r)]));
  }

  attr(name: string): unknown {
    return this.ctx.node.attrs[name];
  }

  value(name: string): AttrValue {
    return this.ctx.node.attrs[name];
  }

  literal(v: number | string | boolean): unknown {
    return v;
  }

  length(i: number): unknown {
    return this.tensorAt(i).shape[1];
  }

  offset(i: number): unknown {
    return this.ctx.offsets ? offsetOf(this.ctx, i) : undefined;
  }

  training(): unknown {
    return this.ctx.training;
  }

  rows(i: number): unknown {
    const v = this.given[i];
    return v === undefined || isMask(v) ? undefined : this.ctx.rowsAllowed.get(v);
  }

  weightCache(): unknown {
    return this.ctx.transposedWeights;
  }

  call(fn: string, ...args: unknown[]): unknown {
    const f = fn.startsWith('tf.') ? TF[fn.slice(3)] : RUNTIME[fn];
    if (typeof f !== 'function') return this.ctx.fail(`calls \`${fn}\`, which neither tfjs nor the tfmc runtime has`);
    return f(...args);
  }

  fail(message: string): never {
    return this.ctx.fail(message);
  }
}
