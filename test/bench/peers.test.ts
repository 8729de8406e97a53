/**
 * `bench/peers.js --tiny --json` (the peers benchmark on GPT-2's tiny config): it runs every engine
 * available here from the same weights files, and its agreement checks hold — the logits of
 * tfmc, onnxruntime and PyTorch agree and greedy decoding picks the same tokens, including the
 * peers with a key/value cache (`ort-kv`, `torch-kv`: bench/peers_gpt2_kv.py and the ONNX graphs
 * exported from it). Speed is not checked (bench/ is for that).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'tfmc-peers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hasTorch(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('bench/peers.js --tiny', () => {
  it('prints one JSON result whose engines agree', () => {
    const out = execFileSync(process.execPath, [join(root, 'bench/peers.js'), '--tiny', '--json', '--threads', '1', '--dir', dir], { encoding: 'utf8', timeout: 240_000 });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r).toMatchObject({ name: 'peers', model: 'Gpt2Tiny', batch: 2, seq: 16, new_tokens: 8 });
    const engines = r.results.map((x: { engine: string }) => x.engine);
    // tfmc on wasm and onnxruntime-node always run here; native when built; PyTorch (which also
    // exports ort-kv's graphs) when installed — scripts/system-packages.sh installs it.
    expect(engines).toEqual(expect.arrayContaining(['tfmc-wasm', 'ort']));
    expect([...engines, ...r.skipped].sort()).toEqual(['ort', 'ort-kv', 'tfmc-native', 'tfmc-wasm', 'torch', 'torch-kv']);
    if (hasTorch()) {
      expect(engines).toEqual(expect.arrayContaining(['ort-kv', 'torch-kv']));
      // The key/value GPT-2 was checked against the generated module before its graphs were exported.
      expect(r.kv_model_check.max_abs_logit_diff_vs_generated).toBeLessThan(1e-4);
      expect(r.kv_model_check.max_abs_logit_diff_cached_steps).toBeLessThan(1e-4);
    }
    for (const x of r.results) {
      expect(x.threads).toBe(1);
      expect(x.tokens).toHaveLength(8);
      for (const key of ['cold_start_s', 'forward_ms', 'forward_gflops', 'generate_tokens_per_s']) expect(x[key]).toBeGreaterThan(0);
      expect(x.kv_cache).toBe(x.engine.startsWith('tfmc') || x.engine.endsWith('-kv'));
    }
    expect(r.agreement).toHaveLength(r.results.length - 1);
    for (const a of r.agreement) {
      expect(a.logits_agree).toBe(true);
      expect(a.max_abs_logit_diff).toBeLessThan(1e-4);
      expect(a.same_tokens).toBe(true);
    }
    // The cached peers' greedy tokens are tfmc's own (not merely the first engine's).
    const tfmcTokens = r.results.find((x: { engine: string }) => x.engine === 'tfmc-wasm').tokens;
    for (const x of r.results.filter((y: { engine: string }) => y.engine.endsWith('-kv'))) expect(x.tokens).toEqual(tfmcTokens);
    const peers = r.ratios.map((x: { peer: string }) => x.peer);
    expect(peers).toContain('ort');
    for (const x of r.ratios) {
      expect(x.forward_speedup).toBeGreaterThan(0);
      expect(x.peer_kv_cache).toBe(x.peer.endsWith('-kv'));
      // tfmc-native against a cached peer says whether it meets the bar.
      if (x.tfmc === 'tfmc-native' && x.peer_kv_cache) expect(typeof x.meets_bar).toBe('boolean');
    }
  }, 300_000);
});
