/**
 * docs/architecture.md describes the code as it is: the kernel it shows is the one in the op's
 * file, the folders of its layer table are the folders of src/, and the layers it lists are the
 * ones the dependency-cruiser configuration enforces, in the same order.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('docs/architecture.md', () => {
  it('shows an op declaration exactly as its op file has it', () => {
    const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => !b.startsWith('export const kernels'));
    expect(blocks.length).toBeGreaterThan(0);
    const files = readdirSync(join(ROOT, 'src/ir/ops')).map((f) => readFileSync(join(ROOT, 'src/ir/ops', f), 'utf8'));
    for (const block of blocks) expect(files.some((text) => squash(text).includes(squash(block))), block.slice(0, 60)).toBe(true);
  });

  it('shows a kernel exactly as its op file has it', () => {
    const snippet = /```ts\n(export const kernels[\s\S]*?)```/.exec(doc)?.[1];
    expect(snippet).toBeDefined();
    const op = /^\s+([a-z_]+): \{/m.exec(snippet!)![1];
    const files = readdirSync(join(ROOT, 'src/ir/ops')).map((f) => readFileSync(join(ROOT, 'src/ir/ops', f), 'utf8'));
    const body = squash(snippet!.slice(snippet!.indexOf(`${op}: {`)).replace(/\};\s*$/, ''));
    expect(files.some((text) => squash(text).includes(body)), `the ${op} kernel in the doc is not in src/ir/ops`).toBe(true);
  });

  it('names every folder of src/ in its layer table, and the layers in the enforced order', () => {
    const table = doc.slice(doc.indexOf('| layer | folder |'), doc.indexOf('Why these rules'));
    const folders = readdirSync(join(ROOT, 'src')).filter((f) => statSync(join(ROOT, 'src', f)).isDirectory() && f !== 'std');
    for (const f of folders) expect(table, f).toContain(`\`src/${f}/`);
    const documented = [...table.matchAll(/^\| ([a-z ]+) \| `src\//gm)].map((m) => m[1]);
    const config = createRequire(import.meta.url)(join(ROOT, '.dependency-cruiser.cjs'));
    const enforced = config.forbidden.filter((r: { name: string }) => r.name.startsWith('no-upward-import-from-')).map((r: { name: string }) => r.name.replace('no-upward-import-from-', '').replace(/-/g, ' '));
    // The top layer has nothing above it, so it has no rule of its own.
    expect(documented.slice(0, -1)).toEqual(enforced);
  });
});
