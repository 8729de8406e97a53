/** `tfmc graph` through the built binary: every format, -o, --depth, --model, errors and usage. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectNoStackTrace, ROOT, tfmc } from './helpers.js';

const GPT2 = path.join(ROOT, 'specs', 'gpt2.tfm');
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-graph-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('tfmc graph', () => {
  it('writes an SVG (format from the extension) and says what it drew', () => {
    const r = tfmc(['graph', GPT2, '--model', 'Gpt2Tiny', '-o', 'g.svg'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('wrote g.svg (Gpt2Tiny, 14 boxes, depth 1)\n');
    const svg = fs.readFileSync(path.join(dir, 'g.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('>blocks.0</text>');
    expect(svg).toContain('>[batch, seq, 100]</text>');
    expect(fs.readdirSync(dir)).toEqual(['g.svg']); // no temporary file left
  });

  it('writes a PNG', () => {
    const r = tfmc(['graph', GPT2, '--model', 'Gpt2Tiny', '--format', 'png', '-o', 'g.out'], { cwd: dir });
    expect(r.status).toBe(0);
    const png = fs.readFileSync(path.join(dir, 'g.out'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBeGreaterThan(400);
  });

  it('prints DOT and Mermaid on stdout; --depth changes what is drawn', () => {
    const boxes = (depth: number) => {
      const r = tfmc(['graph', GPT2, '--model', 'Gpt2Tiny', '--format', 'dot', '--depth', String(depth)]);
      expect(r.status).toBe(0);
      expect(r.stdout.startsWith('digraph "Gpt2Tiny" {')).toBe(true);
      return r.stdout.match(/^\s+n\d+ \[label=/gm)!.length;
    };
    expect([boxes(0), boxes(1), boxes(2)]).toEqual([13, 14, 28]);
    const m = tfmc(['graph', GPT2, '--model', 'Gpt2Tiny', '--format', 'mermaid']);
    expect(m.status).toBe(0);
    expect(m.stdout).toContain('flowchart TB');
    expect(m.stdout).toContain('subgraph c0["blocks: repeat 2"]');
  });

  it('draws the first model of a file and names the others', () => {
    const r = tfmc(['graph', GPT2, '--format', 'dot']);
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith('digraph "Gpt2Small" {')).toBe(true);
    expect(r.stderr).toContain('has 2 models (Gpt2Small, Gpt2Tiny); drawing Gpt2Small');
  });

  it('a spec with errors: diagnostics on stderr, exit 1, no picture written', () => {
    const r = tfmc(['graph', GPT2, '--set', 'heads=7', '-o', 'g.svg'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error[TFM3003]');
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(dir)).toEqual([]);
    expectNoStackTrace(r);
    const m = tfmc(['graph', GPT2, '--model', 'Gpt2Smal', '--format', 'dot']);
    expect(m.status).toBe(2); // a --model the file does not declare is a usage error
    expect(m.stderr).toMatch(/^error: .*gpt2\.tfm has no model named `Gpt2Smal` \(did you mean `Gpt2Small`\? its models: `Gpt2Small`, `Gpt2Tiny`\)\n$/);
    expect(m.stdout).toBe('');
  });

  it('usage errors exit 2 in one paragraph', () => {
    for (const [args, message] of [
      [['graph', GPT2, '--format', 'jpeg'], "argument 'jpeg' is invalid. Allowed choices are svg, png, dot, mermaid"],
      [['graph', GPT2, '--format', 'png'], 'give an output file with -o FILE'],
      [['graph', GPT2, '-o', 'g.jpeg'], "cannot tell the format from 'g.jpeg'"],
      [['graph', GPT2, '-o', 'no/such/dir/g.svg'], "cannot write 'no/such/dir/g.svg': no folder"],
      [['graph', 'missing.tfm'], "cannot read 'missing.tfm': no such file"],
      [['graph', GPT2, '--depth', '-1'], "option '--depth <n>' argument '-1' is invalid"],
    ] as [string[], string][]) {
      const r = tfmc(args, { cwd: dir });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expectNoStackTrace(r);
    }
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
