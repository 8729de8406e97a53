/**
 * The op table is complete and consistent: every IR op the compiler emits (`src/ir/ops/*.ts`) has
 * a kernel and every kernel is for an emitted op; every kernel has a PyTorch form; and every
 * function a kernel calls exists in tfjs or in the tfmc runtime, for every attribute value the
 * kernel branches on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { KERNELS } from '../../../src/ir/ops/index.js';
import type { KernelSite } from '../../../src/ir/ops/kernel.js';
import { constDim } from '../../../src/ir/dims.js';
import * as runtime from '../../../src/runtime/index.js';

const ROOT = join(import.meta.dirname, '../../..');

function emittedOpNames(): Set<string> {
  const dir = join(ROOT, 'src/ir/ops');
  const names = new Set<string>();
  const patterns: Array<[RegExp, (m: string) => string]> = [
    [/ctx\.emit\(\s*'([a-z_0-9]+)'/g, (m) => m],
    [/one\(ctx, '([a-z_0-9]+)'/g, (m) => m],
    // Families whose op name is a parameter of a factory (`activation('gelu', ...)`, `recurrent('LSTM', ...)`).
    [/\b(?:activation|softmaxLike|binary|mathFunction|reduction|pool|numberOrTensor)\('([a-z_0-9]+)'/g, (m) => m],
    [/\brecurrent\('([A-Za-z]+)'/g, (m) => m.toLowerCase()],
  ];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const [re, map] of patterns) for (const m of text.matchAll(re)) names.add(map(m[1]));
  }
  return names;
}

/** A site that records the functions a kernel calls, with attribute values chosen by the test. */
function recordingSite(attrs: Record<string, string | number | boolean>, calls: string[]): KernelSite<string> {
  const shape = [constDim(2), constDim(3), constDim(4), constDim(8)];
  return {
    input: (i) => `in${i}`,
    hasInput: () => true,
    param: (r) => r,
    optionalParam: (r) => r,
    params: () => 'params',
    attr: (n) => String(attrs[n] ?? 1),
    value: (n) => attrs[n] ?? 1,
    literal: (v) => String(v),
    length: (i) => `len${i}`,
    offset: () => undefined,
    training: () => 'training',
    rows: () => 'rows',
    weightCache: () => undefined,
    call: (fn, ...args) => {
      calls.push(fn);
      return `${fn}(${args.join(',')})`;
    },
    inputs: [{ dtype: 'float32', shape }, { dtype: 'float32', shape }],
    outputs: [{ dtype: 'float32', shape }],
    fail: (m) => {
      throw new Error(m);
    },
  };
}

/** The attribute values a kernel branches on, each tried. */
const VARIANTS: Record<string, Array<Record<string, string | number | boolean>>> = {
  scalar: ['add', 'sub', 'rsub', 'mul', 'div', 'rdiv'].map((op) => ({ op, value: 2 })),
  position_embedding: [{ kind: 'learned' }, { kind: 'sinusoidal' }],
  softmax: [{ axis: -1 }, { axis: 1 }],
  log_softmax: [{ axis: -1 }, { axis: 1 }],
  compare: ['less', 'less_equal', 'greater', 'greater_equal', 'equal', 'not_equal'].map((op) => ({ op })),
  compare_scalar: ['less', 'less_equal', 'greater', 'greater_equal', 'equal', 'not_equal'].map((op) => ({ op, value: 0 })),
};

describe('op kernels', () => {
  const emitted = emittedOpNames();
  it('finds the emitted op names', () => {
    expect(emitted.size).toBeGreaterThanOrEqual(40);
    for (const name of ['linear', 'masked', 'causal_mask', 'gelu', 'log_softmax', 'add', 'lstm', 'relative_position_bias']) expect(emitted).toContain(name);
  });
  it('every emitted op has a kernel, and every kernel is for an emitted op', () => {
    expect([...emitted].filter((n) => !KERNELS.has(n)).sort()).toEqual([]);
    expect([...KERNELS.keys()].filter((n) => !emitted.has(n)).sort()).toEqual([]);
  });
  it('every kernel has a PyTorch form: an expression or a runtime module', () => {
    for (const [op, k] of KERNELS) expect(Boolean(k.torch) !== Boolean(k.torchLayer), op).toBe(true);
  });
  it('every function a kernel calls exists in tfjs or the runtime', () => {
    const tfFns = tf as unknown as Record<string, unknown>;
    const rtFns = runtime as unknown as Record<string, unknown>;
    for (const [op, k] of KERNELS) {
      for (const attrs of VARIANTS[op] ?? [{}]) {
        const calls: string[] = [];
        k.tfjs(recordingSite(attrs, calls));
        // A free parameter's kernel reads the parameter; every other kernel calls a function.
        if (op !== 'param') expect(calls.length, op).toBeGreaterThan(0);
        for (const fn of calls) {
          const f = fn.startsWith('tf.') ? tfFns[fn.slice(3)] : rtFns[fn];
          expect(typeof f, `${op} calls ${fn}`).toBe('function');
        }
      }
    }
  });
});
