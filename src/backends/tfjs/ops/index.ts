/** Every IR op the tfjs backend runs, by `Node.op` name. */
import { ops as activations } from './activations.js';
import { ops as clsToken } from './cls-token.js';
import { ops as conv } from './conv.js';
import { ops as dropout } from './dropout.js';
import { ops as elementwise } from './elementwise.js';
import { ops as embedding } from './embedding.js';
import { ops as heads } from './heads.js';
import { ops as linear } from './linear.js';
import { ops as losses } from './losses.js';
import { ops as masks } from './masks.js';
import { ops as matmul } from './matmul.js';
import { ops as norms } from './norms.js';
import { ops as recurrent } from './recurrent.js';
import { ops as reductions } from './reductions.js';
import { ops as relativePositionBias } from './relative-position-bias.js';
import { ops as rope } from './rope.js';
import { ops as softmax } from './softmax.js';
import type { OpImpl } from './types.js';

const families: Array<Record<string, OpImpl>> = [
  activations, clsToken, conv, dropout, elementwise, embedding, heads, linear, losses, masks, matmul, norms,
  recurrent, reductions, relativePositionBias, rope, softmax,
];

export const OP_IMPLS: ReadonlyMap<string, OpImpl> = new Map(families.flatMap((f) => Object.entries(f)));

export type { OpImpl, OpRunContext, RtValue, RuntimeMask } from './types.js';
