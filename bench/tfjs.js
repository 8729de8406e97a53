// `npm run bench` (section `tfjs`, or `node bench/run.js tfjs`): speed of the tfjs backend on its
// default backend (node, else native, else wasm, else cpu), issue 3 item 9; when that is native or wasm and the native
// backend's addon is built (npm run build:native), every row also on `native` (wasm with BLAS
// matmuls and native elementwise and fused kernels), in the same interleaved rounds, with the
// native/wasm ratios (issue 14); with `--native-matmul`, also on `native-matmul` (the BLAS
// matmuls alone: the native backend before its elementwise and fused kernels).
//
// 1. The roofline: raw fp32 matmuls of the shapes a GPT block multiplies, with no transpose flags
//    (the fast path); the best median in GFLOP/s is the backend's roofline.
// 2. The GPT block of bench/gpt-block.tfm (d_model 512, 8 heads, d_ff 2048, pre-LN, GELU, causal),
//    batch 8 × seq 128, compiled from the spec: forward, and a training step (forward, the
//    gradients of every parameter for sum(y), and an Adam update of them), in tokens/s and as a
//    fraction of the roofline.
// 3. The same block in PyTorch (bench/torch_block.py) when /usr/bin/python3 has torch.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFile } from '../dist/index.js';
import { Adam, backendFailure, buildModel, selectBackend, tf } from '../dist/backends/tfjs/index.js';
import { activateNativeKernels } from '../dist/backends/tfjs/native/kernels.js';

const here = dirname(fileURLToPath(import.meta.url));
const [B, T, D, HEADS, D_FF] = [8, 128, 512, 8, 2048];
const PYTHON = '/usr/bin/python3';

/** Matmul FLOPs of one forward pass of the block: projections, feed-forward, and attention's two products. */
export const FORWARD_FLOPS_FORMULA = 'forward = B·(T·(8·d² + 4·d·d_ff) + 4·T²·d), training step = 3 × forward';
export function forwardFlops(b, t, d, dFf) {
  return b * (t * (8 * d * d + 4 * d * dFf) + 4 * t * t * d);
}

function stats(ts) {
  const s = [...ts].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
}

function wasmThreads() {
  // Stock tfjs-backend-wasm runs one thread in Node (its threaded build needs browser workers).
  const backend = tf.backend();
  return typeof backend?.wasm?.tfjs?.getThreadsCount === 'function' ? backend.wasm.tfjs.getThreadsCount() : 1;
}

function torchAvailable() {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The backends to measure: `wasm` and, when the native addon loads, `native` beside it (and
 * `native-matmul` when asked for), with the native BLAS and threads, or why not; `node` or `cpu`
 * alone when one of those is the default.
 */
export async function benchBackends(log, { nativeMatmul = false } = {}) {
  const backend = await selectBackend();
  if (backend !== 'wasm' && backend !== 'native') return [backend];
  try {
    await selectBackend('native');
  } catch {
    log(`native backend: not measured (${backendFailure('native')})`);
    await selectBackend('wasm');
    return ['wasm'];
  }
  const { loadAddon } = await import('../dist/backends/tfjs/native/addon.js');
  const addon = loadAddon();
  log(`native backend: wasm with ${addon.blas()} matmuls, ${addon.threads()} BLAS threads (OPENBLAS_NUM_THREADS to change), ${addon.poolThreads()} elementwise threads (TFMC_NATIVE_THREADS)`);
  await selectBackend('wasm');
  return ['wasm', 'native', ...(nativeMatmul ? ['native-matmul'] : [])];
}

/** Makes `variant` (a backend name, or `native-matmul`) the active backend; switching moves no data. */
export async function useBackend(variant) {
  if (variant !== 'native-matmul') return selectBackend(variant);
  const { loadAddon } = await import('../dist/backends/tfjs/native/addon.js');
  await selectBackend('wasm'); // drops every native kernel
  activateNativeKernels(loadAddon(), 'matmul');
}

export async function benchTfjs({ log = console.log, runs = 7, warmups = 2, torchRuns = 2, withTorch = true, nativeMatmul = false } = {}) {
  const backends = await benchBackends(log, { nativeMatmul });
  const backend = backends[0];
  await selectBackend(backend);
  const threads = backend === 'wasm' ? wasmThreads() : backend === 'cpu' ? 1 : 'libtensorflow default';
  log(`tfjs backend: ${backend}, threads: ${threads} (tfjs ${tf.version_core})`);
  const label = (what, b) => (backends.length > 1 ? `${b}: ${what}` : what);

  // 1. Roofline operands: the shapes the block multiplies, long-lived (as weights are).
  const shapes = [
    [B * T, D, D_FF],
    [B * T, D_FF, D],
    [B * T, D, D],
  ];
  const operands = shapes.map(([m, k, n]) => [tf.randomNormal([m, k]), tf.randomNormal([k, n])]);
  const rows = backends.flatMap((b) =>
    shapes.map(([m, k, n], i) => {
      const [a, w] = operands[i];
      return { backend: b, what: label(`matmul [${m}×${k}]·[${k}×${n}]`, b), fn: () => tf.tidy(() => void tf.matMul(a, w).dataSync()), flops: 2 * m * k * n };
    }),
  );

  // 2. The block, compiled from its spec.
  const result = checkFile(join(here, 'gpt-block.tfm'), { overrides: { d_model: String(D), heads: String(HEADS), d_ff: String(D_FF) } });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error('bench/gpt-block.tfm: ' + errors.map((d) => d.message).join('; '));
  const model = buildModel(result.models[0], { seed: 1 });
  const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 7);
  const vars = [...model.variables.values()];
  const forward = () => {
    const { y } = model.forward({ x });
    y.dataSync();
    y.dispose();
  };
  // A small learning rate: the weights barely move over the rounds, so every round does the same work.
  const adam = new Adam();
  const train = () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(model.forward({ x }, { training: true }).y), vars);
    value.dataSync();
    adam.apply(model.variables, new Map([...model.variables].map(([name, v]) => [name, grads[v.name]])), 1e-6);
    for (const v of vars) v.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  const fwdFlops = forwardFlops(B, T, D, D_FF);
  for (const b of backends) {
    rows.push({ backend: b, block: 'fwd', what: label('GPT block forward', b), fn: forward, flops: fwdFlops, tokens: B * T, target: b === backend ? 0.5 : undefined });
    rows.push({ backend: b, block: 'train', what: label('GPT block train step (+Adam)', b), fn: train, flops: 3 * fwdFlops, tokens: B * T, target: b === backend ? 0.35 : undefined });
  }

  // Interleaved rounds: every figure samples the same (drifting, shared) machine, so the
  // fractions of the roofline, and native against wasm, compare like with like. Switching
  // between wasm and native swaps kernels only: the tensors stay where they are.
  const timeRow = async (r) => {
    await useBackend(r.backend);
    const t0 = process.hrtime.bigint();
    r.fn();
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  for (let i = 0; i < warmups; i++) for (const r of rows) await timeRow(r);
  const before = tf.memory().numTensors;
  const times = rows.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [j, r] of rows.entries()) times[j].push(await timeRow(r));
  }
  await selectBackend(backend);
  if (tf.memory().numTensors !== before) throw new Error(`the block leaked ${tf.memory().numTensors - before} tensors`);
  adam.dispose();
  rows.forEach((r, j) => (r.s = stats(times[j])));
  const rooflines = Object.fromEntries(backends.map((b) => [b, Math.max(...rows.filter((r) => !r.tokens && r.backend === b).map((r) => r.flops / r.s.median))]));
  tf.dispose([x, ...operands.flat()]);
  model.dispose();

  // 3. PyTorch.
  let torch;
  if (withTorch && torchAvailable()) {
    const out = execFileSync(PYTHON, [join(here, 'torch_block.py'), ...[B, T, D, HEADS, D_FF, torchRuns].map(String)], { encoding: 'utf8' });
    torch = JSON.parse(out.trim().split('\n').pop());
  }

  log(`GPT block: batch ${B}, seq ${T}, d_model ${D}, ${HEADS} heads, d_ff ${D_FF}, pre-LN, GELU, causal; ${runs} interleaved rounds of every row after ${warmups} warm-up rounds`);
  log(`FLOPs counted: ${FORWARD_FLOPS_FORMULA} (= ${(fwdFlops / 1e9).toFixed(2)} GFLOP forward; the Adam update is not counted)`);
  for (const b of backends) log(`roofline${backends.length > 1 ? ` (${b})` : ''}: ${(rooflines[b] / 1e9).toFixed(1)} GFLOP/s (best matmul median below)`);
  log('');
  log('what'.padEnd(42) + 'median ms'.padStart(11) + 'min'.padStart(9) + 'max'.padStart(9) + 'GFLOP/s'.padStart(9) + 'tokens/s'.padStart(10) + 'roofline'.padStart(10) + 'target'.padStart(8) + '  ');
  for (const r of rows) {
    const gflops = r.flops / r.s.median / 1e9;
    const fraction = r.flops / r.s.median / rooflines[r.backend];
    const tokens = r.tokens ? (r.tokens / r.s.median).toFixed(0) : '';
    const target = r.target === undefined ? '' : `≥ ${Math.round(r.target * 100)}%`;
    const verdict = r.target === undefined ? '' : fraction >= r.target ? 'ok' : 'SLOW';
    log(
      r.what.padEnd(42) +
        (r.s.median * 1e3).toFixed(0).padStart(11) +
        (r.s.min * 1e3).toFixed(0).padStart(9) +
        (r.s.max * 1e3).toFixed(0).padStart(9) +
        gflops.toFixed(1).padStart(9) +
        tokens.padStart(10) +
        `${(fraction * 100).toFixed(0)}%`.padStart(10) +
        target.padStart(8) +
        '  ' +
        verdict,
    );
  }
  log('');
  const block = (b, kind) => rows.find((r) => r.backend === b && r.block === kind);
  const results = backends.flatMap((b) =>
    ['fwd', 'train'].map((kind) => ({ name: `gpt-block-${kind}`, backend: b, ms: block(b, kind).s.median * 1e3, tokens_per_s: (B * T) / block(b, kind).s.median })),
  );
  for (const variant of backends.slice(1)) {
    const ratio = (kind) => (block('wasm', kind).s.median / block(variant, kind).s.median).toFixed(2);
    log(`${variant}/wasm (median time ratio, same rounds): GPT block forward ${ratio('fwd')}×, train step ${ratio('train')}×`);
  }
  if (backends.length > 1) log('');
  if (!torch) {
    log(withTorch ? `PyTorch: skipped (${PYTHON} has no torch)` : 'PyTorch: not asked for');
    return results;
  }
  log(`PyTorch ${torch.torch}, ${torch.threads} threads, BLAS: ${torch.blas}; ${torchRuns} timed runs after 1 warm-up`);
  const [m, k, n] = torch.matmul.shape;
  const prow = [
    { what: `torch.mm [${m}×${k}]·[${k}×${n}]`, s: torch.matmul, flops: torch.matmul.flops },
    { what: 'torch GPT block forward', s: torch.forward, flops: fwdFlops, tokens: B * T },
    { what: 'torch GPT block fwd+bwd (no Adam)', s: torch.train, flops: 3 * fwdFlops, tokens: B * T },
  ];
  log('what'.padEnd(42) + 'median ms'.padStart(11) + 'min'.padStart(9) + 'max'.padStart(9) + 'GFLOP/s'.padStart(9) + 'tokens/s'.padStart(10) + `vs ${backend}`.padStart(10));
  for (const [i, r] of prow.entries()) {
    const vs = i === 0 ? '' : `${(block(backend, i === 1 ? 'fwd' : 'train').s.median / r.s.median).toFixed(2)}×`;
    log(
      r.what.padEnd(42) +
        (r.s.median * 1e3).toFixed(0).padStart(11) +
        (r.s.min * 1e3).toFixed(0).padStart(9) +
        (r.s.max * 1e3).toFixed(0).padStart(9) +
        (r.flops / r.s.median / 1e9).toFixed(1).padStart(9) +
        (r.tokens ? (r.tokens / r.s.median).toFixed(0) : '').padStart(10) +
        vs.padStart(10),
    );
  }
  log(`("vs ${backend}": PyTorch\'s speed relative to tfjs ${backend} on the same block, > 1 means PyTorch is faster)`);
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchTfjs();
