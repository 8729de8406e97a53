#!/usr/bin/env node
/**
 * Copies the standard library (`src/std/*.tfm`) next to the compiled code (`dist/std/`), because
 * `tsc` only emits JavaScript and the compiler finds its std folder relative to its own module.
 * Run by `npm run build` after `tsc`. Plain Node, no dependencies; stale files are removed so a
 * deleted std module cannot linger in `dist/`.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'src', 'std');
const to = join(root, 'dist', 'std');

rmSync(to, { recursive: true, force: true });
mkdirSync(to, { recursive: true });

let files = [];
try {
  files = readdirSync(from).filter((name) => name.endsWith('.tfm'));
} catch (err) {
  if (err.code !== 'ENOENT') throw err; // no std folder yet: nothing to copy
}
for (const name of files) copyFileSync(join(from, name), join(to, name));
console.log(`copy-std: ${files.length} file${files.length === 1 ? '' : 's'} → dist/std/`);
