/**
 * Issue 15, items 1–6: inputs that used to be accepted wrongly, hang, or die with an internal
 * error are refused with a coded, located diagnostic — exit 1, a `TFMxxxx` code, no stack trace,
 * no "this is a bug in tfmc". Each case reproduces the original failure through the real binary.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoStackTrace, tfmc, type Run } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-limits-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function spec(name: string, text: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The refusal contract: exit 1, the code in the output, nothing that looks like a crash. */
function expectRefusal(run: Run, code: string): void {
  expect(run.stdout + run.stderr).toContain(code);
  expect(run.status).toBe(1);
  expectNoStackTrace(run);
  expect(run.stdout + run.stderr).not.toMatch(/bug in tfmc/i);
}

const layerNorm = (config: string) => `model M {
  config {
    d = 16
${config}
  }
  input x: float32[batch, d]
  output y = LayerNorm(d, eps: eps)(x)
}
`;

describe('5. numbers out of range', () => {
  it('refuses `1e309` (was read as infinity) where it is written', () => {
    const run = tfmc(['check', spec('inf.tfm', layerNorm('    eps = 1e309'))]);
    expectRefusal(run, 'TFM1008');
    expect(run.stdout).toContain('inf.tfm:4:11');
  });

  it('refuses an integer literal past 2^53 − 1 (was silently rounded)', () => {
    const run = tfmc(['check', spec('big-int.tfm', layerNorm('    eps = 1e-5\n    vocab = 9007199254740993'))]);
    expectRefusal(run, 'TFM1008');
    expect(run.stdout).toContain('9007199254740993');
  });

  it('refuses config arithmetic whose result rounds (`2^53 + 1`) or is infinite', () => {
    const run = tfmc(['check', spec('arith.tfm', layerNorm('    eps = 1e-5\n    big = 2 ^ 52 * 2 + 1\n    lr = 10.0 ^ 400\n    z = eps * big * lr'))]);
    expectRefusal(run, 'TFM4008');
    expect(run.stdout).toContain('`10.0 ^ 400` is infinite');
  });

  it.each([['eps=1e999'], ['eps=nan'], ['eps=inf'], ['eps=-Infinity'], ['d=99999999999999999'], ['eps=1e-400']])('refuses `--set %s`', (set) => {
    const run = tfmc(['check', spec('set.tfm', layerNorm('    eps = 1e-5')), '--set', set]);
    expectRefusal(run, 'TFM4005');
  });
});

// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
const linear = (extra: string) => `model M {
  config {
    d = 16
  }
${extra}
  input x: float32[batch, d]
  output y = Linear(d)(x)
}
`;

describe('6. control characters, bidi overrides and invalid UTF-8', () => {
  it('refuses a bidi override in the code and in a string, allows one in a comment, and never prints it raw', () => {
    const run = tfmc(['check', spec('bidi.tfm', linear('  // a comment may hold \u202e freely\n  let s = "user\u202e // admin"\n  let \u2066t = 1'))]);
    expectRefusal(run, 'TFM1009');
    expect(run.stdout).toContain('in a string');
    expect(run.stdout).toContain('in the code');
    expect(run.stdout.match(/error\[TFM1009\]/g)).toHaveLength(2); // not the comment
    expect(run.stdout).not.toMatch(RAW);
    expect(run.stdout).toContain('\\u{202e}');
  });

  it('escapes a terminal escape sequence that a spec puts into a message (human and JSON)', () => {
    const file = spec('esc.tfm', 'import "x\\u{1b}]0;pwned\\u{7}\\u{1b}[2J.tfm"\n' + linear(''));
    const human = tfmc(['check', file]);
    expectRefusal(human, 'TFM2013');
    expect(human.stdout).not.toMatch(RAW);
    expect(human.stdout).toContain('x\\u{1b}]0;pwned\\u{7}');
    const json = tfmc(['check', file, '--format', 'json']);
    expect(json.stdout).not.toMatch(RAW);
    expect(JSON.parse(json.stdout).diagnostics[0].message).toContain('x\u001b]0;pwned\u0007');
  });

  it('refuses a file that is not UTF-8 (was decoded to U+FFFD silently), at the first bad byte', () => {
    const run = tfmc(['check', spec('latin1.tfm', Buffer.concat([Buffer.from('model M {\n  // caf'), Buffer.from([0xe9]), Buffer.from('\n}\n')]))]);
    expectRefusal(run, 'TFM1010');
    expect(run.stdout).toContain('latin1.tfm:2:9');
  });
});

describe('2. the expanded graph is bounded, not each stack', () => {
  it('refuses `repeat 1000 { repeat 1000 { Linear(d) } }` at the outer stack with the expanded count, at once (was 14 s and 1.5 GB)', () => {
    const started = performance.now();
    const text = linear('').replace('output y = Linear(d)(x)', 'let stack = repeat 1000 { repeat 1000 { Linear(d) } }\n  output y = stack(x)');
    const run = tfmc(['check', spec('nested.tfm', text)]);
    expectRefusal(run, 'TFM4010');
    expect(run.stdout).toContain('1,000,000 layers (1,000 × 1,000)');
    expect(run.stdout).toMatch(/nested\.tfm:7:15/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('counts stacks nested through a block', () => {
    const text = `block Deep(d: int) {\n  in x: float32[batch, d]\n  out repeat 200 { Linear(d) }(x)\n}\n` + linear('').replace('output y = Linear(d)(x)', 'output y = repeat 100 { Deep(d) }(x)');
    const run = tfmc(['check', spec('through-block.tfm', text)]);
    expectRefusal(run, 'TFM4010');
    expect(run.stdout).toContain('20,000 layers (100 × 200)');
  });

  it('refuses a graph past TFMC_MAX_GRAPH_NODES, built from stacks each within the layer limit', () => {
    const stacks = Array.from({ length: 4 }, (_, i) => `  let h${i + 1} = repeat 100 { Linear(d) }(h${i})`).join('\n');
    const text = linear('').replace('output y = Linear(d)(x)', `let h0 = x\n${stacks}\n  output y = h4`);
    const file = spec('many-stacks.tfm', text);
    expect(tfmc(['check', file]).status).toBe(0);
    const run = tfmc(['check', file], { env: { TFMC_MAX_GRAPH_NODES: '250' } });
    expectRefusal(run, 'TFM4010');
    expect(run.stdout).toContain('more than 250 operations');
  });
});

describe('4. files that are too large or not files', () => {
  it('refuses a 50 MiB single-line file before reading it (was 2.6 GB of memory)', () => {
    const file = path.join(dir, 'huge.tfm');
    fs.writeFileSync(file, 'model M {}\n// ' + 'x'.repeat(50 * 1024 * 1024));
    const run = tfmc(['check', file]);
    expectRefusal(run, 'TFM1011');
    expect(run.stdout).toContain('more than the limit of 8 MiB');
    expect(run.stdout).toContain('TFMC_MAX_SOURCE_BYTES');
  });

  it('refuses a line longer than the limit, at that line, without printing it whole', () => {
    const run = tfmc(['check', spec('long-line.tfm', linear(`  // ${'x'.repeat(100_000)}`))]);
    expectRefusal(run, 'TFM1011');
    expect(run.stdout).toMatch(/long-line\.tfm:5:1\b/);
    expect(run.stdout.length).toBeLessThan(2_000);
  });

  it('raises the limits with TFMC_MAX_SOURCE_BYTES and TFMC_MAX_LINE_LENGTH', () => {
    const file = spec('long-ok.tfm', linear(`  // ${'x'.repeat(100_000)}`));
    expect(tfmc(['check', file], { env: { TFMC_MAX_LINE_LENGTH: '200000' } }).status).toBe(0);
    expectRefusal(tfmc(['check', spec('small.tfm', linear(''))], { env: { TFMC_MAX_SOURCE_BYTES: '50' } }), 'TFM1011');
  });

  it('refuses /dev/zero and a FIFO at once instead of reading forever', () => {
    expectRefusal(tfmc(['check', '/dev/zero'], { timeout: 10_000 }), 'TFM1012');
    const fifo = path.join(dir, 'pipe.tfm');
    execFileSync('mkfifo', [fifo]);
    const run = tfmc(['check', fifo], { timeout: 10_000 });
    expectRefusal(run, 'TFM1012');
    expect(run.stdout).toContain('not a regular file');
  });
});

describe('1. a model that cannot fit in memory is refused before allocating', () => {
  const huge = `model M {
  config {
    vocab = 1_000_000_000_000
    d = 16
  }
  input ids: int32[batch, seq]
  output y = Linear(vocab)(Embedding(vocab, d)(ids))
}
`;

  it('`compile --target tfjs` with vocab = 10^12 (was an internal error allocating 16 TB) gives the estimate and the limit, writes nothing', () => {
    const file = spec('huge-vocab.tfm', huge);
    expect(tfmc(['check', file]).status).toBe(0); // the spec itself is fine
    const out = path.join(dir, 'huge-out');
    const run = tfmc(['compile', file, '--target', 'tfjs', '-o', out]);
    expectRefusal(run, 'TFM4011');
    expect(run.stderr).toMatch(/needs about 644 TB, more than the [\d.]+ (GB|TB)/);
    expect(run.stderr).toContain('`[1000000000000, 16]`, 64.0 TB');
    expect(run.stderr).toContain('--max-memory');
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.includes('huge-out'))).toEqual([]); // no staging left behind
  });

  it('--max-memory lowers (or raises) the limit; a malformed size is a usage error', () => {
    const file = spec('small-model.tfm', linear(''));
    const out = path.join(dir, 'small-out');
    expectRefusal(tfmc(['compile', file, '--target', 'tfjs', '-o', out, '--max-memory', '1KB']), 'TFM4011');
    expect(tfmc(['compile', file, '--target', 'tfjs', '-o', out, '--max-memory', '1GB']).status).toBe(0);
    expect(tfmc(['compile', file, '--target', 'tfjs', '-o', out, '--max-memory', 'lots']).status).toBe(2);
    expectRefusal(tfmc(['compile', file, '--target', 'tfjs', '-o', out, '--force'], { env: { TFMC_MAX_MEMORY: '100' } }), 'TFM4011');
  });
});
