/**
 * Loading the native backend's addon (`native/` at the package root, built by
 * `npm run build:native`): a batched sgemm over a system BLAS, and elementwise and fused kernels
 * on a small thread pool, all working in place on the wasm backend's heap. Loading it is the only thing that can make `--backend native` unavailable, and
 * the reason is said in one line with what to install.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon's functions (native/src/addon.cc). Offsets count floats from the start of `heap`. */
export interface NativeAddon {
  gemm(
    heap: ArrayBuffer,
    aOffsets: Uint32Array,
    bOffsets: Uint32Array,
    cOffset: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    biasOffset: number,
    biasSize: number,
    activation: number,
    preluOffset: number,
    preluSize: number,
    alpha: number,
  ): void;
  /** out = a op b (op: 0 add, 1 sub, 2 mul, 3 div); `layout` is [shape…, aStrides…, bStrides…] of the output's axes. */
  binary(heap: ArrayBuffer, op: number, a: number, b: number, out: number, layout: Int32Array): void;
  /** out = f(x) over n floats (f: 0 sigmoid, 1 exp, 2 square, 3 rsqrt, 4 sqrt, 5 neg, 6 relu, 7 tanh). */
  unary(heap: ArrayBuffer, op: number, x: number, out: number, n: number): void;
  /** x as [outer, reduce, inner]: out[o, i] = scale · Σ_r x[o, r, i]. */
  reduceSum(heap: ArrayBuffer, x: number, out: number, outer: number, reduce: number, inner: number, scale: number): void;
  /** Softmax of each of `rows` rows of n floats. */
  softmax(heap: ArrayBuffer, x: number, y: number, rows: number, n: number): void;
  /** dx = y · (dy − Σ dy·y) row by row. */
  softmaxGrad(heap: ArrayBuffer, y: number, dy: number, dx: number, rows: number, n: number): void;
  /** Cross-entropy per row of `rows` rows of n logits against float-coded targets (label smoothing eps; 0 for target `ignore`). */
  crossEntropy(heap: ArrayBuffer, x: number, targets: number, loss: number, rows: number, n: number, eps: number, ignore: number): void;
  /** dx = dy·(softmax(x) − (1 − eps)·onehot(target) − eps/n) row by row; 0 for ignored rows. */
  /** Per row of `rows` rows of n logits: out[2r] = the arg-max (the first on ties, as a float), out[2r + 1] = its log-probability. */
  greedyPick(heap: ArrayBuffer, x: number, out: number, rows: number, n: number): void;
  crossEntropyGrad(heap: ArrayBuffer, x: number, targets: number, dy: number, dx: number, rows: number, n: number, eps: number, ignore: number): void;
  /** Layer norm (centre 1; bias −1 for none) or RMS norm (centre 0, no bias) of rows of n floats. */
  norm(heap: ArrayBuffer, centre: number, x: number, w: number, b: number, y: number, rows: number, n: number, eps: number): void;
  /** The norm's gradients: dx, dw and (layer norm with a bias, else −1) db. */
  normGrad(heap: ArrayBuffer, centre: number, x: number, w: number, dy: number, dx: number, dw: number, db: number, rows: number, n: number, eps: number): void;
  /** y = f(x) (f: 0 tanh GELU, 1 exact GELU, 2 SiLU). */
  activation(heap: ArrayBuffer, f: number, x: number, y: number, n: number): void;
  /** dx = dy · f′(x). */
  activationGrad(heap: ArrayBuffer, f: number, x: number, dy: number, dx: number, n: number): void;
  /** One Adam update (src/backends/tfjs/optim.ts): w1, m1, v1 from w, g, m, v; n floats each (m1, v1 may be m, v: in place). */
  adam(heap: ArrayBuffer, w: number, g: number, m: number, v: number, w1: number, m1: number, v1: number, n: number, b1: number, c1: number, b2: number, c2: number, bc2: number, eps: number, size: number, decay: number, scale: number): void;
  /**
   * One decode step's attention for `items` (batch × heads) single queries of `depth` floats: the
   * new key and value written in place at position `length` of the caches (keys [items, depth,
   * capacity], values [items, capacity, depth]), then softmax(scaled(q·K)) · V over length + 1
   * positions into `out` (scaleOp: 0 none, 1 multiply, 2 divide by `scale`).
   */
  decodeAttention(heap: ArrayBuffer, q: number, kNew: number, vNew: number, kCache: number, vCache: number, out: number, items: number, depth: number, capacity: number, length: number, scaleOp: number, scale: number): void;
  /**
   * Multi-head attention of q [B, tq, heads·dk] over k, v [B, tk, heads·dk] into out (same layout as q):
   * scores ÷ scale (divide 1) or × scale, + bias [biasBatch, 1, biasRows, tk], softmax, × rows
   * [rowsBatch, 1, rowsRows, 1], · v. A bias or rows offset of −1 means none.
   */
  attention(heap: ArrayBuffer, q: number, k: number, v: number, out: number, batch: number, tq: number, tk: number, heads: number, dk: number, scale: number, divide: number, bias: number, biasBatch: number, biasRows: number, rows: number, rowsBatch: number, rowsRows: number): void;
  /** out[i] = x[indices[i]] for `count` rows of `rowSize` floats (indices int32); false, writing nothing, when an index is not in [0, rows). */
  gatherRows(heap: ArrayBuffer, x: number, rows: number, rowSize: number, indices: number, count: number, out: number): boolean;
  /** Threads of the elementwise pool (the caller's included; TFMC_NATIVE_THREADS, default: the cores). */
  poolThreads(): number;
  setPoolThreads(n: number): void;
  /** Microseconds an idle pool thread polls for work before sleeping (TFMC_NATIVE_SPIN_US, default 100). */
  poolSpin(): number;
  setPoolSpin(micros: number): void;
  /** BLAS threads (0 when the BLAS does not say). */
  threads(): number;
  setThreads(n: number): void;
  /** The BLAS and its configuration, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... MAX_THREADS=64". */
  blas(): string;
}

/** Where the build puts the addon: the same path from `src/backends/tfjs/native/` and `dist/backends/tfjs/native/`. */
export const ADDON_PATH = fileURLToPath(new URL('../../../../native/build/Release/tfmc_native.node', import.meta.url));

export const INSTALL_HINT =
  'install a C++ compiler and OpenBLAS (Debian/Ubuntu: apt-get install build-essential libopenblas-dev python3; macOS: Xcode command line tools), then run `npm run build:native` in the tfmc package';

let loaded: NativeAddon | undefined;

/** The addon, loaded once. Throws an Error whose message is one line: why it cannot load and what to install. */
export function loadAddon(): NativeAddon {
  if (loaded) return loaded;
  if (!existsSync(ADDON_PATH)) throw new Error(`its addon is not built (no ${ADDON_PATH}): ${INSTALL_HINT}`);
  try {
    loaded = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new Error(`its addon could not be loaded (${first}): ${INSTALL_HINT}`);
  }
  return loaded;
}
