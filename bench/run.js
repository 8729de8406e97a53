// `npm run bench`: parse+check time for every shipped spec and for a generated ~10,000-line spec.
// Each figure is the median of many timed runs after warm-up, in one process (compare side by side).
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFile, checkSource } from '../dist/index.js';
import { generateSpec } from './generate.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn, runs) {
  for (let i = 0; i < Math.min(5, runs); i++) fn(); // warm-up (JIT, std library cache)
  const ts = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { median: median(ts), min: Math.min(...ts), max: Math.max(...ts) };
}

const rows = [];
for (const f of readdirSync(join(root, 'specs')).filter((f) => f.endsWith('.tfm')).sort()) {
  const path = join(root, 'specs', f);
  const r = checkFile(path);
  if (r.diagnostics.length) throw new Error(`${f} does not check clean`);
  const t = time(() => checkFile(path), 40);
  rows.push({ what: `specs/${f} (${r.models.length} models)`, ...t, target: 5 });
}
const big = generateSpec(200);
const lines = big.split('\n').length;
const bigResult = checkSource(big, join(root, 'bench/generated.tfm'));
if (bigResult.diagnostics.some((d) => d.severity === 'error')) throw new Error('generated spec has errors:\n' + bigResult.diagnostics.map((d) => d.message).join('\n'));
const tb = time(() => checkSource(big, join(root, 'bench/generated.tfm')), 15);
rows.push({ what: `generated spec (${lines} lines, 200 blocks)`, ...tb, target: 200 });

console.log(`tfmc parse+check benchmark (node ${process.version}, ${new Date().toISOString()})`);
console.log('');
console.log('what'.padEnd(48) + 'median ms'.padStart(11) + 'min'.padStart(9) + 'max'.padStart(9) + 'target'.padStart(9) + '  ');
for (const r of rows) {
  const ok = r.median <= r.target ? 'ok' : 'SLOW';
  console.log(r.what.padEnd(48) + r.median.toFixed(2).padStart(11) + r.min.toFixed(2).padStart(9) + r.max.toFixed(2).padStart(9) + `< ${r.target}`.padStart(9) + '  ' + ok);
}
