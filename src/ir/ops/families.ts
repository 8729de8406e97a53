/**
 * The op families, one file each: `index.ts` collects every op (`functionOp`, `layerOp`) and the
 * `kernels` each of them exports. A new family file needs its line here and nothing else.
 */
export * as activations from './activations.js';
export * as alibi from './alibi.js';
export * as clsToken from './cls-token.js';
export * as batchNorm from './batch-norm.js';
export * as comparison from './comparison.js';
export * as conv1d from './conv1d.js';
export * as conv2d from './conv2d.js';
export * as ctc from './ctc.js';
export * as conversion from './conversion.js';
export * as dropout from './dropout.js';
export * as elementwise from './elementwise.js';
export * as einsum from './einsum.js';
export * as embedding from './embedding.js';
export * as heads from './heads.js';
export * as indexing from './indexing.js';
export * as linear from './linear.js';
export * as losses from './losses.js';
export * as masks from './masks.js';
export * as math from './math.js';
export * as matmul from './matmul.js';
export * as norms from './norms.js';
export * as parameters from './parameters.js';
export * as patchEmbedding from './patch-embedding.js';
export * as pooling from './pooling.js';
export * as positionEmbedding from './position-embedding.js';
export * as recurrent from './recurrent.js';
export * as reductions from './reductions.js';
export * as ranges from './ranges.js';
export * as rearrange from './rearrange.js';
export * as relativePositionBias from './relative-position-bias.js';
export * as reshape from './reshape.js';
export * as rope from './rope.js';
export * as selection from './selection.js';
export * as softmax from './softmax.js';
export * as tensorMath from './tensor-math.js';
