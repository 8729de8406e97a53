/**
 * The README's JavaScript example runs as printed: the ```js block, as a module in a fresh folder
 * where `tfmc` is this package (as `npm install tfmc` would make it) and `examples/reverse.tfm` is
 * the shipped spec.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'tfmc-readme-js-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README', () => {
  it('its JavaScript example runs as printed: it trains, evaluates, generates, saves and reloads', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
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
