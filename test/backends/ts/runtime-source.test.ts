/** The runtime is cut into declarations for `--standalone`; every IR op the executor runs has generated code. */
import { describe, expect, it } from 'vitest';
import { runtimeClosure, runtimeDecls, runtimeExports, runtimeSourceText, runtimeTypes } from '../../../src/backends/ts/runtime-source.js';
import * as runtime from '../../../src/runtime/index.js';

describe('runtime source', () => {
  it('the declarations cover the whole file after the header and the import', () => {
    const text = runtimeSourceText();
    const decls = runtimeDecls();
    const body = text.slice(text.indexOf("import * as tf from '@tensorflow/tfjs';\n") + "import * as tf from '@tensorflow/tfjs';\n".length).trim();
    expect(decls.map((d) => d.text).join('\n\n')).toBe(body);
    expect(new Set(decls.map((d) => d.name)).size).toBe(decls.length);
  });

  it('its exports are what the module exports (values) plus its types', () => {
    const values = runtimeExports().filter((n) => !runtimeTypes().includes(n));
    expect(values.sort()).toEqual(Object.keys(runtime).sort());
  });

  it('a closure holds what a function calls, and nothing it only mentions in comments or as tf.*', () => {
    expect(runtimeClosure(['relativePositionBias']).map((d) => d.name)).toEqual(['gatherRows', 'relativePositionBucket', 'relativePositionBias']);
    expect(runtimeClosure(['softmax']).map((d) => d.name)).toEqual(['softmax']);
    expect(runtimeClosure(['masked']).map((d) => d.name)).toEqual(['Mask', 'BLOCKED_SCORE', 'RuntimeError', 'maskBiases', 'masked']);
    expect(() => runtimeClosure(['nope'])).toThrow(/no declaration `nope`/);
  });
});
