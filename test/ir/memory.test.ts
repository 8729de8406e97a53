import { describe, expect, it } from 'vitest';
import { memoryRefusal, parseByteSize, WASM_HEAP_BYTES } from '../../src/api/memory-check.js';
import { estimateMemory, formatBytes } from '../../src/ir/memory.js';
import { checkSource } from '../../src/index.js';

const model = (vocab: string) =>
  checkSource(`model M {\n  config {\n    vocab = ${vocab}\n    d = 16\n  }\n  input ids: int32[batch, seq] where seq <= 8\n  output y = Embedding(vocab, d)(ids)\n}\n`, 'memory.tfm').models[0];

describe('estimateMemory', () => {
  it('counts parameters at 4 bytes and activations at batch 1 and the bounded sequence', () => {
    const e = estimateMemory(model('1000'));
    expect(e.paramBytes).toBe(1000 * 16 * 4);
    expect(e.seq).toBe(8);
    expect(e.activationBytes).toBe(8 * 16 * 4);
    expect(e.largest?.shape).toEqual([1000, 16]);
  });

  it('refuses past the wasm heap, at the largest parameter, and passes a raised limit', () => {
    const ir = model('1_000_000_000');
    const d = memoryRefusal(ir, 'wasm');
    expect(d?.code).toBe('TFM4011');
    expect(d?.message).toContain(`more than the ${formatBytes(WASM_HEAP_BYTES)}`);
    expect(d?.primary.message).toContain('[1000000000, 16]');
    expect(memoryRefusal(ir, 'wasm', 1e12)).toBeUndefined();
    expect(memoryRefusal(model('1000'), 'wasm')).toBeUndefined();
  });
});

describe('parseByteSize', () => {
  it.each([
    ['123', 123],
    ['2e9', 2e9],
    ['64GB', 64e9],
    ['4GiB', 4 * 1024 ** 3],
    ['512m', 512e6],
    ['none', Infinity],
  ])('%s', (text, bytes) => expect(parseByteSize(text)).toBe(bytes));
  it.each(['', 'lots', '-1GB', '0', '1e999'])('refuses %j', (text) => expect(parseByteSize(text)).toBeUndefined());
});
