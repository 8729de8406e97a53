/**
 * `layer_norm`: (x − mean) / sqrt(var + eps) · weight + bias over the last axis (biased variance,
 * as PyTorch); `rms_norm`: x / sqrt(mean(x²) + eps) · weight (T5's norm: no centring, no bias).
 * The numerics are the runtime's (`src/runtime/`), shared with generated code.
 */
import { layerNorm as layerNormOf, rmsNorm as rmsNormOf } from '../../../runtime/index.js';
import { numAttr, tensors, type OpImpl } from './types.js';

export const layerNorm: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  return [layerNormOf(x, ctx.param('weight'), ctx.hasParam('bias') ? ctx.param('bias') : undefined, numAttr(ctx, 'eps'))];
};

export const rmsNorm: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  return [rmsNormOf(x, ctx.param('weight'), numAttr(ctx, 'eps'))];
};

export const ops: Record<string, OpImpl> = { layer_norm: layerNorm, rms_norm: rmsNorm };
