/**
 * `add`, `sub`, `mul`, `div` with NumPy broadcasting, and `scalar`: a tensor with a compile-time
 * number (`op` is add | sub | rsub | mul | div | rdiv; `rsub` is value − x). Attention scores that
 * were masked keep their allowed-rows indicator through these (a bias added after masking).
 */
import * as tf from '@tensorflow/tfjs';
import { numAttr, stringAttr, tensors, type OpImpl, type OpRunContext } from './types.js';

function carryRows(ctx: OpRunContext, from: tf.Tensor[], to: tf.Tensor): tf.Tensor {
  for (const x of from) {
    const rows = ctx.rowsAllowed.get(x);
    if (rows && x.rank === to.rank && x.shape.every((d, i) => d === to.shape[i])) {
      ctx.rowsAllowed.set(to, rows);
      break;
    }
  }
  return to;
}

function binary(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): OpImpl {
  return (inputs, ctx) => {
    const [a, b] = tensors(inputs, ctx);
    return [carryRows(ctx, [a, b], f(a, b))];
  };
}

export const scalar: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const op = stringAttr(ctx, 'op');
  const v = tf.scalar(numAttr(ctx, 'value'), x.dtype === 'int32' ? 'int32' : 'float32');
  let y: tf.Tensor;
  switch (op) {
    case 'add':
      y = tf.add(x, v);
      break;
    case 'sub':
      y = tf.sub(x, v);
      break;
    case 'rsub':
      y = tf.sub(v, x);
      break;
    case 'mul':
      y = tf.mul(x, v);
      break;
    case 'div':
      y = tf.div(x, v);
      break;
    case 'rdiv':
      y = tf.div(v, x);
      break;
    default:
      return ctx.fail(`unknown scalar operation \`${op}\``);
  }
  return [carryRows(ctx, [x], y)];
};

export const ops: Record<string, OpImpl> = {
  add: binary((a, b) => tf.add(a, b)),
  sub: binary((a, b) => tf.sub(a, b)),
  mul: binary((a, b) => tf.mul(a, b)),
  div: binary((a, b) => tf.div(a, b)),
  scalar,
};
