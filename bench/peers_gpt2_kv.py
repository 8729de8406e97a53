"""GPT-2 with a key/value cache, for `npm run bench:peers` (PyTorch eager and onnxruntime rows).

The generated PyTorch module and tfmc's ONNX graph have no key/value cache, so a peer that uses
them recomputes the whole sequence for every new token. This module is GPT-2 written from its
formulas (pre-norm blocks, gelu_tanh MLP, learned positions, the head tied to the token
embedding) with a cache, and the same parameter names as `tfmc weights export` writes, so it loads
the same safetensors file. `export` checks it against the generated module and writes the ONNX
prefill and decode graphs onnxruntime-node runs (bench/peers-worker.js).

  /usr/bin/python3 bench/peers_gpt2_kv.py export DIR
      DIR holds model.safetensors and pytorch/ (`tfmc compile --target pytorch`);
      writes DIR/onnx-kv/prefill.onnx, DIR/onnx-kv/decode.onnx and check.json (the check's differences).

The cache of all layers is one tensor each for keys and values, [layers, batch, heads, seq,
head_dim], so a graph has three inputs and three outputs whatever the depth.
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, d_model, heads):
        super().__init__()
        self.heads, self.head_dim = heads, d_model // heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.o_proj = nn.Linear(d_model, d_model)

    def split(self, x):
        return x.reshape(x.shape[0], x.shape[1], self.heads, self.head_dim).transpose(1, 2)

    def forward(self, h, past_k, past_v, mask):
        """h [B, T, D]; past_k/past_v [B, H, P, hd] or None; mask [T, P+T] bool (True = blocked) or None."""
        q, k, v = self.split(self.q_proj(h)), self.split(self.k_proj(h)), self.split(self.v_proj(h))
        if past_k is not None:
            k, v = torch.cat([past_k, k], 2), torch.cat([past_v, v], 2)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        if mask is not None:
            scores = scores.masked_fill(mask, float("-inf"))
        out = F.softmax(scores, -1) @ v  # [B, H, T, hd]
        out = out.transpose(1, 2).reshape(h.shape[0], h.shape[1], -1)
        return self.o_proj(out), k, v


class FeedForward(nn.Module):
    def __init__(self, d_model):
        super().__init__()
        self.fc1 = nn.Linear(d_model, 4 * d_model)
        self.fc2 = nn.Linear(4 * d_model, d_model)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, d_model, heads, eps):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.self_attn = Attention(d_model, heads)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.ff = FeedForward(d_model)

    def forward(self, x, past_k, past_v, mask):
        a, k, v = self.self_attn(self.norm1(x), past_k, past_v, mask)
        x = x + a
        return x + self.ff(self.norm2(x)), k, v


class Gpt2Kv(nn.Module):
    """forward(ids, past_keys=None, past_values=None) -> (logits [B, T, vocab], keys, values).

    Without a past, `ids` is the whole prompt (causal attention); with one, the new tokens attend
    to the past and to each other, their positions continuing after it."""

    def __init__(self, vocab, ctx, d_model, heads, layers, eps=1e-5):
        super().__init__()
        self.wte = nn.Embedding(vocab, d_model)
        self.wpe = nn.Embedding(ctx, d_model)
        self.blocks = nn.ModuleList([Block(d_model, heads, eps) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d_model, eps=eps)
        # True above the diagonal: key j is blocked for query i when j > i.
        self.register_buffer("blocked", torch.ones(ctx, ctx, dtype=torch.bool).triu(1), persistent=False)

    def forward(self, ids, past_keys=None, past_values=None):
        past = 0 if past_keys is None else past_keys.shape[3]
        t = ids.shape[1]
        positions = torch.arange(past, past + t, dtype=torch.int64)
        x = self.wte(ids) + self.wpe(positions)
        mask = self.blocked[past : past + t, : past + t] if past_keys is None or t > 1 else None
        keys, values = [], []
        for i, block in enumerate(self.blocks):
            pk = None if past_keys is None else past_keys[i]
            pv = None if past_values is None else past_values[i]
            x, k, v = block(x, pk, pv, mask)
            keys.append(k)
            values.append(v)
        logits = self.ln_f(x) @ self.wte.weight.t()  # the head is the token embedding
        return logits, torch.stack(keys), torch.stack(values)


def load(dir):
    """The KV model of DIR's generated module's config, with DIR/model.safetensors's weights."""
    sys.path.insert(0, os.path.join(dir, "pytorch"))
    import model as generated  # noqa: E402
    import tfmc_runtime as rt  # noqa: E402

    c = generated.Config()
    m = Gpt2Kv(c.vocab, c.ctx, c.d_model, c.heads, c.layers)
    rt.load_weights(m, os.path.join(dir, "model.safetensors"))
    return m.eval()


def greedy(m, prompt, tokens):
    """Greedy decoding of `tokens` new tokens after `prompt` (a list of ids): one prefill, then one token at a time."""
    logits, keys, values = m(torch.tensor([prompt], dtype=torch.int64))
    fresh = []
    for i in range(tokens):
        fresh.append(int(logits[0, -1].argmax()))
        if i + 1 < tokens:
            logits, keys, values = m(torch.tensor([[fresh[-1]]], dtype=torch.int64), keys, values)
    return fresh


def check(m, dir):
    """The KV model against the generated module (full forward), and its cached steps against its own
    full forward; raises when either differs by more than 1e-4 relative to the logits' size, else
    returns the differences (peers.js reports them)."""
    import model as generated  # noqa: E402 (on the path after load())
    import tfmc_runtime as rt  # noqa: E402

    ref = generated.build_model()
    rt.load_weights(ref, os.path.join(dir, "model.safetensors"))
    ref.eval()
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, generated.Config().vocab, (2, min(24, generated.Config().ctx)), generator=g)
    full = ref(ids)["logits"]
    mine, keys, values = m(ids)
    scale = max(1.0, float(full.abs().max()))
    forward_diff = float((mine - full).abs().max())
    # Prefill the first half, then feed the rest one token at a time.
    half = ids.shape[1] // 2
    steps, keys, values = m(ids[:, :half])
    outs = [steps]
    for j in range(half, ids.shape[1]):
        step, keys, values = m(ids[:, j : j + 1], keys, values)
        outs.append(step)
    cached_diff = float((torch.cat(outs, 1) - full).abs().max())
    print(f"peers_gpt2_kv: logits vs the generated module max |diff| {forward_diff:.1e}, cached steps {cached_diff:.1e} (scale {scale:.1f})", file=sys.stderr)
    if forward_diff > 1e-4 * scale or cached_diff > 1e-4 * scale:
        raise SystemExit("peers_gpt2_kv: the key/value model does not match the generated module")
    return {"max_abs_logit_diff_vs_generated": forward_diff, "max_abs_logit_diff_cached_steps": cached_diff, "logit_scale": scale}


class _Decode(nn.Module):
    """The one-token step as its own module, so its graph has the past as required inputs."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, ids, past_keys, past_values):
        return self.m(ids, past_keys, past_values)


def export(dir):
    m = load(dir)
    with torch.no_grad():
        checked = check(m, dir)
        out = os.path.join(dir, "onnx-kv")
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "check.json"), "w") as f:
            json.dump(checked, f)
        cache_axes = {1: "batch", 3: "total"}
        ids = torch.zeros(1, 4, dtype=torch.int64)
        _, keys, values = m(ids)
        torch.onnx.export(
            m, (ids,), os.path.join(out, "prefill.onnx"), opset_version=17,
            input_names=["ids"], output_names=["logits", "keys", "values"],
            dynamic_axes={"ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}, "keys": cache_axes, "values": cache_axes},
        )
        past_axes = {1: "batch", 3: "past"}
        torch.onnx.export(
            _Decode(m), (ids[:, :1], keys, values), os.path.join(out, "decode.onnx"), opset_version=17,
            input_names=["ids", "past_keys", "past_values"], output_names=["logits", "keys", "values"],
            dynamic_axes={"ids": {0: "batch"}, "past_keys": past_axes, "past_values": past_axes, "logits": {0: "batch"}, "keys": cache_axes, "values": cache_axes},
        )


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "export":
        raise SystemExit(__doc__)
    export(sys.argv[2])
