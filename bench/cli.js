// Start-up of the command line as a user sees it: wall time of the real binary (`node bin/tfmc.js`)
// as a child process, from spawn to exit, for `tfmc --version` and `tfmc check specs/gpt2.tfm`,
// beside `node -e 0` (Node's own start, which no change to tfmc can remove).
//
// Timed like hyperfine, in interleaved rounds: every command runs once per round, in alternating
// order, after warm-up rounds (the OS file cache), so load from other work on this shared machine
// hits every command alike. Each figure is the median over the rounds, in milliseconds.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timingTable } from './table.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(root, 'bin', 'tfmc.js');

/** The commands timed: `name` is the entry of `node bench/run.js --json`; targets in ms (docs/performance.md). */
export const CLI_CASES = [
  { name: 'node-start', what: 'node -e 0 (Node itself, for scale)', argv: ['-e', '0'] },
  { name: 'cli-version', what: 'tfmc --version', argv: [BIN, '--version'], target: 150 },
  { name: 'cli-check', what: 'tfmc check specs/gpt2.tfm', argv: [BIN, 'check', 'specs/gpt2.tfm'], target: 400 },
];

export async function benchCli({ rounds = 15, warmup = 2, log = console.log } = {}) {
  const times = CLI_CASES.map(() => []);
  for (let round = -warmup; round < rounds; round++) {
    const order = CLI_CASES.map((_, i) => i);
    if (round % 2 !== 0) order.reverse();
    for (const i of order) {
      const c = CLI_CASES[i];
      const t0 = performance.now();
      const run = spawnSync(process.execPath, c.argv, { cwd: root, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
      const ms = performance.now() - t0;
      if (run.error) throw run.error;
      if (run.status !== 0) throw new Error(`\`${c.what}\` exited with ${run.status}:\n${run.stderr}`);
      if (round >= 0) times[i].push(ms);
    }
  }
  const rows = CLI_CASES.map((c, i) => {
    const s = [...times[i]].sort((a, b) => a - b);
    return { name: c.name, what: c.what, median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1], runs: s.length, target: c.target };
  });
  log(`tfmc start-up: wall time of the real binary as a child process (${rounds} interleaved rounds after ${warmup} warm-up rounds)`);
  log('');
  timingTable(log, 'what', rows, 0);
  return rows;
}
