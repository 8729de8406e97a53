#!/usr/bin/env node
/**
 * `npm run build:native` (also run after `npm install` and by `npm test`): builds the native
 * backend's addon (native/binding.gyp → native/build/Release/tfmc_native.node) with node-gyp.
 *
 * It never fails an install: without a compiler, BLAS or Node headers it prints one line saying
 * what is missing and exits 0, and tfmc keeps using the wasm backend (`--backend native` then
 * says the same). Node's headers are taken from the installation running this script when it has
 * them (Debian's nodejs puts them in /usr/include/node), so nothing is downloaded; elsewhere
 * node-gyp fetches them as usual. The build is skipped when the addon is newer than its sources.
 *
 *   node scripts/build-native.mjs           build if out of date
 *   node scripts/build-native.mjs --force   rebuild
 *   node scripts/build-native.mjs --strict  exit 1 when the build fails (for CI scripts that want it)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const NATIVE = join(ROOT, 'native');
const ADDON = join(NATIVE, 'build', 'Release', 'tfmc_native.node');
const LOG = join(NATIVE, 'build-native.log');
const INSTALL_HINT = 'install a C++ compiler and OpenBLAS (Debian/Ubuntu: apt-get install build-essential libopenblas-dev python3; macOS: Xcode command line tools), then run `npm run build:native`';

const args = process.argv.slice(2);
const force = args.includes('--force');
const strict = args.includes('--strict');

function newestSource() {
  const files = [join(NATIVE, 'binding.gyp'), ...readdirSync(join(NATIVE, 'src')).map((f) => join(NATIVE, 'src', f))];
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

/** node-gyp: the one npm runs scripts with, else the one bundled with npm next to this node, else from node_modules or the PATH. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally
  }
  const found = candidates.find((c) => c && existsSync(c));
  return found ? [process.execPath, found] : ['node-gyp'];
}

/** The prefix of this node's own headers (`<prefix>/include/node/node_api.h`), if it has them. */
function localNodeDir() {
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

/** The most useful single reason from node-gyp's output. */
function reason(output) {
  if (/cblas\.h: No such file/.test(output)) return 'no BLAS headers (cblas.h)';
  if (/cannot find -lopenblas/.test(output)) return 'no OpenBLAS library';
  const header = /fatal error: ([\w./-]+): No such file/.exec(output);
  if (header) return `missing header ${header[1]}`;
  if (/(g\+\+|c\+\+|make): (command )?not found|spawn (make|g\+\+|c\+\+) ENOENT|not found: make/.test(output)) return 'no C++ compiler or make';
  // A compiler named by CC/CXX (or found by gyp) that does not exist: gyp's Python, or make, says which.
  const tool = /FileNotFoundError: .*No such file or directory: '([^']+)'/.exec(output) ?? /make(?:\[\d+\])?: ([^\s:]+): (?:No such file or directory|Command not found)/.exec(output);
  if (tool) return `no compiler at ${tool[1]} (set CC/CXX, or install build-essential)`;
  if (/Could not find any Python|Can't find Python/.test(output)) return 'no python3 (node-gyp needs it)';
  if (/Cannot find module 'node-addon-api'|node-addon-api/.test(output) && /Cannot find module/.test(output)) return 'node-addon-api is not installed';
  if (/\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED)\b/.test(output) || /gyp ERR! stack Error: .*download/i.test(output)) return 'Node headers could not be downloaded';
  const line = output.split('\n').find((l) => /error/i.test(l));
  return line ? line.trim().slice(0, 160) : 'node-gyp failed';
}

function main() {
  if (!force && existsSync(ADDON) && statSync(ADDON).mtimeMs >= newestSource()) return 0;
  const [cmd, ...pre] = nodeGyp();
  const nodedir = localNodeDir();
  const run = spawnSync(cmd, [...pre, 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])], { cwd: NATIVE, encoding: 'utf8' });
  const output = `${run.stdout ?? ''}\n${run.stderr ?? ''}\n${run.error ? String(run.error) : ''}`;
  writeFileSync(LOG, output);
  if (run.status === 0 && existsSync(ADDON)) {
    console.error('tfmc: built the native backend (native/build/Release/tfmc_native.node)');
    return 0;
  }
  const why = run.error ? 'node-gyp could not be run' : reason(output);
  console.error(`tfmc: native backend not built (${why}; log: native/build-native.log); the wasm backend is used: to build it, ${INSTALL_HINT}`);
  return strict ? 1 : 0;
}

process.exit(main());
