/**
 * Shape rules shared by the windowed ops (convolutions and pooling): how many windows fit along an
 * axis, and the checks of padding, dilation and channel groups, each reported at the argument to
 * change.
 */
import { constDim, dimOp, renderDim, type Dim } from '../dims.js';
import type { TensorValue } from '../types.js';
import type { OpContext } from '../values.js';
import { gcd, known, nearbyDivisors, shapeLabels } from './helpers.js';

/** floor((size + 2·padding − dilation·(kernel − 1) − 1) / stride) + 1, folded when constant. */
export function windowCount(size: Dim, kernel: number, stride: number, padding: number, dilation: number): Dim {
  const span = dilation * (kernel - 1) + 1;
  return dimOp('+', dimOp('floordiv', dimOp('+', size, constDim(2 * padding - span)), constDim(stride)), constDim(1));
}

/** Padding is a count of zeros: 0 or more (TFM4008 at `padding`). */
export function requirePadding(ctx: OpContext, padding: number): boolean {
  if (padding >= 0) return true;
  ctx.error('TFM4008', `padding must be 0 or more, got ${padding}`, { primary: ctx.argSource('padding') });
  return false;
}

/**
 * `groups` must divide the input channels and the output channels (PyTorch's rule): each group
 * reads C/groups channels and writes out/groups outputs. TFM3013 at `groups`.
 */
export function requireGroups(ctx: OpContext, op: string, channels: number, out: number, groups: number): boolean {
  for (const [n, what] of [[channels, 'input channels'], [out, 'output channels']] as const) {
    if (n % groups === 0) continue;
    const near = nearbyDivisors(gcd(channels, out), groups);
    ctx.error('TFM3013', `\`${op}\` cannot split ${n} ${what} into ${groups} groups: ${n} is not divisible by ${groups}`, {
      primary: { ...ctx.argSource('groups'), message: `${groups} groups` },
      notes: ['each group convolves channels/groups inputs into out/groups outputs, so `groups` must divide both'],
      help: near.length ? `try groups = ${near.join(' or ')}` : undefined,
    });
    return false;
  }
  return true;
}

/** A window that does not fit a known axis at all (no output position): TFM3008 at the input. */
export function requireFits(ctx: OpContext, x: TensorValue, arg: string, op: string, axes: number[], count: (size: Dim) => Dim): boolean {
  for (const a of axes) {
    const n = known(count(x.shape[a]));
    if (n === undefined || n >= 1) continue;
    ctx.error('TFM3008', `\`${op}\`'s window does not fit an axis of size ${renderDim(x.shape[a])}: there would be no output position`, {
      ...shapeLabels(ctx, x, arg),
      help: 'use a smaller kernel (or dilation), or add padding',
    });
    return false;
  }
  return true;
}
