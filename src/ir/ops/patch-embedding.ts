/**
 * `PatchEmbedding(patch, dim)`: ViT's patchify + linear projection (a strided Conv2d), images
 * `[B, H, W, C]` (channels-last) → `[B, (H/patch)·(W/patch), dim]`. Weight `[dim, C, p, p]`.
 */
import { constDim, renderDim, resolve } from '../dims.js';
import { layerOp } from './declare.js';
import { gcd, known, one, shapeLabels, ERROR, nearbyDivisors } from './helpers.js';
import type { Kernels } from './kernel.js';
import type { Span } from '../../diagnostics/spans.js';
import type { TensorValue } from '../types.js';
import type { OpContext } from '../values.js';

export const patchEmbedding = layerOp('PatchEmbedding', 'Split images into patches and project each: `[B, H, W, C]` → `[B, N, dim]`.', {
  config: {
    patch: ['int', 'patch side in pixels'],
    dim: ['int', 'embedding size'],
  },
  inputs: { images: ['tensor', 'float32 `[B, H, W, C]`', { dtype: 'float32', rank: 4, shape: '`[batch, height, width, channels]`' }] },
  apply(ctx, { patch: p, dim }, { images: x }) {
    const [h, w, c] = [known(x.shape[1]), known(x.shape[2]), known(x.shape[3])];
    if (h === undefined || w === undefined || c === undefined) {
      ctx.error('TFM3008', `\`PatchEmbedding\` needs a fixed image size, got \`[${x.shape.slice(1).map(renderDim).join(', ')}]\``, shapeLabels(ctx, x, 'images'));
      return ERROR;
    }
    if (c > 4 && h <= 4 && w === c && (w % p !== 0 || h % p !== 0)) {
      // `[batch, 3, 224, 224]`: PyTorch's channels-first layout, where channels-last is expected.
      const fix = channelsLastFix(ctx, x);
      ctx.error('TFM3008', `the images look channels-first, \`[batch, ${h}, ${w}, ${c}]\`: \`PatchEmbedding\` takes channels-last images, \`[batch, height, width, channels]\``, {
        primary: fix ? { file: fix.file, span: fix.span, message: 'channels first here' } : shapeLabels(ctx, x, 'images').primary,
        secondary: fix ? [{ ...ctx.argSource('images'), message: `this is \`[batch, ${h}, ${w}, ${c}]\`` }] : [],
        help: fix ? { message: `put the channels last: \`${fix.text}\``, edits: [fix] } : 'permute the images to `[batch, height, width, channels]` first: `permute(images, [0, 2, 3, 1])`',
      });
      return ERROR;
    }
    if (h % p !== 0 || w % p !== 0) {
      // When the image side and the patch are config values, this is the config's mistake.
      const side = resolve(x.shape[h % p !== 0 ? 1 : 2]);
      const set = side.kind === 'const' ? side.origin?.set : undefined;
      const patchSet = ctx.argOrigin('patch');
      if (set && patchSet) {
        ctx.notDivisible({ name: set.name, value: h % p !== 0 ? h : w, origin: set }, { name: patchSet.name, value: p, origin: patchSet }, { ...ctx.callSite, message: 'the image must split into whole patches here' });
        return ERROR;
      }
      const labels = shapeLabels(ctx, x, 'images');
      ctx.error('TFM3011', `a ${h}×${w} image does not split into ${p}×${p} patches`, {
        primary: labels.primary,
        secondary: [{ ...ctx.argSource('patch'), message: `patch size ${p}` }, ...labels.secondary],
        help: patchHelp(h, w, p),
      });
      return ERROR;
    }
    const weight = ctx.param('weight', [dim, c, p, p], 'uniform_fan_in');
    const bias = ctx.param('bias', [dim], 'zeros');
    return one(ctx, 'patch_embedding', [x], 'float32', [x.shape[0], constDim((h / p) * (w / p)), constDim(dim)], { patch: p }, { weight, bias });
  },
  flops: ({ inputs, outputs }) => {
    const [b, n, d] = outputs[0];
    const c = inputs[0][3];
    const p2 = (inputs[0][1] * inputs[0][2]) / n;
    return 2 * b * n * d * c * p2;
  },
});

export const kernels: Kernels = {
  patch_embedding: {
    tfjs: (k) => k.call('patchEmbedding', k.input(0), k.param('weight'), k.param('bias'), k.attr('patch')),
    torchLayer: {
      module: 'PatchEmbedding',
      construct: (k) => {
        const [dim, channels, patch] = k.shape('weight');
        return `rt.PatchEmbedding(${channels}, ${dim}, ${patch})`;
      },
    },
    stem: 'patches',
  },
};

/**
 * Either fix can be the right one: a patch size that divides both sides (training from scratch),
 * or images resized to a multiple of the patch (a pretrained model, whose patch size is fixed).
 */
function patchHelp(h: number, w: number, p: number): string {
  const g = gcd(h, w);
  const sizes = nearbyDivisors(g, p).filter((d) => d > 1);
  const round = (n: number) => Math.round(n / p) * p || p;
  const resize = h === w ? `${round(h)}×${round(h)}` : `${round(h)}×${round(w)}`;
  return `${sizes.length ? `use a patch size that divides ${h === w ? h : `${h} and ${w}`} (${sizes.join(' or ')}), or ` : ''}resize the images to a multiple of ${p} (${resize}), as a pretrained model with ${p}×${p} patches needs`;
}

/** The declared type of a channels-first model input rewritten channels-last, when its dims are written plainly. */
function channelsLastFix(ctx: OpContext, x: TensorValue): { file: string; span: Span; text: string } | undefined {
  if (!x.declaredType) return undefined;
  const text = ctx.textAt(x.declaredType);
  const m = text === undefined ? null : /^(\w+)\[([^[\]()]*)\]$/.exec(text);
  if (!m) return undefined;
  const dims = m[2].split(',').map((d) => d.trim());
  if (dims.length !== 4) return undefined;
  return { ...x.declaredType, text: `${m[1]}[${[dims[0], dims[2], dims[3], dims[1]].join(', ')}]` };
}
