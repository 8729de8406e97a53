/**
 * The workspace's files in Node: the disk, with the standard library in `../std` next to this
 * module (`src/std`, or `dist/std` once built). The playground's browser build
 * (`playground/build.mjs`) puts a module over embedded text in this one's place, so the browser
 * bundle holds no `node:fs`.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSource } from '../util/read-source.js';
import type { SpecHost } from './spec-host.js';

const stdDir = resolve(dirname(fileURLToPath(import.meta.url)), '../std');

export const defaultHost: SpecHost = {
  stdDir,
  stdFiles: () =>
    existsSync(stdDir)
      ? readdirSync(stdDir)
          .filter((f) => f.endsWith('.tfm'))
          .sort()
          .map((name) => ({ name, text: readFileSync(join(stdDir, name), 'utf8') }))
      : [],
  readSource: (path) => readSource(path),
  isFile: (path) => {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  },
  exists: (path) => existsSync(path),
  realPath: (path) => {
    try {
      return realpathSync(path);
    } catch {
      return path;
    }
  },
};
