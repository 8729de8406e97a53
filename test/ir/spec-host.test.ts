/**
 * The workspace reads through a SpecHost: in Node the disk (default-host.ts); in the browser
 * playground `memoryHost`, whose standard library is text given to it. Checked through a memory
 * host holding the std files' text, a spec means what it means on disk; the std really comes from
 * the host; and an import of another file is reported, not read from the disk.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryHost } from '../../src/ir/spec-host.js';
import { totalParams } from '../../src/ir/types.js';
import { STD_DIR } from '../../src/ir/workspace.js';
import { checkSource } from '../../src/pipeline/check-spec.js';

const ROOT = join(import.meta.dirname, '../..');
const std = readdirSync(STD_DIR)
  .filter((f) => f.endsWith('.tfm'))
  .map((name) => ({ name, text: readFileSync(join(STD_DIR, name), 'utf8') }));
const summary = (r: ReturnType<typeof checkSource>) => ({
  diagnostics: r.diagnostics.map((d) => `${d.code} ${d.message}`),
  models: r.models.map((m) => [m.name, totalParams(m), m.nodes.length]),
});

describe('memoryHost', () => {
  it('checks a spec as the disk does, with the std given as text', () => {
    for (const spec of ['specs/gpt2.tfm', 'specs/vit.tfm', 'specs/t5.tfm', 'playground/examples/tiny-gpt.tfm']) {
      const text = readFileSync(join(ROOT, spec), 'utf8');
      const onDisk = checkSource(text, '/playground/spec.tfm', { workspaceRoot: '/playground' });
      const inMemory = checkSource(text, '/playground/spec.tfm', { workspaceRoot: '/playground', host: memoryHost(std) });
      expect(inMemory.models.length, spec).toBeGreaterThan(0);
      expect(summary(inMemory), spec).toEqual(summary(onDisk));
      expect([...inMemory.sources.keys()].filter((p) => p.startsWith('/tfmc/std/')).length, spec).toBe(std.length);
    }
  });

  it('reads the standard library from the host only: without it, std blocks are unknown names', () => {
    const text = readFileSync(join(ROOT, 'playground/examples/tiny-gpt.tfm'), 'utf8');
    const r = checkSource(text, '/playground/spec.tfm', { workspaceRoot: '/playground', host: memoryHost([]) });
    expect(r.models).toEqual([]);
    expect(r.diagnostics.some((d) => d.severity === 'error' && d.message.includes('DecoderLayer'))).toBe(true);
  });

  it('reports an import of a file it does not hold, and resolves std imports against its own std folder', () => {
    const r = checkSource('import "other.tfm"\nimport "std/layers.tfm"\nimport "std/nope.tfm"\n', '/playground/spec.tfm', { workspaceRoot: '/playground', host: memoryHost(std) });
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['TFM2013', 'cannot find `other.tfm`'],
      ['TFM2013', 'the standard library has no `std/nope.tfm`'],
    ]);
  });
});
