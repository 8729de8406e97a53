// `npm run fuzz -- --count N [--seed S] [--keep]`: the soak (scripts/fuzz/soak.mjs) against the
// built package (`dist/`, which `npm run fuzz` builds first). N random valid specs and N mutated
// specs (of the shipped specs and examples, and of generated ones) through check → compile
// (ts, pytorch) → tfjs forward. Prints the counts; exits 1 on an internal error, a half-written
// output or a refused valid spec, keeping their folders (and printing where). docs/limits.md.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { checkSource, compile, GenerationError, ModelInputError, ModelRuntimeError, TfmcCompileError, TfmcUserError } from '../dist/index.js';
import { runCompile } from '../dist/cli/compile.js';
import { evalDim } from '../dist/ir/dims.js';
import { totalParams } from '../dist/ir/types.js';
import { selectBackend } from '../dist/tfjs.js';
import { report, soak } from './fuzz/soak.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const options = { count: 100, seed: 1, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--keep') options.keep = true;
    else if (a === '--count' || a === '--seed') {
      const n = Number(argv[++i]);
      if (!Number.isSafeInteger(n) || n < (a === '--count' ? 1 : 0)) usage(`${a} takes a whole number${a === '--count' ? ' ≥ 1' : ''}`);
      options[a.slice(2)] = n;
    } else usage(`unknown argument \`${a}\``);
  }
  return options;
}

function usage(message) {
  process.stderr.write(`error: ${message}\nusage: npm run fuzz -- [--count N] [--seed S] [--keep]\n`);
  process.exit(2);
}

/** The shipped specs and examples, their imports made absolute so that a mutated copy elsewhere still finds them. */
function seedSpecs() {
  const folders = ['specs', 'examples', 'examples/blocks', 'test/fixtures/parity'];
  return folders.flatMap((folder) =>
    readdirSync(join(root, folder))
      .filter((f) => f.endsWith('.tfm'))
      .sort()
      .map((f) => {
        const path = join(root, folder, f);
        const text = readFileSync(path, 'utf8').replace(/^(\s*import\s+)"([^"]+)"/gm, (_, head, rel) => `${head}${JSON.stringify(resolve(dirname(path), rel))}`);
        return { path, text };
      }),
  );
}

const options = parseArgs(process.argv.slice(2));
await selectBackend('cpu');
const work = mkdtempSync(join(tmpdir(), 'tfmc-fuzz-'));
const started = performance.now();
process.stderr.write(`fuzzing ${options.count} valid and ${options.count} mutated specs (seed ${options.seed}) in ${work}\n`);
const stats = await soak({
  count: options.count,
  seed: options.seed,
  work,
  seeds: seedSpecs(),
  api: { checkSource, runCompile, compile, evalDim, totalParams, tf, userErrors: [TfmcUserError, TfmcCompileError, ModelInputError, ModelRuntimeError, GenerationError] },
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${report(stats, (performance.now() - started) / 1000)}\n`);
for (const f of stats.failures) process.stdout.write(`\n${f.what}: ${f.dir}/spec.tfm${f.edits.length ? ` (${f.edits.join('; ')})` : ''}\n${f.message}\n`);
if (stats.refusals.length) process.stdout.write(`\nrefused by a target or the forward pass (first 20 of ${stats.refusals.length}):\n${stats.refusals.slice(0, 20).join('\n')}\n`);
const failed = stats.internalErrors > 0 || stats.halfWritten > 0 || stats.failures.length > 0;
if (failed || options.keep) process.stderr.write(`specs kept in ${work}\n`);
else rmSync(work, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
