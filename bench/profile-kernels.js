// The shared loop of bench/profile-block.js and bench/profile-train.js: runs `step` once to warm
// up, then profiles it `runs` times with tf.profile and sums each kernel's wall time by `keyOf`
// (scopes such as customGrad left out: their kernels are counted). Returns the rows, slowest
// first, as [key, { ms, calls }] per run, and the mean profiled wall time of a run.
import { tf } from '../dist/backends/tfjs/index.js';

export async function profileKernels(step, { runs = 3, keyOf = (k) => k.name } = {}) {
  step();
  const byKey = new Map();
  let total = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const info = await tf.profile(step);
    total += performance.now() - t0;
    for (const k of info.kernels.filter((k) => !k.name.includes('scope'))) {
      const ms = await k.kernelTimeMs;
      const key = keyOf(k);
      const e = byKey.get(key) ?? { ms: 0, calls: 0 };
      e.ms += ms / runs;
      e.calls += 1 / runs;
      byKey.set(key, e);
    }
  }
  return { rows: [...byKey.entries()].sort((a, b) => b[1].ms - a[1].ms), wallMs: total / runs };
}
