#!/usr/bin/env node
/**
 * `npm run smoke:fresh`: the README, followed by a newcomer on a fresh clone.
 *
 * Clones this repository's committed state (HEAD; uncommitted changes are not in it) into a
 * temporary folder and runs, in the clone, the shell commands of README.md's sections "Set up",
 * "Install" and "A 30-second tour" (every ```sh block, in order), as printed: they are read from
 * the clone's README.md, not written here. Each line runs in a fresh `bash -e -o pipefail -c` from
 * the clone's root and must exit 0, or the status its comment names (`# exits 1: ...`). `npm
 * install -g` goes to a temporary prefix (NPM_CONFIG_PREFIX, its bin first on the PATH) and
 * `mktemp` to a temporary TMPDIR, so nothing outside the temporary folder changes; npm's cache is
 * the user's. Stops at the first command that fails, keeping the folder to look at; on success
 * removes it. Ends with the line `smoke:fresh: N passed, N failed`.
 *
 *   node scripts/smoke-fresh.mjs           run it (about 10 minutes: two npm ci and npm test)
 *   node scripts/smoke-fresh.mjs --list    only print the commands it would run (from HEAD's README)
 *   node scripts/smoke-fresh.mjs --keep    keep the temporary folder also on success
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fencedBlocks, markdownSection } from './markdown.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECTIONS = ['Set up', 'Install', 'A 30-second tour'];

/** The commands of the ```sh blocks of `text`: one per line (a trailing `\` joins lines), comments and blank lines skipped. */
export function commands(text) {
  const out = [];
  for (const block of fencedBlocks(text, 'sh')) {
    let pending = '';
    for (const line of block.split('\n')) {
      if (line.endsWith('\\')) {
        pending += line.slice(0, -1) + ' ';
        continue;
      }
      const command = (pending + line).trim();
      pending = '';
      if (command && !command.startsWith('#')) out.push(command);
    }
  }
  return out;
}

/** The exit status a command's comment promises (`# exits 1: ...`), else 0. */
export function expectedStatus(command) {
  const m = /#.*\bexits (\d+)\b/.exec(command);
  return m ? Number(m[1]) : 0;
}

/** Every command of the README's newcomer sections, with the section it is in. */
export function readmeCommands(readme) {
  return SECTIONS.flatMap((title) => {
    const list = commands(markdownSection(readme, title));
    if (list.length === 0) throw new Error(`README.md's "${title}" has no \`\`\`sh commands`);
    return list.map((command) => ({ section: title, command, status: expectedStatus(command) }));
  });
}

function main(argv) {
  const head = execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  if (argv.includes('--list')) {
    const readme = execFileSync('git', ['-C', ROOT, 'show', `${head}:README.md`], { encoding: 'utf8' });
    for (const c of readmeCommands(readme)) console.log(`[${c.section}] ${c.command}${c.status ? `   (expects exit ${c.status})` : ''}`);
    return 0;
  }
  const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain'], { encoding: 'utf8' }).trim();
  if (dirty) console.log(`smoke:fresh: note: ${dirty.split('\n').length} uncommitted change(s) are not tested; the clone is ${head.slice(0, 12)}`);

  const tmp = mkdtempSync(join(tmpdir(), 'tfmc-smoke-'));
  const clone = join(tmp, 'tfmc');
  const prefix = join(tmp, 'npm-global');
  const tmpDir = join(tmp, 'tmp');
  mkdirSync(prefix);
  mkdirSync(tmpDir);
  console.log(`smoke:fresh: cloning ${head.slice(0, 12)} into ${clone}`);
  execFileSync('git', ['clone', '--quiet', '--no-checkout', ROOT, clone], { stdio: 'inherit' });
  execFileSync('git', ['-C', clone, 'checkout', '--quiet', '--detach', head], { stdio: 'inherit' });

  const list = readmeCommands(readFileSync(join(clone, 'README.md'), 'utf8'));
  const env = {
    ...process.env,
    NPM_CONFIG_PREFIX: prefix,
    PATH: [join(prefix, 'bin'), process.env.PATH].join(':'),
    TMPDIR: tmpDir,
    npm_config_update_notifier: 'false',
  };
  const results = [];
  for (const { section: where, command, status: expected } of list) {
    console.log(`\n━━ [${where}] $ ${command}`);
    const started = Date.now();
    const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', command], { cwd: clone, env, stdio: 'inherit' });
    const seconds = (Date.now() - started) / 1000;
    const ok = r.status === expected;
    results.push({ where, command, ok, seconds, status: r.status ?? r.signal });
    console.log(`━━ ${ok ? 'ok' : 'FAILED'}: exit ${r.status ?? r.signal}${expected ? ` (expected ${expected})` : ''}, ${seconds.toFixed(1)} s`);
    if (!ok) break;
  }

  console.log('\nsmoke:fresh summary:');
  for (const r of results) console.log(`  ${r.ok ? 'ok    ' : 'FAILED'} ${r.seconds.toFixed(1).padStart(6)} s  [${r.where}] ${r.command}`);
  const failed = results.filter((r) => !r.ok).length;
  const skipped = list.length - results.length;
  if (failed || argv.includes('--keep')) console.log(`the clone and its outputs stay in ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
  console.log(`smoke:fresh: ${results.length - failed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
