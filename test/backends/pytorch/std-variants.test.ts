/**
 * The standard library's model variants in generated PyTorch against references written here from
 * the published model code's formulas, not from tfmc's runtime: GPT-NeoX's partial rotary (the
 * first `rotary_dims` features of each head rotate with frequencies over `rotary_dims`, the rest
 * pass), a rotary base other than 10000, per-projection biases, and OPT's learned positions read
 * from row 2 of a table of `max_len + 2` rows. (parity.test.ts checks tfjs against this PyTorch.)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writePytorch } from '../../../src/backends/pytorch/index.js';
import { checkSource } from '../../../src/index.js';
import { PYTHON, requireTorch } from './helpers.js';

const SPEC = `
model Variants {
  config { vocab = 11  ctx = 9  d_model = 32  heads = 2 }
  input x: float32[batch, seq, d_model]
  input ids: int32[batch, seq] where seq <= ctx
  let attn = MultiHeadAttention(d_model, heads, rotary: true, rotary_dims: 4, rope_base: 500000,
                                k_bias: false, o_bias: false)
  output y = attn(x, x, attn_mask: causal)
  let embed = TokenEmbedding(vocab, d_model, ctx, positions: learned, dropout: 0.0, pos_offset: 2)
  output e = embed(ids)
}
`;

const SCRIPT = `
import json, math, sys
sys.path.insert(0, sys.argv[1])
import torch
import model as generated

torch.manual_seed(0)
m = generated.Model()
for p in m.parameters():
    torch.nn.init.normal_(p, std=0.3)
m.eval()
state = m.state_dict()
x = torch.randn(2, 7, 32)
ids = torch.randint(0, 11, (2, 7))
with torch.no_grad():
    out = m(x=x, ids=ids)

# GPT-NeoX attention (rotate_half layout), written from its published formulas.
def rotate_half(t):
    half = t.shape[-1] // 2
    return torch.cat([-t[..., half:], t[..., :half]], -1)

def partial_rotary(t, rot, base):
    inv_freq = 1.0 / (base ** (torch.arange(0, rot, 2, dtype=torch.float64) / rot))
    freqs = torch.outer(torch.arange(t.shape[2], dtype=torch.float64), inv_freq)
    emb = torch.cat([freqs, freqs], -1)
    cos, sin = emb.cos().float(), emb.sin().float()
    t_rot, t_pass = t[..., :rot], t[..., rot:]
    return torch.cat([t_rot * cos + rotate_half(t_rot) * sin, t_pass], -1)

def heads(t, n):
    b, s, f = t.shape
    return t.view(b, s, n, f // n).transpose(1, 2)

with torch.no_grad():
    q = heads(x @ state["attn.q_proj.weight"].T + state["attn.q_proj.bias"], 2)
    k = heads(x @ state["attn.k_proj.weight"].T, 2)
    v = heads(x @ state["attn.v_proj.weight"].T + state["attn.v_proj.bias"], 2)
    q, k = partial_rotary(q, 4, 500000.0), partial_rotary(k, 4, 500000.0)
    scores = q @ k.transpose(-1, -2) / math.sqrt(16)
    causal = torch.ones(7, 7, dtype=torch.bool).tril()
    weights = torch.softmax(scores.masked_fill(~causal, float("-inf")), -1)
    merged = (weights @ v).transpose(1, 2).reshape(2, 7, 32)
    y = merged @ state["attn.o_proj.weight"].T
    # OPT's learned positions: rows 2 ... 2 + T - 1 of a table of ctx + 2 rows.
    e = state["embed.tokens.weight"][ids] + state["embed.pos.weight"][2 : 2 + 7]

print(json.dumps({
    "names": sorted(state.keys()),
    "pos_rows": list(state["embed.pos.weight"].shape),
    "y": (out["y"] - y).abs().max().item(),
    "e": (out["e"] - e).abs().max().item(),
}))
`;

let dir: string | undefined;
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('generated PyTorch of the std variants', () => {
  it('matches GPT-NeoX partial rotary, per-projection biases and OPT positions written from their formulas', async () => {
    requireTorch();
    const r = checkSource(SPEC, join(tmpdir(), 'variants.tfm'));
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    dir = mkdtempSync(join(tmpdir(), 'tfmc-std-variants-'));
    await writePytorch(r.models[0], dir, { specName: 'variants.tfm' });
    const out = execFileSync(PYTHON, ['-c', SCRIPT, dir], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    const report = JSON.parse(out) as { names: string[]; pos_rows: number[]; y: number; e: number };
    expect(report.names).toEqual([
      'attn.k_proj.weight',
      'attn.o_proj.weight',
      'attn.q_proj.bias',
      'attn.q_proj.weight',
      'attn.v_proj.bias',
      'attn.v_proj.weight',
      'embed.pos.weight',
      'embed.tokens.weight',
    ]);
    expect(report.pos_rows).toEqual([9 + 2, 32]);
    expect(report.y).toBeLessThan(1e-4);
    expect(report.e).toBe(0);
  });
});
