// `node bench/train-memory.js SPEC MODEL BATCH SEQ [BACKEND] [STEPS] [key=value,...]` (after `npm run build`):
// the wasm heap a training step needs, measured, beside the estimate `tfmc train` checks before
// it starts (`estimateTrainingMemory`, src/ir/memory.ts). STEPS (default 2) Adam steps with
// clipping on random token ids (the last argument: --set overrides), in a fresh process: the heap never shrinks, so its size at the end
// is the peak (what the allocator asked of the 4 GiB, fragmentation and growth slack included).
// Prints one JSON line. Used by test/cli/train-memory.test.ts and docs/performance.md.
import { checkFile, compile } from '../dist/index.js';
import { estimateTrainingMemory } from '../dist/ir/memory.js';
import { tf } from '../dist/backends/tfjs/index.js';

const [spec, modelName, batchArg, seqArg, backend = 'native', stepsArg = '2', setArg = ''] = process.argv.slice(2);
const [batch, seq, steps] = [Number(batchArg), Number(seqArg), Number(stepsArg)];
const overrides = Object.fromEntries(setArg.split(',').filter(Boolean).map((kv) => kv.split('=')));
const ir = checkFile(spec, { model: modelName, overrides }).models.find((m) => m.name === modelName);
if (!ir) throw new Error(`${spec} has no model ${modelName} that checks clean`);
const estimate = estimateTrainingMemory(ir, batch, seq, { fusedKernels: backend === 'native' });
const heap = () => tf.backend().wasm.HEAPU8.byteLength;
const model = await compile(spec, { model: modelName, overrides, backend, seed: 1 });
// The bytes of live tensor data, and their peak, by wrapping the wasm backend's allocation and
// release (BackendWasm.move and .disposeData): the heap minus fragmentation and growth slack.
const wasmBackend = tf.backend();
const sizes = new Map();
let live = 0;
let livePeak = 0;
const move = wasmBackend.move.bind(wasmBackend);
wasmBackend.move = (dataId, values, shape, dtype, refCount) => {
  move(dataId, values, shape, dtype, refCount);
  const bytes = shape.reduce((a, b) => a * b, 1) * (dtype === 'bool' ? 1 : 4);
  sizes.set(dataId, bytes);
  live += bytes;
  livePeak = Math.max(livePeak, live);
};
const disposeData = wasmBackend.disposeData.bind(wasmBackend);
wasmBackend.disposeData = (dataId, force) => {
  const freed = disposeData(dataId, force);
  if (freed && sizes.has(dataId)) {
    live -= sizes.get(dataId);
    sizes.delete(dataId);
  }
  return freed;
};
// The weights were allocated before the wrap.
for (const v of Object.values(model.getWeights())) {
  sizes.set(v.dataId, v.size * 4);
  live += v.size * 4;
}
const vocab = Number(model.config.vocab ?? 100);
const afterCompile = heap();
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
const t0 = performance.now();
for (let s = 0; s < steps; s++) {
  const ids = Array.from({ length: batch }, () => Array.from({ length: seq }, () => Math.floor(rand() * vocab)));
  model.trainStep({ [model.inputNames[0]]: ids }, { clipNorm: 1 });
}
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ spec, model: modelName, overrides, backend, batch, seq, steps, seconds: +seconds.toFixed(2), heapAfterCompile: afterCompile, heapPeak: heap(), livePeak, estimate }));
model.dispose();
