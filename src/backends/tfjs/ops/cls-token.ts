/** `cls_token`: prepends the learned vector `weight [1, 1, dim]` to every sequence: `[B, T, dim]` → `[B, T + 1, dim]` (the runtime's `clsToken`). */
import { clsToken as prependCls } from '../../../runtime/index.js';
import { tensors, type OpImpl } from './types.js';

export const clsToken: OpImpl = (inputs, ctx) => [prependCls(tensors(inputs, ctx)[0], ctx.param('weight'))];

export const ops: Record<string, OpImpl> = { cls_token: clsToken };
