/**
 * `bench/decode-vs-ort.js --tiny --json` (tfmc native and onnxruntime's key/value graphs in one
 * process, alternating): on GPT-2's tiny config, from the files `bench/peers.js --tiny` writes, it
 * runs every variant asked for, gives the same greedy tokens in all of them, and reports a ratio
 * per round. Without those files (no PyTorch to export the graphs) it says what to run. Speed is
 * not checked (bench/ is for that).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'tfmc-decode-vs-ort-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const script = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bench/decode-vs-ort.js'), '--tiny', '--dir', dir, ...args], { encoding: 'utf8', timeout: 240_000 });

describe('bench/decode-vs-ort.js --tiny', () => {
  it('without the key/value graphs, says which command writes them', () => {
    const r = script('--json');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('node bench/peers.js --tiny --engines tfmc-native,ort-kv');
  });

  it('alternates tfmc (two polling settings) and ort-kv, with the same tokens', () => {
    execFileSync(process.execPath, [join(root, 'bench/peers.js'), '--tiny', '--json', '--threads', '1', '--engines', 'tfmc-native,ort-kv', '--dir', dir], { stdio: 'ignore', timeout: 240_000 });
    const r = script('--json', '--threads', '1', '--rounds', '2', '--tokens', '5', '--spin', '0,50');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out).toMatchObject({ name: 'decode-vs-ort', model: 'Gpt2Tiny', threads: 1, new_tokens: 5, rounds: 2, same_tokens: true });
    expect(out.results.map((x: { engine: string }) => x.engine)).toEqual(['tfmc-native spin 0', 'tfmc-native spin 50', 'ort-kv']);
    for (const x of out.results) {
      expect(x.tokens_per_s).toHaveLength(2);
      expect(x.median_tokens_per_s).toBeGreaterThan(0);
      if (x.engine !== 'ort-kv') expect(x.ratio_per_round).toHaveLength(2);
    }
  }, 300_000);
});
