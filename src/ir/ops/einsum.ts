/**
 * `einsum("bhqd,bhkd->bhqk", a, b)`: products and sums over named axes, one letter per axis. A
 * letter in both inputs and the output is a batch axis, in one input and the output a free axis,
 * in both inputs but not the output a contracted axis, and in one input only an axis summed first.
 * The shape rule unifies every letter's sizes; the runtime turns the spec into transposes, one
 * batched matrix product and reshapes, which every backend differentiates.
 */
import { renderDim, renderShape, unify, type Dim } from '../dims.js';
import type { TensorValue } from '../types.js';
import type { OpContext } from '../values.js';
import { functionOp } from './declare.js';
import { numel, one, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

/** The letters of each input and of the output, or a message saying what is wrong with the spec. */
export function parseEinsum(spec: string, inputs: number): { ins: string[]; out: string } | string {
  const m = /^\s*([a-zA-Z]*)\s*(?:,\s*([a-zA-Z]*)\s*)?->\s*([a-zA-Z]*)\s*$/.exec(spec);
  if (!m) return 'write it as `"ab,bc->ac"`: letters for each input\'s axes, a comma between inputs, `->` and the output\'s letters';
  const ins = m[2] === undefined ? [m[1]] : [m[1], m[2]];
  if (ins.length !== inputs) return `it names ${ins.length} input${ins.length === 1 ? '' : 's'}, but ${inputs} ${inputs === 1 ? 'is' : 'are'} given`;
  for (const s of [...ins, m[3]]) {
    const twice = [...s].find((c, i) => s.indexOf(c) !== i);
    if (twice) return `\`${twice}\` appears twice in \`${s}\`: a letter names one axis of each tensor (diagonals are not supported)`;
  }
  const stray = [...m[3]].find((c) => !ins.some((s) => s.includes(c)));
  if (stray) return `the output's \`${stray}\` is not an axis of any input`;
  return { ins, out: m[3] };
}

export const einsum = functionOp('einsum', 'Products and sums over lettered axes: `einsum("bqd,bkd->bqk", q, k)`.', {
  args: {
    spec: ['string', 'letters per axis: `"inputs->output"`'],
    a: ['tensor', 'float32, the first input', { dtype: 'float32' }],
    b: ['tensor?', 'float32, the second input'],
  },
  apply(ctx, { spec, a, b }) {
    const inputs = b ? [a, b] : [a];
    const parsed = parseEinsum(spec, inputs.length);
    if (typeof parsed === 'string') {
      ctx.error('TFM3008', `cannot read the einsum spec "${spec}": ${parsed}`, { primary: ctx.argSource('spec') });
      return ERROR;
    }
    if (b && b.dtype !== 'float32') {
      ctx.error('TFM3009', `\`einsum\` multiplies float32 tensors, but \`b\` is ${b.dtype}`, { primary: ctx.argSource('b'), secondary: [ctx.shapeLabel(b)] });
      return ERROR;
    }
    const size = new Map<string, { dim: Dim; from: TensorValue; arg: string }>();
    for (const [i, t] of inputs.entries()) {
      const letters = parsed.ins[i];
      const arg = i === 0 ? 'a' : 'b';
      if (letters.length !== t.shape.length) {
        ctx.error('TFM3008', `einsum's \`${letters}\` names ${letters.length} axes, but \`${arg}\` has rank ${t.shape.length}`, {
          primary: ctx.argSource('spec'),
          secondary: [ctx.shapeLabel(t)],
        });
        return ERROR;
      }
      for (const [j, c] of [...letters].entries()) {
        const seen = size.get(c);
        if (!seen) size.set(c, { dim: t.shape[j], from: t, arg });
        else if (!unify(seen.dim, t.shape[j])) {
          mismatch(ctx, c, seen, t, t.shape[j]);
          return ERROR;
        }
      }
    }
    const shape = [...parsed.out].map((c) => size.get(c)!.dim);
    return one(ctx, 'einsum', inputs, 'float32', shape, { spec: `${parsed.ins.join(',')}->${parsed.out}` });
  },
  flops: ({ inputs, outputs, node }) => {
    // 2 × the product of the sizes of every letter (each output entry sums over the contracted ones).
    const sizes = new Map<string, number>();
    const [ins] = String(node.attrs.spec).split('->');
    ins.split(',').forEach((letters, i) => [...letters].forEach((c, j) => sizes.set(c, inputs[i][j])));
    return Math.max(numel(outputs[0]), 2 * [...sizes.values()].reduce((p, x) => p * x, 1));
  },
});

function mismatch(ctx: OpContext, letter: string, first: { dim: Dim; from: TensorValue; arg: string }, t: TensorValue, dim: Dim): void {
  ctx.error('TFM3001', `einsum's \`${letter}\` is ${renderDim(first.dim)} in \`${first.arg}\` but ${renderDim(dim)} in \`b\``, {
    primary: ctx.argSource('spec'),
    secondary: [ctx.shapeLabel(first.from, `this is \`${renderShape(first.from.shape)}\``), ctx.shapeLabel(t, `this is \`${renderShape(t.shape)}\``)],
    help: 'one letter names one size in every input: give the axes different letters, or fix the shapes',
  });
}

export const kernels: Kernels = {
  einsum: {
    tfjs: (k) => k.call('einsum', k.attr('spec'), k.input(0), k.hasInput(1) ? k.input(1) : undefined),
    torch: (k) => `torch.einsum(${JSON.stringify(String(k.value('spec')))}, ${Array.from({ length: k.inputCount }, (_, i) => k.input(i)).join(', ')})`,
    stem: 'contracted',
  },
};
