/** The primitive ops, by the name a spec calls them. */
import { relu, gelu, silu, tanh, sigmoid } from './activations.js';
import { clsToken } from './cls-token.js';
import { conv1d } from './conv1d.js';
import { dropout } from './dropout.js';
import { add, div, mul, scalar, sub } from './elementwise.js';
import { embedding } from './embedding.js';
import { mergeHeads, repeatHeads, splitHeads } from './heads.js';
import { linear } from './linear.js';
import { crossEntropy, mse, shiftLeft } from './losses.js';
import { causal, maskAnd, masked, padding } from './masks.js';
import { matmul, transpose } from './matmul.js';
import { layerNorm, rmsNorm } from './norms.js';
import { patchEmbedding } from './patch-embedding.js';
import { positionEmbedding } from './position-embedding.js';
import { gru, lstm, rnn } from './recurrent.js';
import { present, sqrt } from './math.js';
import { mean, take } from './reductions.js';
import { relativePositionBias } from './relative-position-bias.js';
import { rope } from './rope.js';
import { logSoftmax, softmax } from './softmax.js';
import type { OpDef } from '../values.js';
import type { Kernel } from './kernel.js';
import { kernels as activationKernels } from './activations.js';
import { kernels as clsTokenKernels } from './cls-token.js';
import { kernels as conv1dKernels } from './conv1d.js';
import { kernels as dropoutKernels } from './dropout.js';
import { kernels as elementwiseKernels } from './elementwise.js';
import { kernels as embeddingKernels } from './embedding.js';
import { kernels as headsKernels } from './heads.js';
import { kernels as linearKernels } from './linear.js';
import { kernels as lossesKernels } from './losses.js';
import { kernels as masksKernels } from './masks.js';
import { kernels as matmulKernels } from './matmul.js';
import { kernels as normsKernels } from './norms.js';
import { kernels as patchEmbeddingKernels } from './patch-embedding.js';
import { kernels as positionEmbeddingKernels } from './position-embedding.js';
import { kernels as recurrentKernels } from './recurrent.js';
import { kernels as reductionsKernels } from './reductions.js';
import { kernels as relativePositionBiasKernels } from './relative-position-bias.js';
import { kernels as ropeKernels } from './rope.js';
import { kernels as softmaxKernels } from './softmax.js';

/** Ops a spec can name. */
export const PUBLIC_OPS: ReadonlyMap<string, OpDef> = new Map(
  [
    linear, embedding, positionEmbedding, layerNorm, rmsNorm, dropout, conv1d, patchEmbedding, clsToken,
    relativePositionBias, lstm, gru, rnn,
    relu, gelu, silu, tanh, sigmoid, softmax, logSoftmax, splitHeads, mergeHeads, repeatHeads, transpose,
    masked, padding, rope, take, mean, shiftLeft, crossEntropy, mse, sqrt, present,
  ].map((op) => [op.name, op] as [string, OpDef]),
);

/** Ops behind operators and built-in values (`+`, `@`, `&`, `causal`). */
export const OPERATOR_OPS = { add, sub, mul, div, scalar, matmul, maskAnd, causal } as const;

/** Every op by IR name (what `Node.op` holds is derived from these). */
export const ALL_OPS: ReadonlyMap<string, OpDef> = new Map([...PUBLIC_OPS, ...Object.values(OPERATOR_OPS).map((o) => [o.name, o] as [string, OpDef])]);

/**
 * How every IR node op is computed, by `Node.op`: the one table the tfjs executor, the TypeScript
 * emitter and the PyTorch emitter read (`kernel.ts`).
 */
export const KERNELS: ReadonlyMap<string, Kernel> = new Map(
  [
    activationKernels, clsTokenKernels, conv1dKernels, dropoutKernels, elementwiseKernels, embeddingKernels, headsKernels, linearKernels, lossesKernels, masksKernels, matmulKernels, normsKernels, patchEmbeddingKernels, positionEmbeddingKernels, recurrentKernels, reductionsKernels, relativePositionBiasKernels, ropeKernels, softmaxKernels,
  ].flatMap((family) => Object.entries(family)),
);
