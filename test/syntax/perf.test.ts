/**
 * Parse time grows linearly with input, for valid specs and for garbage alike. Absolute budgets
 * here are loose guards for slow CI machines; see grammar/README.md for measured timings.
 */
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/syntax/parse.js';
import { GPT2 } from './helpers.js';

function specOfLines(lines: number): string {
  const parts: string[] = [];
  let count = 0;
  for (let i = 0; count < lines; i++) {
    const copy = GPT2.replace(/Gpt2Small/g, `Small${i}`).replace(/Gpt2Tiny/g, `Tiny${i}`).replace(/FeedForward/g, `Ff${i}`);
    parts.push(copy);
    count += copy.split('\n').length - 1;
  }
  return parts.join('');
}

function garbage(chars: number): string {
  const toks = ['model', 'block', 'let', 'x', '=', '(', ')', '{', '}', '[', ']', ',', '1', '+', 'in', ':', 'mask', '"s"', '\n', '#'];
  let seed = 7;
  const random = () => {
    // mulberry32: a small deterministic generator
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let out = '';
  while (out.length < chars) out += toks[Math.floor(random() * toks.length)] + ' ';
  return out;
}

/** Best of two runs, in milliseconds. */
function time(text: string): number {
  let best = Infinity;
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    parse(text, 'perf.tfm');
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

describe('parse time', () => {
  it('a spec: linear in its size', () => {
    const small = specOfLines(1_000);
    const big = specOfLines(4_000);
    expect(parse(big, 'perf.tfm').diagnostics).toEqual([]);
    time(small); // warm up
    const tBig = time(big);
    expect(tBig).toBeLessThan(2_000);
    expect(tBig / Math.max(time(small), 5)).toBeLessThan(12);
  });

  it('garbage: linear in its size', () => {
    const small = garbage(10_000);
    const big = garbage(40_000);
    time(small); // warm up
    const tBig = time(big);
    expect(tBig).toBeLessThan(3_000);
    expect(tBig / Math.max(time(small), 5)).toBeLessThan(12);
    expect(parse(big, 'perf.tfm').diagnostics.length).toBeGreaterThan(100);
  });
});
