/**
 * Compile-time helpers: `sqrt(d_k)` for scaling, and `present(port)`, which tells a block whether
 * an optional input was given (so a block can skip masking or a position bias).
 */
import { num } from './helpers.js';
import type { FunctionOpDef } from '../values.js';

export const sqrt: FunctionOpDef = {
  kind: 'function',
  name: 'sqrt',
  doc: 'Square root of a compile-time number.',
  args: [{ name: 'x', type: 'float', doc: 'a non-negative number' }],
  apply(ctx, args) {
    const x = num(args.x);
    if (x < 0) {
      ctx.error('TFM4008', `cannot take the square root of ${x}`, { primary: ctx.argSource('x') });
      return { kind: 'error' };
    }
    return { kind: 'float', value: Math.sqrt(x) };
  },
};

export const present: FunctionOpDef = {
  kind: 'function',
  name: 'present',
  doc: 'Whether an optional block input was given.',
  args: [{ name: 'x', type: 'tensor', default: null, doc: 'an optional port' }],
  apply(_ctx, args) {
    return { kind: 'bool', value: args.x?.kind === 'tensor' };
  },
};
