/**
 * `LSTM(hidden, layers)`, `GRU(hidden, layers)`, `RNN(hidden, layers)`: the recurrent baselines,
 * batch-first `[B, T, in]` → `[B, T, hidden]`. The application's `.state` is the final state
 * `[k, layers, B, hidden]` (k = 2 for LSTM's h and c, else 1), and `init:` starts from one: the
 * classic seq2seq hands the encoder's final state to the decoder. Parameter names and shapes
 * follow PyTorch (`weight_ih_l0` `[gates·hidden, in]`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`).
 */
import { constDim, renderShape, unify } from '../dims.js';
import { layerOp } from './declare.js';
import { known, lastDim, shapeLabels, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

function recurrent(name: 'LSTM' | 'GRU' | 'RNN', gates: number, stateParts: number) {
  return layerOp(name, `${name} layers over time: \`[B, T, in]\` → \`[B, T, hidden]\`; \`.state\` is the final state.`, {
    config: {
      hidden: ['int', 'hidden size'],
      layers: ['int', 'stacked layers', 1],
      bias: ['bool', 'input and recurrent biases', true],
    },
    inputs: {
      x: ['tensor', 'float32 `[B, T, in]`', { dtype: 'float32', rank: 3, shape: '`[batch, time, features]`' }],
      init: ['tensor?', `initial state \`[${stateParts}, layers, B, hidden]\``],
    },
    apply(ctx, { hidden, layers, bias }, { x, init }) {
      const inDim = known(lastDim(x));
      if (inDim === undefined) {
        ctx.error('TFM3008', `\`${name}\` needs a known input width`, shapeLabels(ctx, x, 'x'));
        return ERROR;
      }
      const stateShape = [constDim(stateParts), constDim(layers), x.shape[0], constDim(hidden)];
      const ins = [x];
      if (init) {
        const ok = init.shape.length === 4 && init.shape.every((d, i) => unify(d, stateShape[i]));
        if (!ok) {
          ctx.error('TFM3001', `\`${name}\` needs an initial state of shape \`${renderShape(stateShape)}\`, got \`${renderShape(init.shape)}\``, {
            ...shapeLabels(ctx, init, 'init'),
            help: 'the encoder and decoder must have the same hidden size and number of layers',
          });
          return ERROR;
        }
        ins.push(init);
      }
      const params: Record<string, string> = {};
      for (let l = 0; l < layers; l++) {
        const width = l === 0 ? inDim : hidden;
        params[`weight_ih_l${l}`] = ctx.param(`weight_ih_l${l}`, [gates * hidden, width], 'uniform_hidden');
        params[`weight_hh_l${l}`] = ctx.param(`weight_hh_l${l}`, [gates * hidden, hidden], 'uniform_hidden');
        if (bias) {
          params[`bias_ih_l${l}`] = ctx.param(`bias_ih_l${l}`, [gates * hidden], 'uniform_hidden');
          params[`bias_hh_l${l}`] = ctx.param(`bias_hh_l${l}`, [gates * hidden], 'uniform_hidden');
        }
      }
      const [out, state] = ctx.emit(
        name.toLowerCase(),
        ins,
        [
          { dtype: 'float32', shape: [x.shape[0], x.shape[1], constDim(hidden)] },
          { dtype: 'float32', shape: stateShape },
        ],
        { hidden, layers, has_init: !!init },
        params,
      );
      return { kind: 'tensor', tensor: out, fields: { state } };
    },
    flops: ({ inputs, outputs, node }) => {
      const [b, t, h] = outputs[0];
      const layers = Number(node.attrs.layers);
      const inDim = inputs[0][2];
      return 2 * b * t * gates * h * (inDim + h + (layers - 1) * 2 * h);
    },
  });
}

export const lstm = recurrent('LSTM', 4, 2);
export const gru = recurrent('GRU', 3, 1);
export const rnn = recurrent('RNN', 1, 1);

export const kernels: Kernels = Object.fromEntries(
  (['LSTM', 'GRU', 'RNN'] as const).map((kind) => [
    kind.toLowerCase(),
    {
      tfjs: (k) =>
        k.call('recurrent', k.literal(kind.toLowerCase()), k.input(0), k.hasInput(1) ? k.input(1) : undefined, k.params(), k.attr('hidden'), k.attr('layers')),
      returns: 'tuple',
      torchLayer: {
        module: kind,
        construct: (k) => {
          const layers = Number(k.value('layers') ?? 1);
          const hidden = Number(k.value('hidden') ?? k.shape('weight_hh_l0')[1]);
          return `rt.${kind}(${k.shape('weight_ih_l0')[1]}, ${hidden}, layers=${layers}, bias=${k.literal(k.owns('bias_ih_l0'))})`;
        },
      },
    },
  ]),
);
