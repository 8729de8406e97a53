/**
 * The tfjs backend implements exactly the IR ops the compiler emits: every op name emitted in
 * src/ir/ops/*.ts has an implementation, and every implementation is for an emitted op.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OP_IMPLS } from '../../../src/backends/tfjs/ops/index.js';
import { ROOT } from './helpers.js';

function emittedOpNames(): Set<string> {
  const dir = join(ROOT, 'src/ir/ops');
  const names = new Set<string>();
  const patterns: Array<[RegExp, (m: string) => string]> = [
    [/ctx\.emit\(\s*'([a-z_0-9]+)'/g, (m) => m],
    [/one\(ctx, '([a-z_0-9]+)'/g, (m) => m],
    // Families whose op name is a parameter of a factory (`activation('gelu', ...)`, `recurrent('LSTM', ...)`).
    [/\b(?:activation|softmaxLike|binary)\('([a-z_0-9]+)'/g, (m) => m],
    [/\brecurrent\('([A-Za-z]+)'/g, (m) => m.toLowerCase()],
  ];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const [re, map] of patterns) for (const m of text.matchAll(re)) names.add(map(m[1]));
  }
  return names;
}

describe('op coverage', () => {
  const emitted = emittedOpNames();
  it('finds the emitted op names', () => {
    expect(emitted.size).toBeGreaterThanOrEqual(40);
    for (const name of ['linear', 'masked', 'causal_mask', 'gelu', 'log_softmax', 'add', 'lstm', 'relative_position_bias']) expect(emitted).toContain(name);
  });
  it('every emitted op has a tfjs implementation', () => {
    expect([...emitted].filter((n) => !OP_IMPLS.has(n)).sort()).toEqual([]);
  });
  it('every tfjs implementation is for an emitted op', () => {
    expect([...OP_IMPLS.keys()].filter((n) => !emitted.has(n)).sort()).toEqual([]);
  });
});
