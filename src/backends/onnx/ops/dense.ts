/**
 * Products and the layers built on them: linear, matmul, einsum, embeddings, convolutions and
 * pooling. tfmc's images and sequences are channels-last (`[B, T, C]`, `[B, H, W, C]`); ONNX's
 * Conv and pools are channels-first, so each is wrapped in two transposes.
 */
import type { LowerSite, Lowerings } from '../site.js';

const TO_FIRST = { 1: [0, 2, 1], 2: [0, 3, 1, 2] } as const;
const TO_LAST = { 1: [0, 2, 1], 2: [0, 2, 3, 1] } as const;

/** Runs a channels-first ONNX op on a channels-last input of `spatial` axes. */
function channelsFirst(k: LowerSite, spatial: 1 | 2, opType: string, extra: string[], attrs: Record<string, number | number[]>): string {
  const x = k.g.op('Transpose', [k.input(0)], { perm: [...TO_FIRST[spatial]] });
  const y = k.g.op(opType, [x, ...extra], attrs);
  return k.g.op('Transpose', [y], { perm: [...TO_LAST[spatial]] });
}

function conv(spatial: 1 | 2) {
  return (k: LowerSite) => {
    const weight = k.param('weight');
    const size = k.paramShape('weight')[2];
    const bias = k.optionalParam('bias');
    const p = k.num('padding', 0);
    return channelsFirst(k, spatial, 'Conv', bias ? [weight, bias] : [weight], {
      kernel_shape: new Array<number>(spatial).fill(size),
      strides: new Array<number>(spatial).fill(k.num('stride', 1)),
      pads: new Array<number>(2 * spatial).fill(p),
      dilations: new Array<number>(spatial).fill(k.num('dilation', 1)),
      group: k.num('groups', 1),
    });
  };
}

function pool(spatial: 1 | 2, opType: 'AveragePool' | 'MaxPool') {
  return (k: LowerSite) =>
    channelsFirst(k, spatial, opType, [], {
      kernel_shape: new Array<number>(spatial).fill(k.num('kernel')),
      strides: new Array<number>(spatial).fill(k.num('stride', k.num('kernel'))),
    });
}

export const lowerings: Lowerings = {
  // x·Wᵀ + b with PyTorch's weight layout [out, in] (the transpose of a constant is folded by runtimes).
  linear: (k) => {
    const y = k.g.op('MatMul', [k.input(0), k.g.op('Transpose', [k.param('weight')], { perm: [1, 0] })]);
    const bias = k.optionalParam('bias');
    return bias ? k.g.op('Add', [y, bias]) : y;
  },
  matmul: (k) => k.g.op('MatMul', [k.input(0), k.input(1)]),
  transpose: (k) => {
    const rank = k.inValue(0).shape.length;
    const perm = Array.from({ length: rank }, (_, i) => i);
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
    return k.g.op('Transpose', [k.input(0)], { perm });
  },
  einsum: (k) => k.g.op('Einsum', k.hasInput(1) ? [k.input(0), k.input(1)] : [k.input(0)], { equation: String(k.attr('spec')) }),
  embedding: (k) => k.g.op('Gather', [k.param('weight'), k.input(0)], { axis: 0 }),
  // A learned [1, 1, dim] vector before every sequence: [B, T, dim] → [B, T + 1, dim].
  cls_token: (k) => {
    const { g } = k;
    const x = k.input(0);
    const tiled = g.op('Expand', [k.param('weight'), g.op('Concat', [g.axisSize(x, 0), g.ints([1, 1])], { axis: 0 })]);
    return g.op('Concat', [tiled, x], { axis: 1 });
  },
  conv1d: conv(1),
  conv2d: conv(2),
  avg_pool1d: pool(1, 'AveragePool'),
  max_pool1d: pool(1, 'MaxPool'),
  avg_pool2d: pool(2, 'AveragePool'),
  max_pool2d: pool(2, 'MaxPool'),
  // ViT: [B, H, W, C] → a stride-p Conv → [B, dim, H/p, W/p] → [B, (H/p)·(W/p), dim], patches row-major.
  patch_embedding: (k) => {
    const { g } = k;
    const p = k.num('patch');
    const x = g.op('Transpose', [k.input(0)], { perm: [0, 3, 1, 2] });
    const y = g.op('Conv', [x, k.param('weight'), k.param('bias')], { kernel_shape: [p, p], strides: [p, p] });
    return g.op('Transpose', [g.op('Reshape', [y, g.ints([0, 0, -1])])], { perm: [0, 2, 1] });
  },
};
