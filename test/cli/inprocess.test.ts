/**
 * The CLI's own logic, in-process, with the pipeline and the statistics replaced by stubs: internal-error
 * reporting, the success line, the summary table and the JSON shapes of `summary`.
 */
import * as path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import type { CliContext } from '../../src/cli/context.js';
import { colorEnabled } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';
import { parseSetting } from '../../src/cli/options.js';
import { formatBytes, formatCount, formatFlops, renderSummaryTable } from '../../src/cli/summary.js';
import type { CheckResult, ModelSummary } from '../../src/index.js';
import { expectGolden } from '../helpers/golden.js';
import { FIXTURES } from './helpers.js';

const pipeline = vi.hoisted(() => ({ checkFile: vi.fn() }));
vi.mock('../../src/pipeline/check-spec.js', () => pipeline);
const stats = vi.hoisted(() => ({ summarize: vi.fn() }));
vi.mock('../../src/ir/summary.js', () => stats);

const golden = (name: string) => path.join(import.meta.dirname, '__golden__', name);

function context(env: Record<string, string> = {}): CliContext & { stdout: string; stderr: string } {
  const ctx = {
    stdout: '',
    stderr: '',
    out(s: string) {
      ctx.stdout += s;
    },
    err(s: string) {
      ctx.stderr += s;
    },
    colorOut: false,
    colorErr: false,
    cwd: FIXTURES,
    env,
    exitCode: 0,
  };
  return ctx;
}

const GOOD = path.join(FIXTURES, 'good.tfm');

const TINY: ModelSummary = {
  model: 'Tiny',
  file: GOOD,
  params: 124_439_808,
  flopsPerToken: 1.1e9 + 7,
  activationBytes: 123.4 * 1024 * 1024,
  batch: 1,
  seq: 1024,
  rows: [
    { path: 'wte', block: 'Embedding', depth: 0, outputShape: '[batch, seq, 768]', params: 38_597_376 },
    { path: 'h', block: 'repeat', depth: 0, outputShape: '[batch, seq, 768]', params: 85_054_464 },
    { path: 'h.0', block: 'GPT2Block', depth: 1, outputShape: '[batch, seq, 768]', params: 7_087_872 },
    { path: 'h.0.attn', block: 'CausalSelfAttention', depth: 2, outputShape: '[batch, seq, 768]', params: 2_362_368 },
    { path: 'ln_f', block: 'LayerNorm', depth: 0, outputShape: '[batch, seq, 768]', params: 1_536 },
  ],
};

function clean(extra: Partial<CheckResult> = {}): CheckResult {
  return { diagnostics: [], sources: new Map(), models: [], found: true, declared: [], ...extra };
}

/** The pipeline checks one model per summary, and the summary of each is the one given. */
function withSummaries(summaries: ModelSummary[]): void {
  pipeline.checkFile.mockReturnValue(clean({ models: summaries.map((m) => ({ name: m.model })) as unknown as CheckResult['models'], declared: summaries.map((m) => m.model) }));
  stats.summarize.mockImplementation((ir: { name: string }) => summaries.find((m) => m.model === ir.name));
}

beforeEach(() => {
  pipeline.checkFile.mockReset();
  stats.summarize.mockReset();
});

describe('internal errors', () => {
  it('say "internal error" without a stack trace, exit 1', async () => {
    pipeline.checkFile.mockImplementation(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'dims')");
    });
    const ctx = context();
    expect(await main(['check', 'good.tfm'], ctx)).toBe(1);
    expect(ctx.stderr).toContain("internal error: Cannot read properties of undefined (reading 'dims')");
    expect(ctx.stderr).toContain('Please report it');
    expect(ctx.stderr).toContain('TFMC_DEBUG=1');
    expect(ctx.stderr).not.toMatch(/^\s+at /m);
  });

  it('show the stack trace with TFMC_DEBUG=1', async () => {
    pipeline.checkFile.mockImplementation(() => {
      throw new Error('boom');
    });
    const ctx = context({ TFMC_DEBUG: '1' });
    expect(await main(['check', 'good.tfm'], ctx)).toBe(1);
    expect(ctx.stderr).toMatch(/^\s+at /m);
  });
});

describe('check', () => {
  it('counts the models checked, and warnings', async () => {
    const warning: Diagnostic = {
      code: 'TFM2009',
      severity: 'warning',
      message: 'unused value `h`',
      primary: { file: GOOD, span: { start: { offset: 0, line: 1, column: 1 }, end: { offset: 2, line: 1, column: 3 } } },
      secondary: [],
      notes: [],
    };
    pipeline.checkFile.mockReturnValue(clean({ models: [{}, {}] as unknown as CheckResult['models'], diagnostics: [warning] }));
    const ctx = context();
    expect(await main(['check', 'good.tfm', '--set', 'a=1', '--set', 'b.c=2', '--set', 'a=3'], ctx)).toBe(0);
    expect(pipeline.checkFile).toHaveBeenCalledWith(GOOD, { overrides: { a: '3', 'b.c': '2' }, model: undefined });
    expect(ctx.stdout).toMatch(/^warning\[TFM2009\]: unused value `h`\n --> good.tfm:1:1\n/);
    expect(ctx.stdout).toContain('\n✓ good.tfm: 2 models checked, 0 errors, 1 warning\n');
    expect(ctx.stdout).not.toContain('generated');
  });
});

describe('summary', () => {
  it('passes its options to the pipeline and the summary', async () => {
    withSummaries([TINY]);
    const ctx = context();
    await main(['summary', 'good.tfm', '--model', 'Tiny', '--batch', '2', '--seq', '64', '--set', 'layers=2'], ctx);
    expect(pipeline.checkFile).toHaveBeenCalledWith(GOOD, { overrides: { layers: '2' }, model: 'Tiny' });
    expect(stats.summarize).toHaveBeenCalledWith({ name: 'Tiny' }, { batch: 2, seq: 64 });
  });

  it('renders the table (golden)', async () => {
    withSummaries([TINY]);
    const ctx = context();
    expect(await main(['summary', 'good.tfm'], ctx)).toBe(0);
    expectGolden(golden('summary-depth2.txt'), ctx.stdout);
    expect(ctx.stdout).toContain('Total params: 124,439,808 (474.7 MiB fp32)\n');
    expect(ctx.stdout).toContain('FLOPs/token (seq=1024): 1.1 GFLOP\n');
    expect(ctx.stdout).toContain('Activation memory (batch=1, seq=1024): 123.4 MiB\n');
    expect(ctx.stdout).not.toContain('h.0.attn');
    expect(ctx.stdout).toContain('\n  h.0 ');
  });

  it('shows every level with a larger --depth', () => {
    const out = renderSummaryTable(TINY, { depth: 9, color: false, cwd: FIXTURES });
    expect(out).toContain('\n    h.0.attn ');
    expect(out).not.toContain('not shown');
  });

  it('prints one object for one model and {"models": [...]} for several', async () => {
    withSummaries([TINY]);
    let ctx = context();
    await main(['summary', 'good.tfm', '--format', 'json'], ctx);
    const one = JSON.parse(ctx.stdout);
    expect(Object.keys(one)).toEqual(['model', 'file', 'params', 'flopsPerToken', 'activationBytes', 'batch', 'seq', 'rows', 'diagnostics']);
    expect(one.file).toBe('good.tfm');
    expect(one.rows).toHaveLength(5); // all rows unless --depth is given

    withSummaries([TINY, { ...TINY, model: 'Big' }]);
    ctx = context();
    await main(['summary', 'good.tfm', '--format', 'json', '--depth', '1'], ctx);
    const several = JSON.parse(ctx.stdout);
    expect(several.models.map((m: ModelSummary) => m.model)).toEqual(['Tiny', 'Big']);
    expect(several.models[0].rows).toHaveLength(3);
  });
});

describe('helpers', () => {
  it('format numbers for people', () => {
    expect(formatCount(124439808)).toBe('124,439,808');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(0)).toBe('0');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(124439808 * 4)).toBe('474.7 MiB');
    expect(formatBytes(1024 * 1024 - 1)).toBe('1.0 MiB');
    expect(formatFlops(1.1e9)).toBe('1.1 GFLOP');
    expect(formatFlops(999)).toBe('999 FLOP');
    expect(formatFlops(2.5e12)).toBe('2.5 TFLOP');
  });

  it('collect --set values', () => {
    expect(parseSetting('layers=12')).toEqual({ layers: '12' });
    expect(parseSetting('act = gelu ', { layers: '12' })).toEqual({ layers: '12', act: 'gelu' });
    expect(parseSetting('expr=a=b')).toEqual({ expr: 'a=b' });
    expect(() => parseSetting('layers')).toThrow('KEY=VALUE');
    expect(() => parseSetting('2x=1')).toThrow('not a config key');
  });

  it('decide colour from the terminal and the environment', () => {
    expect(colorEnabled(true, {})).toBe(true);
    expect(colorEnabled(false, {})).toBe(false);
    expect(colorEnabled(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(true, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(false, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled(true, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled(true, { TERM: 'dumb' })).toBe(false);
  });
});
