/** The runtime is cut into declarations for `--standalone`; every IR op the executor runs has generated code. */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeClosure, runtimeDecls, runtimeExports, runtimeFileBody, runtimeFiles, runtimeSourceText, runtimeTypes } from '../../../src/backends/ts/runtime-source.js';
import * as runtime from '../../../src/runtime/index.js';

describe('runtime source', () => {
  it('the declarations cover every runtime file after its header and imports, and index.ts exports every file', () => {
    const text = runtimeSourceText();
    const decls = runtimeDecls();
    expect(decls.map((d) => d.text).join('\n\n')).toBe(text);
    expect(new Set(decls.map((d) => d.name)).size).toBe(decls.length);
    const dir = join(import.meta.dirname, '../../../src/runtime');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'index.ts').sort();
    expect([...runtimeFiles()].sort()).toEqual(files);
    for (const f of files) expect(text).toContain(runtimeFileBody(readFileSync(join(dir, f), 'utf8')));
  });

  it('its exports are what the module exports (values) plus its types', () => {
    const values = runtimeExports().filter((n) => !runtimeTypes().includes(n));
    expect(values.sort()).toEqual(Object.keys(runtime).sort());
  });

  it('a closure holds what a function calls, and nothing it only mentions in comments or as tf.*', () => {
    expect(runtimeClosure(['relativePositionBias']).map((d) => d.name)).toEqual(['gatherRows', 'relativePositionBucket', 'relativePositionBias']);
    expect(runtimeClosure(['softmax']).map((d) => d.name)).toEqual(['fusedKernel', 'softmax']);
    expect(runtimeClosure(['masked']).map((d) => d.name)).toEqual(['Mask', 'BLOCKED_SCORE', 'RuntimeError', 'maskBiases', 'masked', 'maskTerms']);
    expect(() => runtimeClosure(['nope'])).toThrow(/no declaration `nope`/);
  });
});
