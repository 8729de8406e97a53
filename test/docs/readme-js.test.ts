/**
 * The README's JavaScript example, and the opening example of docs/api.md, run as printed: each
 * ```js block as a module in a fresh folder where `tfmc` is this package (as `npm install tfmc`
 * would make it) and the shipped specs are where the examples name them.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fencedBlocks } from '../helpers/markdown.js';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'tfmc-readme-js-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README', () => {
  it('its JavaScript example runs as printed: it trains, evaluates, generates, saves and reloads', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const blocks = fencedBlocks(readme, 'js');
    expect(blocks).toHaveLength(1);
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'tfmc'), 'dir');
    cpSync(join(ROOT, 'examples', 'reverse.tfm'), join(dir, 'examples', 'reverse.tfm'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
    writeFileSync(join(dir, 'example.js'), blocks[0]);
    const run = spawnSync(process.execPath, ['example.js'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/loss/);
    expect(existsSync(join(dir, 'ckpt', 'reverse', 'manifest.json'))).toBe(true);
  }, 150_000);
});

describe('docs/api.md', () => {
  it('its opening example runs as printed: predict, trainStep, two fits, evaluate, generate, save, load', () => {
    const doc = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');
    const first = fencedBlocks(doc, 'js')[0];
    const here = mkdtempSync(join(tmpdir(), 'tfmc-api-js-'));
    try {
      mkdirSync(join(here, 'node_modules'));
      symlinkSync(ROOT, join(here, 'node_modules', 'tfmc'), 'dir');
      cpSync(join(ROOT, 'specs', 'transformer.tfm'), join(here, 'specs', 'transformer.tfm'));
      writeFileSync(join(here, 'package.json'), '{ "type": "module", "private": true }\n');
      writeFileSync(join(here, 'example.js'), first);
      const run = spawnSync(process.execPath, ['example.js'], { cwd: here, encoding: 'utf8', timeout: 120_000 });
      expect(run.stderr).not.toMatch(/Error/);
      expect(run.status).toBe(0);
      expect(existsSync(join(here, 'checkpoints', 'tiny', 'manifest.json'))).toBe(true);
      expect(existsSync(join(here, 'checkpoints', 'best', 'manifest.json'))).toBe(true);
    } finally {
      rmSync(here, { recursive: true, force: true });
    }
  }, 150_000);
});
