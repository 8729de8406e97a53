/**
 * The fused kernels the tfmc runtime asks for by name (`fusedKernel` in src/runtime/fused.ts):
 * a linear layer without weight transposes, layer and RMS norm, softmax and the GELU / SiLU
 * activations; and the Adam update of src/backends/tfjs/optim.ts. Each is one pass of the addon (native/src/fused.cc) where tfjs ops take 4–10
 * kernels, with gradients that are one pass too. They exist only while the native backend is
 * active (so the runtime's tfjs-op formulas run on every other backend); their gradient kernels
 * stay registered, so a tape recorded on native can be differentiated after a switch.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';
import { heapOf, place, size, type KernelArgs, type NativeKernel, type WasmHeapBackend } from './heap.js';

const ACTIVATION = { TfmcGeluTanh: 0, TfmcGelu: 1, TfmcSilu: 2 } as const;

const NO_BIAS = -1;

type Inputs = Record<string, tf.TensorInfo>;

const backendOf = (args: KernelArgs) => args.backend as WasmHeapBackend;

/** A linear layer's input [..., in] as rows × in (rows counted even when `in` is 0: their output is the bias). */
function linearRows(x: tf.TensorInfo): [rows: number, inDim: number] {
  return [size(x.shape.slice(0, -1)), x.shape[x.shape.length - 1]];
}

/** The last axis's length, and how many rows of it `t` holds. */
function rowsOf(t: tf.TensorInfo): [rows: number, n: number] {
  const n = t.shape.length === 0 ? 1 : t.shape[t.shape.length - 1];
  return [n === 0 ? 0 : size(t.shape) / n, n];
}

/** One product C = op(A)·op(B) of the addon's gemm (batch 1), C new (m·n floats, of `shape`), with an optional bias along its rows. */
function gemm(addon: NativeAddon, backend: WasmHeapBackend, a: tf.TensorInfo, b: tf.TensorInfo, m: number, n: number, k: number, tA: boolean, tB: boolean, bias?: tf.TensorInfo, shape: number[] = [m, n]): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  const offsets = (t: tf.TensorInfo) => Uint32Array.of(place(backend, t));
  addon.gemm(heapOf(backend), offsets(a), offsets(b), place(backend, out), m, n, k, tA, tB, bias ? place(backend, bias) : NO_BIAS, bias ? n : 0, 0, NO_BIAS, 0, 0);
  return out;
}

function forwardKernels(addon: NativeAddon): Record<string, NativeKernel> {
  const activation = (f: number): NativeKernel => (args) => {
    const backend = backendOf(args);
    const { x } = args.inputs as Inputs;
    const y = backend.makeOutput(x.shape, 'float32');
    if (size(x.shape) > 0) addon.activation(heapOf(backend), f, place(backend, x), place(backend, y), size(x.shape));
    return y;
  };
  const norm = (centre: number): NativeKernel => (args) => {
    const backend = backendOf(args);
    const { x, weight, bias } = args.inputs as Inputs;
    const [rows, n] = rowsOf(x);
    const y = backend.makeOutput(x.shape, 'float32');
    addon.norm(heapOf(backend), centre, place(backend, x), place(backend, weight), bias ? place(backend, bias) : NO_BIAS, place(backend, y), rows, n, Number(args.attrs?.eps));
    return y;
  };
  return {
    // x [..., in] · weight [out, in]ᵀ + bias [out] → [..., out]: the BLAS reads the weight
    // transposed in place, and x's leading axes are its rows (no reshapes around the kernel).
    TfmcLinear: (args) => {
      const backend = backendOf(args);
      const { x, weight, bias } = args.inputs as Inputs;
      const [rows, inDim] = linearRows(x);
      const outDim = weight.shape[0];
      return gemm(addon, backend, x, weight, rows, outDim, inDim, false, true, bias, [...x.shape.slice(0, -1), outDim]);
    },
    // {q [B, Tq, heads·dk], k, v [B, Tk, heads·dk], bias? [B | 1, 1, Tq | 1, Tk], rows? [B | 1, 1, Tq | 1, 1]}
    // → the merged heads [B, Tq, heads·dk]; attributes heads, scale, divide (1: scores ÷ scale).
    // Inference only: it has no gradient (the runtime asks for it only when no tape records).
    TfmcAttention: (args) => {
      const backend = backendOf(args);
      const { q, k, v, bias, rows } = args.inputs as Inputs;
      const { heads, scale, divide } = args.attrs as Record<string, number>;
      const [batch, tq, width] = q.shape;
      const tk = k.shape[1];
      const out = backend.makeOutput(q.shape, 'float32');
      if (size(q.shape) === 0) return out;
      const broadcast = (t: tf.TensorInfo | undefined, axis: number) => (t ? t.shape[axis] : 1);
      addon.attention(
        heapOf(backend),
        place(backend, q),
        place(backend, k),
        place(backend, v),
        place(backend, out),
        batch,
        tq,
        tk,
        heads,
        width / heads,
        scale,
        divide,
        bias ? place(backend, bias) : NO_BIAS,
        broadcast(bias, 0),
        broadcast(bias, 2),
        rows ? place(backend, rows) : NO_BIAS,
        broadcast(rows, 0),
        broadcast(rows, 2),
      );
      return out;
    },
    TfmcLayerNorm: norm(1),
    TfmcRmsNorm: norm(0),
    TfmcSoftmax: (args) => {
      const backend = backendOf(args);
      const { x } = args.inputs as Inputs;
      const [rows, n] = rowsOf(x);
      const y = backend.makeOutput(x.shape, 'float32');
      if (rows * n > 0) addon.softmax(heapOf(backend), place(backend, x), place(backend, y), rows, n);
      return y;
    },
    ...Object.fromEntries(Object.entries(ACTIVATION).map(([name, f]) => [name, activation(f)])),
    // {logits [N, V], targets [N] (float-coded ids)} → the loss of each row [N]; nothing [N, V] is made.
    TfmcCrossEntropy: (args) => {
      const backend = backendOf(args);
      const { logits, targets } = args.inputs as Inputs;
      const [rows, n] = rowsOf(logits);
      const loss = backend.makeOutput([rows], 'float32');
      const a = args.attrs as Record<string, number>;
      if (rows > 0) addon.crossEntropy(heapOf(backend), place(backend, logits), place(backend, targets), place(backend, loss), rows, n, Number(a.smoothing), Number(a.ignore));
      return loss;
    },
    // {logits [N, V]} → [N, 2]: each row's arg-max (as a float) and its log-probability (greedy decoding).
    TfmcGreedyPick: (args) => {
      const backend = backendOf(args);
      const { logits } = args.inputs as Inputs;
      const [rows, n] = rowsOf(logits);
      const out = backend.makeOutput([rows, 2], 'float32');
      if (rows > 0) addon.greedyPick(heapOf(backend), place(backend, logits), place(backend, out), rows, n);
      return out;
    },
    // {w, g, m, v} → w1, the attributes as Adam.apply names them. The moments m and v are
    // updated in place: they belong to the optimizer alone (Adam keeps them so), and new ones
    // would hold two more copies of the largest parameter at once (0.3 GB for GPT-2's embedding).
    TfmcAdam: (args) => {
      const backend = backendOf(args);
      const { w, g, m, v } = args.inputs as Inputs;
      const a = args.attrs as Record<string, number>;
      const out = backend.makeOutput(w.shape, 'float32');
      const n = size(w.shape);
      if (n > 0) {
        const [mAt, vAt] = [place(backend, m), place(backend, v)];
        addon.adam(heapOf(backend), place(backend, w), place(backend, g), mAt, vAt, place(backend, out), mAt, vAt, n, a.b1, a.c1, a.b2, a.c2, a.bc2, a.eps, a.size, a.decay, a.scale);
      }
      return out;
    },
  };
}

function gradientKernels(addon: NativeAddon): Record<string, NativeKernel> {
  return {
    // dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy (made whether or not there is a bias: the gradient
    // function does not know, and an unused gradient is disposed with the backward pass).
    TfmcLinearGrad: (args) => {
      const backend = backendOf(args);
      const { dy, x, weight } = args.inputs as Inputs;
      const [rows, inDim] = linearRows(x);
      const outDim = weight.shape[0];
      const dx = gemm(addon, backend, dy, weight, rows, inDim, outDim, false, false, undefined, x.shape);
      const dw = gemm(addon, backend, dy, x, outDim, inDim, rows, true, false);
      const db = backend.makeOutput([outDim], 'float32');
      addon.reduceSum(heapOf(backend), place(backend, dy), place(backend, db), 1, rows, outDim, 1);
      return [dx, dw, db];
    },
    TfmcNormGrad: (args) => {
      const backend = backendOf(args);
      const { dy, x, weight } = args.inputs as Inputs;
      const [rows, n] = rowsOf(x);
      const centre = Number(args.attrs?.centre);
      const dx = backend.makeOutput(x.shape, 'float32');
      const dw = backend.makeOutput([n], 'float32');
      const db = centre ? backend.makeOutput([n], 'float32') : undefined; // layer norm: as TfmcLinearGrad's db
      addon.normGrad(heapOf(backend), centre, place(backend, x), place(backend, weight), place(backend, dy), place(backend, dx), place(backend, dw), db ? place(backend, db) : NO_BIAS, rows, n, Number(args.attrs?.eps));
      return db ? [dx, dw, db] : [dx, dw];
    },
    TfmcCrossEntropyGrad: (args) => {
      const backend = backendOf(args);
      const { dy, logits, targets } = args.inputs as Inputs;
      const [rows, n] = rowsOf(logits);
      const dx = backend.makeOutput(logits.shape, 'float32');
      const a = args.attrs as Record<string, number>;
      if (rows > 0) addon.crossEntropyGrad(heapOf(backend), place(backend, logits), place(backend, targets), place(backend, dy), place(backend, dx), rows, n, Number(a.smoothing), Number(a.ignore));
      return dx;
    },
    TfmcSoftmaxGrad: (args) => {
      const backend = backendOf(args);
      const { dy, y } = args.inputs as Inputs;
      const [rows, n] = rowsOf(y);
      const dx = backend.makeOutput(y.shape, 'float32');
      if (rows * n > 0) addon.softmaxGrad(heapOf(backend), place(backend, y), place(backend, dy), place(backend, dx), rows, n);
      return dx;
    },
    TfmcActivationGrad: (args) => {
      const backend = backendOf(args);
      const { dy, x } = args.inputs as Inputs;
      const dx = backend.makeOutput(x.shape, 'float32');
      if (size(x.shape) > 0) addon.activationGrad(heapOf(backend), Number(args.attrs?.f), place(backend, x), place(backend, dy), place(backend, dx), size(x.shape));
      return dx;
    },
  };
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: Record<string, number> = {}) => tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[];

/** The fused kernels' gradients, in terms of the gradient kernels. */
const GRADIENTS: tf.GradConfig[] = [
  {
    kernelName: 'TfmcLinear',
    inputsToSave: ['x', 'weight'],
    gradFunc: (dy, [x, weight]) => {
      const [dx, dw, db] = run('TfmcLinearGrad', { dy: dy as tf.Tensor, x, weight }) as tf.Tensor[];
      return { x: () => dx, weight: () => dw, bias: () => db };
    },
  },
  ...(['TfmcLayerNorm', 'TfmcRmsNorm'] as const).map(
    (kernelName): tf.GradConfig => ({
      kernelName,
      inputsToSave: ['x', 'weight'],
      gradFunc: (dy, [x, weight], attrs) => {
        const centre = kernelName === 'TfmcLayerNorm' ? 1 : 0;
        const [dx, dw, db] = run('TfmcNormGrad', { dy: dy as tf.Tensor, x, weight }, { centre, eps: Number(attrs.eps) }) as tf.Tensor[];
        return { x: () => dx, weight: () => dw, ...(db ? { bias: () => db } : {}) };
      },
    }),
  ),
  {
    kernelName: 'TfmcCrossEntropy',
    inputsToSave: ['logits', 'targets'],
    gradFunc: (dy, [logits, targets], attrs) => ({
      logits: () => run('TfmcCrossEntropyGrad', { dy: dy as tf.Tensor, logits, targets }, { smoothing: Number(attrs.smoothing), ignore: Number(attrs.ignore) }) as tf.Tensor,
      targets: () => tf.zerosLike(targets),
    }),
  },
  { kernelName: 'TfmcSoftmax', outputsToSave: [true], gradFunc: (dy, [y]) => ({ x: () => run('TfmcSoftmaxGrad', { dy: dy as tf.Tensor, y }) as tf.Tensor }) },
  ...Object.entries(ACTIVATION).map(
    ([kernelName, f]): tf.GradConfig => ({
      kernelName,
      inputsToSave: ['x'],
      gradFunc: (dy, [x]) => ({ x: () => run('TfmcActivationGrad', { dy: dy as tf.Tensor, x }, { f }) as tf.Tensor }),
    }),
  ),
];

let gradientsRegistered = false;

/** Registers the gradient kernels and the fused kernels' gradients (once: they never need removing). */
export function registerFusedGradients(addon: NativeAddon): void {
  if (gradientsRegistered) return;
  for (const [kernelName, kernelFunc] of Object.entries(gradientKernels(addon))) {
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  for (const config of GRADIENTS) tf.registerGradient(config);
  gradientsRegistered = true;
}

/**
 * The forward fused kernels, by name: registered while the native backend is active. Their
 * inputs are float32 with the shapes the runtime documents (it checks before asking).
 */
export function fusedKernels(addon: NativeAddon): Record<string, NativeKernel> {
  return forwardKernels(addon);
}
