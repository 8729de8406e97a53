#!/usr/bin/python3
"""Reference parameter counts for the architectures tfmc ships specs for.

Every architecture is written out here as a plain ``torch.nn.Module`` (Linear,
Embedding, LayerNorm, Conv1d/Conv2d, LSTM, ...), built by hand from the
description in scripts/reference/README.md -- no pretrained checkpoints, no
model zoos.  The count is ``sum(p.numel() for p in model.parameters())``, which
counts a tied (shared) tensor once.

For the transformer models a second, independent construction from torch's
stock layers (nn.TransformerEncoderLayer / nn.TransformerDecoderLayer /
nn.MultiheadAttention) is counted too and must agree, so a slip in the
hand-written attention or feed-forward blocks cannot go unnoticed.

The tiny variants are also run forward once on random input, to show the
modules are real, wired-up networks (tied heads really use the embedding).

Usage:
    /usr/bin/python3 scripts/reference/param_counts.py          # write fixture + print table
    /usr/bin/python3 scripts/reference/param_counts.py --check  # verify the committed fixture

Writes test/fixtures/reference-params.json.
"""

import argparse
import json
import math
import os
import sys
import warnings

import torch
from torch import nn
import torch.nn.functional as F

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO, "test", "fixtures", "reference-params.json")

# Full-size models are built on torch's "meta" device: parameters get their
# shapes but no storage, so counting a 200M-parameter model costs nothing.
# Tiny variants are built on the CPU and run forward once.  Every constructor
# below passes **fk() so the whole module lands on the chosen device.
_DEVICE = "cpu"


def fk():
    return {"device": _DEVICE}


# ---------------------------------------------------------------------------
# Shared building blocks
# ---------------------------------------------------------------------------

class Attention(nn.Module):
    """Multi-head attention with separate q, k, v, o projections.

    ``inner`` = heads * head_dim; equals d_model for every model here except
    that T5 names it separately (d_kv * heads).
    """

    def __init__(self, d_model, heads, inner=None, bias=True):
        super().__init__()
        inner = d_model if inner is None else inner
        assert inner % heads == 0
        self.heads = heads
        self.head_dim = inner // heads
        self.q = nn.Linear(d_model, inner, bias=bias, **fk())
        self.k = nn.Linear(d_model, inner, bias=bias, **fk())
        self.v = nn.Linear(d_model, inner, bias=bias, **fk())
        self.o = nn.Linear(inner, d_model, bias=bias, **fk())

    def forward(self, x, memory=None, mask=None, scores_bias=None, scale=True):
        memory = x if memory is None else memory
        b, tq, _ = x.shape
        tk = memory.shape[1]

        def split(t, n):
            return t.view(b, n, self.heads, self.head_dim).transpose(1, 2)

        q = split(self.q(x), tq)
        k = split(self.k(memory), tk)
        v = split(self.v(memory), tk)
        scores = q @ k.transpose(-1, -2)
        if scale:  # T5 folds the scale into its initialisation and does not scale
            scores = scores / math.sqrt(self.head_dim)
        if scores_bias is not None:
            scores = scores + scores_bias
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        out = scores.softmax(-1) @ v
        return self.o(out.transpose(1, 2).reshape(b, tq, self.heads * self.head_dim))


class FeedForward(nn.Module):
    def __init__(self, d_model, d_ff, act, bias=True):
        super().__init__()
        self.fc1 = nn.Linear(d_model, d_ff, bias=bias, **fk())
        self.fc2 = nn.Linear(d_ff, d_model, bias=bias, **fk())
        self.act = act

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class RMSNorm(nn.Module):
    """T5 LayerNorm: scale only, no bias, no mean subtraction."""

    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d, **fk()))
        self.eps = eps

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)


def sinusoid(length, d):
    pos = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    pe = torch.zeros(length, d)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe


def causal(t):
    return torch.ones(t, t, dtype=torch.bool).tril()


class PostNormEncoderLayer(nn.Module):
    """x = LN(x + Attn(x)); x = LN(x + FF(x))   (Vaswani 2017, BERT)."""

    def __init__(self, d, heads, d_ff, act):
        super().__init__()
        self.self_attn = Attention(d, heads)
        self.norm1 = nn.LayerNorm(d, **fk())
        self.ff = FeedForward(d, d_ff, act)
        self.norm2 = nn.LayerNorm(d, **fk())

    def forward(self, x, mask=None):
        x = self.norm1(x + self.self_attn(x, mask=mask))
        return self.norm2(x + self.ff(x))


class PostNormDecoderLayer(nn.Module):
    """Self-attn, cross-attn, FF; each followed by Add & LayerNorm."""

    def __init__(self, d, heads, d_ff, act):
        super().__init__()
        self.self_attn = Attention(d, heads)
        self.norm1 = nn.LayerNorm(d, **fk())
        self.cross_attn = Attention(d, heads)
        self.norm2 = nn.LayerNorm(d, **fk())
        self.ff = FeedForward(d, d_ff, act)
        self.norm3 = nn.LayerNorm(d, **fk())

    def forward(self, y, memory):
        y = self.norm1(y + self.self_attn(y, mask=causal(y.shape[1])))
        y = self.norm2(y + self.cross_attn(y, memory=memory))
        return self.norm3(y + self.ff(y))


class PreNormEncoderLayer(nn.Module):
    """x = x + Attn(LN(x)); x = x + FF(LN(x))   (GPT-2, ViT, Whisper)."""

    def __init__(self, d, heads, d_ff, act):
        super().__init__()
        self.norm1 = nn.LayerNorm(d, **fk())
        self.self_attn = Attention(d, heads)
        self.norm2 = nn.LayerNorm(d, **fk())
        self.ff = FeedForward(d, d_ff, act)

    def forward(self, x, mask=None):
        x = x + self.self_attn(self.norm1(x), mask=mask)
        return x + self.ff(self.norm2(x))


# ---------------------------------------------------------------------------
# 1/2. Transformer (Vaswani et al. 2017)
# ---------------------------------------------------------------------------

class Transformer(nn.Module):
    def __init__(self, vocab, d, heads, d_ff, n_enc, n_dec):
        super().__init__()
        self.d = d
        # One table: encoder input, decoder input and pre-softmax projection.
        self.embed = nn.Embedding(vocab, d, **fk())
        self.encoder = nn.ModuleList([PostNormEncoderLayer(d, heads, d_ff, nn.ReLU()) for _ in range(n_enc)])
        self.decoder = nn.ModuleList([PostNormDecoderLayer(d, heads, d_ff, nn.ReLU()) for _ in range(n_dec)])
        self.generator = nn.Linear(d, vocab, bias=False, **fk())
        self.generator.weight = self.embed.weight  # tied
        # No final encoder/decoder LayerNorm: the 2017 post-norm model has none.

    def forward(self, src, tgt):
        scale = math.sqrt(self.d)
        x = self.embed(src) * scale + sinusoid(src.shape[1], self.d)
        for layer in self.encoder:
            x = layer(x)
        y = self.embed(tgt) * scale + sinusoid(tgt.shape[1], self.d)
        for layer in self.decoder:
            y = layer(y, x)
        return self.generator(y)


def transformer_stock(vocab, d, heads, d_ff, n_enc, n_dec):
    """Cross-check: torch's nn.Transformer, with the two final norms removed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, heads, d_ff, **fk()), n_enc, norm=None)
        dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(d, heads, d_ff, **fk()), n_dec, norm=None)
        m = nn.Module()
        m.embed = nn.Embedding(vocab, d, **fk())
        m.body = nn.Transformer(d, heads, custom_encoder=enc, custom_decoder=dec)
        m.generator = nn.Linear(d, vocab, bias=False, **fk())
        m.generator.weight = m.embed.weight
    return m


# ---------------------------------------------------------------------------
# 3. BERT (BertForPreTraining equivalent)
# ---------------------------------------------------------------------------

class BertEmbeddings(nn.Module):
    def __init__(self, vocab, max_pos, type_vocab, d):
        super().__init__()
        self.word = nn.Embedding(vocab, d, **fk())
        self.position = nn.Embedding(max_pos, d, **fk())
        self.token_type = nn.Embedding(type_vocab, d, **fk())
        self.norm = nn.LayerNorm(d, **fk())

    def forward(self, ids, types):
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        return self.norm(self.word(ids) + self.position(pos) + self.token_type(types))


class BertMlmHead(nn.Module):
    def __init__(self, d, word_embedding):
        super().__init__()
        self.transform = nn.Linear(d, d, **fk())
        self.norm = nn.LayerNorm(d, **fk())
        vocab = word_embedding.num_embeddings
        self.decoder = nn.Linear(d, vocab, bias=True, **fk())  # bias is its own (vocab) parameter
        self.decoder.weight = word_embedding.weight    # weight tied to the word embedding

    def forward(self, h):
        return self.decoder(self.norm(F.gelu(self.transform(h))))


class Bert(nn.Module):
    def __init__(self, vocab, max_pos, type_vocab, d, heads, layers, d_ff):
        super().__init__()
        self.embeddings = BertEmbeddings(vocab, max_pos, type_vocab, d)
        self.layers = nn.ModuleList([PostNormEncoderLayer(d, heads, d_ff, nn.GELU()) for _ in range(layers)])
        self.pooler = nn.Linear(d, d, **fk())
        self.mlm = BertMlmHead(d, self.embeddings.word)
        self.nsp = nn.Linear(d, 2, **fk())

    def forward(self, ids, types):
        h = self.embeddings(ids, types)
        for layer in self.layers:
            h = layer(h)
        pooled = torch.tanh(self.pooler(h[:, 0]))
        return self.mlm(h), self.nsp(pooled)


def bert_stock(vocab, max_pos, type_vocab, d, heads, layers, d_ff):
    m = nn.Module()
    m.word = nn.Embedding(vocab, d, **fk())
    m.position = nn.Embedding(max_pos, d, **fk())
    m.token_type = nn.Embedding(type_vocab, d, **fk())
    m.emb_norm = nn.LayerNorm(d, **fk())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(d, heads, d_ff, activation="gelu", **fk()), layers, norm=None)
    m.pooler = nn.Linear(d, d, **fk())
    m.transform = nn.Linear(d, d, **fk())
    m.transform_norm = nn.LayerNorm(d, **fk())
    m.mlm_bias = nn.Parameter(torch.zeros(vocab, **fk()))
    m.nsp = nn.Linear(d, 2, **fk())
    return m


# ---------------------------------------------------------------------------
# 4. GPT-2
# ---------------------------------------------------------------------------

class Gpt2(nn.Module):
    def __init__(self, vocab, ctx, d, heads, layers, d_ff):
        super().__init__()
        self.wte = nn.Embedding(vocab, d, **fk())
        self.wpe = nn.Embedding(ctx, d, **fk())
        self.layers = nn.ModuleList([PreNormEncoderLayer(d, heads, d_ff, nn.GELU()) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d, **fk())
        self.lm_head = nn.Linear(d, vocab, bias=False, **fk())
        self.lm_head.weight = self.wte.weight  # tied

    def forward(self, ids):
        t = ids.shape[1]
        h = self.wte(ids) + self.wpe(torch.arange(t).unsqueeze(0))
        for layer in self.layers:
            h = layer(h, mask=causal(t))
        return self.lm_head(self.ln_f(h))


def prenorm_stack_stock(d, heads, d_ff, layers, act="gelu"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nn.TransformerEncoder(
            nn.TransformerEncoderLayer(d, heads, d_ff, activation=act, norm_first=True, **fk()),
            layers,
            norm=nn.LayerNorm(d, **fk()),
        )


def gpt2_stock(vocab, ctx, d, heads, layers, d_ff):
    m = nn.Module()
    m.wte = nn.Embedding(vocab, d, **fk())
    m.wpe = nn.Embedding(ctx, d, **fk())
    m.body = prenorm_stack_stock(d, heads, d_ff, layers)  # includes ln_f as its final norm
    m.lm_head = nn.Linear(d, vocab, bias=False, **fk())
    m.lm_head.weight = m.wte.weight
    return m


# ---------------------------------------------------------------------------
# 5. T5
# ---------------------------------------------------------------------------

def t5_bucket(rel, bidirectional, buckets, max_distance=128):
    """Relative-position bucket (T5, Raffel et al. 2020); rel = key - query."""
    out = torch.zeros_like(rel)
    if bidirectional:
        buckets //= 2
        out += (rel > 0).long() * buckets
        n = rel.abs()
    else:
        n = (-rel).clamp(min=0)
    max_exact = buckets // 2
    large = max_exact + (
        torch.log(n.float().clamp(min=1) / max_exact) / math.log(max_distance / max_exact) * (buckets - max_exact)
    ).long()
    large = large.clamp(max=buckets - 1)
    return out + torch.where(n < max_exact, n, large)


class T5Block(nn.Module):
    def __init__(self, d, heads, d_kv, d_ff, cross):
        super().__init__()
        inner = heads * d_kv
        self.norm_self = RMSNorm(d)
        self.self_attn = Attention(d, heads, inner, bias=False)
        if cross:
            self.norm_cross = RMSNorm(d)
            self.cross_attn = Attention(d, heads, inner, bias=False)
        self.norm_ff = RMSNorm(d)
        self.ff = FeedForward(d, d_ff, nn.ReLU(), bias=False)

    def forward(self, x, pos_bias, mask=None, memory=None):
        x = x + self.self_attn(self.norm_self(x), mask=mask, scores_bias=pos_bias, scale=False)
        if memory is not None:
            x = x + self.cross_attn(self.norm_cross(x), memory=memory, scale=False)
        return x + self.ff(self.norm_ff(x))


class T5Stack(nn.Module):
    def __init__(self, d, heads, d_kv, d_ff, layers, buckets, decoder):
        super().__init__()
        self.decoder = decoder
        self.buckets = buckets
        # One relative-attention-bias table per stack, shared by all its layers
        # (Hugging Face stores it in block 0 only).
        self.rel_bias = nn.Embedding(buckets, heads, **fk())
        self.blocks = nn.ModuleList([T5Block(d, heads, d_kv, d_ff, cross=decoder) for _ in range(layers)])
        self.final_norm = RMSNorm(d)

    def forward(self, x, memory=None):
        t = x.shape[1]
        rel = torch.arange(t).unsqueeze(0) - torch.arange(t).unsqueeze(1)
        bucket = t5_bucket(rel, bidirectional=not self.decoder, buckets=self.buckets)
        pos_bias = self.rel_bias(bucket).permute(2, 0, 1).unsqueeze(0)
        mask = causal(t) if self.decoder else None
        for block in self.blocks:
            x = block(x, pos_bias, mask=mask, memory=memory)
        return self.final_norm(x)


class T5(nn.Module):
    def __init__(self, vocab, d, heads, d_kv, d_ff, n_enc, n_dec, buckets):
        super().__init__()
        self.d = d
        self.shared = nn.Embedding(vocab, d, **fk())
        self.encoder = T5Stack(d, heads, d_kv, d_ff, n_enc, buckets, decoder=False)
        self.decoder = T5Stack(d, heads, d_kv, d_ff, n_dec, buckets, decoder=True)
        self.lm_head = nn.Linear(d, vocab, bias=False, **fk())
        self.lm_head.weight = self.shared.weight  # tied (original T5 v1.0)

    def forward(self, src, tgt):
        memory = self.encoder(self.shared(src))
        y = self.decoder(self.shared(tgt), memory=memory)
        return self.lm_head(y * self.d ** -0.5)


def t5_stock(vocab, d, heads, d_kv, d_ff, n_enc, n_dec, buckets):
    """Cross-check with nn.MultiheadAttention(bias=False) (valid when heads*d_kv == d)."""
    assert heads * d_kv == d

    def block(cross):
        b = nn.Module()
        b.n1 = nn.Parameter(torch.ones(d, **fk()))
        b.sa = nn.MultiheadAttention(d, heads, bias=False, **fk())
        if cross:
            b.n2 = nn.Parameter(torch.ones(d, **fk()))
            b.ca = nn.MultiheadAttention(d, heads, bias=False, **fk())
        b.n3 = nn.Parameter(torch.ones(d, **fk()))
        b.fc1 = nn.Linear(d, d_ff, bias=False, **fk())
        b.fc2 = nn.Linear(d_ff, d, bias=False, **fk())
        return b

    m = nn.Module()
    m.shared = nn.Embedding(vocab, d, **fk())
    m.enc = nn.ModuleList([block(False) for _ in range(n_enc)])
    m.enc_bias = nn.Embedding(buckets, heads, **fk())
    m.enc_norm = nn.Parameter(torch.ones(d, **fk()))
    m.dec = nn.ModuleList([block(True) for _ in range(n_dec)])
    m.dec_bias = nn.Embedding(buckets, heads, **fk())
    m.dec_norm = nn.Parameter(torch.ones(d, **fk()))
    return m


# ---------------------------------------------------------------------------
# 6. ViT
# ---------------------------------------------------------------------------

class Vit(nn.Module):
    def __init__(self, image, channels, patch, d, heads, layers, d_ff, classes):
        super().__init__()
        n_patches = (image // patch) ** 2
        self.patch_embed = nn.Conv2d(channels, d, kernel_size=patch, stride=patch, bias=True, **fk())
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d, **fk()))
        self.pos_embed = nn.Parameter(torch.zeros(1, n_patches + 1, d, **fk()))
        self.layers = nn.ModuleList([PreNormEncoderLayer(d, heads, d_ff, nn.GELU()) for _ in range(layers)])
        self.norm = nn.LayerNorm(d, **fk())
        self.head = nn.Linear(d, classes, **fk())

    def forward(self, img):
        x = self.patch_embed(img).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        for layer in self.layers:
            x = layer(x)
        return self.head(self.norm(x)[:, 0])


def vit_stock(image, channels, patch, d, heads, layers, d_ff, classes):
    m = nn.Module()
    m.patch = nn.Conv2d(channels, d, patch, patch, **fk())
    m.cls = nn.Parameter(torch.zeros(1, 1, d, **fk()))
    m.pos = nn.Parameter(torch.zeros(1, (image // patch) ** 2 + 1, d, **fk()))
    m.body = prenorm_stack_stock(d, heads, d_ff, layers)
    m.head = nn.Linear(d, classes, **fk())
    return m


# ---------------------------------------------------------------------------
# 7. Speech encoder (Whisper-tiny-style encoder + CTC head)
# ---------------------------------------------------------------------------

class SpeechEncoder(nn.Module):
    def __init__(self, n_mels, d, heads, layers, d_ff, ctc_vocab):
        super().__init__()
        self.d = d
        self.conv1 = nn.Conv1d(n_mels, d, kernel_size=3, padding=1, **fk())
        self.conv2 = nn.Conv1d(d, d, kernel_size=3, stride=2, padding=1, **fk())
        self.layers = nn.ModuleList([PreNormEncoderLayer(d, heads, d_ff, nn.GELU()) for _ in range(layers)])
        self.norm = nn.LayerNorm(d, **fk())
        self.ctc = nn.Linear(d, ctc_vocab, **fk())

    def forward(self, feats):  # [batch, frames, n_mels]
        x = F.gelu(self.conv1(feats.transpose(1, 2)))
        x = F.gelu(self.conv2(x)).transpose(1, 2)
        x = x + sinusoid(x.shape[1], self.d)
        for layer in self.layers:
            x = layer(x)
        return self.ctc(self.norm(x))


def speech_stock(n_mels, d, heads, layers, d_ff, ctc_vocab):
    m = nn.Module()
    m.conv1 = nn.Conv1d(n_mels, d, 3, padding=1, **fk())
    m.conv2 = nn.Conv1d(d, d, 3, stride=2, padding=1, **fk())
    m.body = prenorm_stack_stock(d, heads, d_ff, layers)
    m.ctc = nn.Linear(d, ctc_vocab, **fk())
    return m


# ---------------------------------------------------------------------------
# 8. LSTM seq2seq (Sutskever et al. 2014 style)
# ---------------------------------------------------------------------------

class LstmSeq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, emb, hidden, layers):
        super().__init__()
        self.src_embed = nn.Embedding(src_vocab, emb, **fk())
        self.tgt_embed = nn.Embedding(tgt_vocab, emb, **fk())
        self.encoder = nn.LSTM(emb, hidden, num_layers=layers, batch_first=True, **fk())
        self.decoder = nn.LSTM(emb, hidden, num_layers=layers, batch_first=True, **fk())
        self.out = nn.Linear(hidden, tgt_vocab, **fk())

    def forward(self, src, tgt):
        _, state = self.encoder(self.src_embed(src))
        y, _ = self.decoder(self.tgt_embed(tgt), state)
        return self.out(y)


def lstm_closed_form(src_vocab, tgt_vocab, emb, hidden, layers):
    """Cross-check: nn.LSTM has W_ih (4h x in), W_hh (4h x h), b_ih and b_hh (4h each) per layer."""
    def lstm(inp):
        return sum(4 * hidden * ((inp if i == 0 else hidden) + hidden) + 8 * hidden for i in range(layers))
    return src_vocab * emb + tgt_vocab * emb + 2 * lstm(emb) + hidden * tgt_vocab + tgt_vocab


# ---------------------------------------------------------------------------
# Mixtral: grouped-query attention + a sparse mixture of SwiGLU experts
# ---------------------------------------------------------------------------

class GqaAttention(nn.Module):
    """Bias-free q/k/v/o projections with fewer key/value heads (rotary positions have no parameters)."""

    def __init__(self, d, heads, kv_heads):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, d // heads
        self.q = nn.Linear(d, d, bias=False, **fk())
        self.k = nn.Linear(d, kv_heads * self.head_dim, bias=False, **fk())
        self.v = nn.Linear(d, kv_heads * self.head_dim, bias=False, **fk())
        self.o = nn.Linear(d, d, bias=False, **fk())

    def forward(self, x):
        b, t, _ = x.shape
        q = self.q(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        k = k.repeat_interleave(self.heads // self.kv_heads, dim=1)
        v = v.repeat_interleave(self.heads // self.kv_heads, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        scores = scores.masked_fill(~causal(t).to(x.device), float("-inf"))
        return self.o((scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, -1))


class Expert(nn.Module):
    def __init__(self, d, d_ff):
        super().__init__()
        self.w1 = nn.Linear(d, d_ff, bias=False, **fk())
        self.w3 = nn.Linear(d, d_ff, bias=False, **fk())
        self.w2 = nn.Linear(d_ff, d, bias=False, **fk())

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class SparseMoE(nn.Module):
    """Top-k routing: each token goes to its k best experts, weighted by a softmax over those k."""

    def __init__(self, d, d_ff, experts, top):
        super().__init__()
        self.top = top
        self.gate = nn.Linear(d, experts, bias=False, **fk())
        self.experts = nn.ModuleList([Expert(d, d_ff) for _ in range(experts)])

    def forward(self, x):
        flat = x.reshape(-1, x.shape[-1])
        weights, chosen = self.gate(flat).topk(self.top, dim=-1)
        weights = weights.softmax(-1)
        out = torch.zeros_like(flat)
        for e, expert in enumerate(self.experts):  # sparse dispatch: each expert sees only its tokens
            rows, slot = (chosen == e).nonzero(as_tuple=True)
            if rows.numel():
                out.index_add_(0, rows, weights[rows, slot].unsqueeze(-1) * expert(flat[rows]))
        return out.reshape(x.shape)


class MixtralLayer(nn.Module):
    def __init__(self, d, heads, kv_heads, d_ff, experts, top):
        super().__init__()
        self.norm1 = RMSNorm(d)
        self.attn = GqaAttention(d, heads, kv_heads)
        self.norm2 = RMSNorm(d)
        self.moe = SparseMoE(d, d_ff, experts, top)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.moe(self.norm2(x))


class Mixtral(nn.Module):
    def __init__(self, vocab, d, heads, kv_heads, layers, d_ff, experts, top):
        super().__init__()
        self.embed = nn.Embedding(vocab, d, **fk())
        self.layers = nn.ModuleList([MixtralLayer(d, heads, kv_heads, d_ff, experts, top) for _ in range(layers)])
        self.norm = RMSNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False, **fk())

    def forward(self, ids):
        h = self.embed(ids)
        for layer in self.layers:
            h = layer(h)
        return self.lm_head(self.norm(h))


def mixtral_closed_form(vocab, d, heads, kv_heads, layers, d_ff, experts):
    """Embedding + untied head, per layer: q/o d·d, k/v d·kv·hd, router d·E, E experts of 3·d·d_ff, 2 norms; final norm."""
    kv = kv_heads * (d // heads)
    per_layer = 2 * d * d + 2 * d * kv + d * experts + experts * 3 * d * d_ff + 2 * d
    return 2 * vocab * d + layers * per_layer + d


# ---------------------------------------------------------------------------
# Llama / Mistral: grouped-query attention (rotary: no parameters) + one SwiGLU feed-forward
# ---------------------------------------------------------------------------

class LlamaLayer(nn.Module):
    def __init__(self, d, heads, kv_heads, d_ff):
        super().__init__()
        self.norm1 = RMSNorm(d)
        self.attn = GqaAttention(d, heads, kv_heads)
        self.norm2 = RMSNorm(d)
        self.mlp = Expert(d, d_ff)  # gate/up d->d_ff, down d_ff->d, bias-free: Llama's SwiGLU

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Llama(nn.Module):
    def __init__(self, vocab, d, heads, kv_heads, layers, d_ff):
        super().__init__()
        self.embed = nn.Embedding(vocab, d, **fk())
        self.layers = nn.ModuleList([LlamaLayer(d, heads, kv_heads, d_ff) for _ in range(layers)])
        self.norm = RMSNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False, **fk())

    def forward(self, ids):
        h = self.embed(ids)
        for layer in self.layers:
            h = layer(h)
        return self.lm_head(self.norm(h))


def llama_closed_form(vocab, d, heads, kv_heads, layers, d_ff):
    """Embedding + untied head, per layer: q/o d·d, k/v d·kv·hd, SwiGLU 3·d·d_ff, 2 norms; final norm."""
    kv = kv_heads * (d // heads)
    return 2 * vocab * d + layers * (2 * d * d + 2 * d * kv + 3 * d * d_ff + 2 * d) + d


# ---------------------------------------------------------------------------
# Swin: shifted-window attention with a relative position bias table
# ---------------------------------------------------------------------------

class WindowAttention(nn.Module):
    def __init__(self, dim, heads, win):
        super().__init__()
        self.heads, self.win = heads, win
        self.qkv = nn.Linear(dim, 3 * dim, **fk())
        self.proj = nn.Linear(dim, dim, **fk())
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * win - 1) ** 2, heads, **fk()))
        coords = torch.stack(torch.meshgrid(torch.arange(win), torch.arange(win), indexing="ij")).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (win - 1)
        self.register_buffer("index", (rel[:, :, 0] * (2 * win - 1) + rel[:, :, 1]).to(_DEVICE), persistent=False)

    def forward(self, x, mask=None):
        bw, n, c = x.shape
        q, k, v = self.qkv(x).reshape(bw, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        scores = (q * (c // self.heads) ** -0.5) @ k.transpose(-2, -1)
        scores = scores + self.relative_position_bias_table[self.index].permute(2, 0, 1)
        if mask is not None:
            nw = mask.shape[0]
            scores = (scores.view(bw // nw, nw, self.heads, n, n) + mask[None, :, None]).view(bw, self.heads, n, n)
        return self.proj((scores.softmax(-1) @ v).transpose(1, 2).reshape(bw, n, c))


class SwinBlockRef(nn.Module):
    def __init__(self, dim, heads, res, win, shift):
        super().__init__()
        self.res, self.win, self.shift = res, win, shift
        self.norm1 = nn.LayerNorm(dim, **fk())
        self.attn = WindowAttention(dim, heads, win)
        self.norm2 = nn.LayerNorm(dim, **fk())
        self.mlp = FeedForward(dim, 4 * dim, F.gelu)

    def partition(self, x):
        b, h, w, c = x.shape
        x = x.view(b, h // self.win, self.win, w // self.win, self.win, c).permute(0, 1, 3, 2, 4, 5)
        return x.reshape(-1, self.win * self.win, c)

    def forward(self, x):
        b, l, c = x.shape
        h = self.norm1(x).view(b, self.res, self.res, c)
        mask = None
        if self.shift:
            h = torch.roll(h, (-self.shift, -self.shift), dims=(1, 2))
            region = torch.zeros(1, self.res, self.res, 1)
            cuts = (slice(0, -self.win), slice(-self.win, -self.shift), slice(-self.shift, None))
            for i, hs in enumerate(cuts):
                for j, ws in enumerate(cuts):
                    region[:, hs, ws, :] = 3 * i + j
            ids = self.partition(region).squeeze(-1)
            mask = (ids[:, :, None] != ids[:, None, :]).float() * -100.0
            mask = mask.to(x.device)
        out = self.attn(self.partition(h), mask)
        out = out.view(b, self.res // self.win, self.res // self.win, self.win, self.win, c).permute(0, 1, 3, 2, 4, 5)
        out = out.reshape(b, self.res, self.res, c)
        if self.shift:
            out = torch.roll(out, (self.shift, self.shift), dims=(1, 2))
        x = x + out.reshape(b, l, c)
        return x + self.mlp(self.norm2(x))


class PatchMergingRef(nn.Module):
    def __init__(self, dim, res):
        super().__init__()
        self.res = res
        self.norm = nn.LayerNorm(4 * dim, **fk())
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False, **fk())

    def forward(self, x):
        b, _, c = x.shape
        x = x.view(b, self.res, self.res, c)
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        return self.reduction(self.norm(x.view(b, -1, 4 * c)))


class Swin(nn.Module):
    def __init__(self, image, patch, d, depths, heads, wins, shifts, classes):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, d, patch, stride=patch, **fk())
        self.embed_norm = nn.LayerNorm(d, **fk())
        res = image // patch
        self.stages = nn.ModuleList()
        for s, depth in enumerate(depths):
            dim = d * 2 ** s
            blocks = [SwinBlockRef(dim, heads[s], res, wins[s], 0 if i % 2 == 0 else shifts[s]) for i in range(depth)]
            if s < len(depths) - 1:
                blocks.append(PatchMergingRef(dim, res))
                res //= 2
            self.stages.append(nn.Sequential(*blocks))
        self.norm = nn.LayerNorm(d * 2 ** (len(depths) - 1), **fk())
        self.head = nn.Linear(d * 2 ** (len(depths) - 1), classes, **fk())

    def forward(self, images):
        x = self.embed_norm(self.patch_embed(images).flatten(2).transpose(1, 2))
        for stage in self.stages:
            x = stage(x)
        return self.head(self.norm(x).mean(1))


def swin_closed_form(image, patch, d, depths, heads, wins, classes):
    """Patch embedding conv + norm; per block 12·C² + 13·C + (2w − 1)²·heads; merging 8·C² + 8·C; final norm + head."""
    total = 3 * patch * patch * d + d + 2 * d
    for s, depth in enumerate(depths):
        c = d * 2 ** s
        total += depth * (12 * c * c + 13 * c + (2 * wins[s] - 1) ** 2 * heads[s])
        if s < len(depths) - 1:
            total += 8 * c * c + 8 * c
    c = d * 2 ** (len(depths) - 1)
    return total + 2 * c + c * classes + classes


# ---------------------------------------------------------------------------
# Conformer: macaron feed-forwards, self-attention, and a convolution module
# ---------------------------------------------------------------------------

class ConvModuleRef(nn.Module):
    """LayerNorm, pointwise Conv1d to 2d, GLU, depthwise Conv1d, BatchNorm1d, SiLU, pointwise Conv1d."""

    def __init__(self, d, kernel):
        super().__init__()
        self.norm = nn.LayerNorm(d, **fk())
        self.pointwise_in = nn.Conv1d(d, 2 * d, 1, **fk())
        self.depthwise = nn.Conv1d(d, d, kernel, padding=(kernel - 1) // 2, groups=d, **fk())
        self.batch_norm = nn.BatchNorm1d(d, **fk())
        self.pointwise_out = nn.Conv1d(d, d, 1, **fk())

    def forward(self, x):  # [B, T, d]
        h = F.glu(self.pointwise_in(self.norm(x).transpose(1, 2)), dim=1)
        h = F.silu(self.batch_norm(self.depthwise(h)))
        return self.pointwise_out(h).transpose(1, 2)


class ConformerBlockRef(nn.Module):
    def __init__(self, d, heads, kernel):
        super().__init__()
        self.ff1 = FeedForward(d, 4 * d, F.silu)
        self.ff2 = FeedForward(d, 4 * d, F.silu)
        self.attn = Attention(d, heads)
        self.conv = ConvModuleRef(d, kernel)
        self.norms = nn.ModuleList([nn.LayerNorm(d, **fk()) for _ in range(4)])

    def forward(self, x):
        x = x + 0.5 * self.ff1(self.norms[0](x))
        x = x + self.attn(self.norms[1](x))
        x = x + self.conv(x)
        x = x + 0.5 * self.ff2(self.norms[2](x))
        return self.norms[3](x)


class Conformer(nn.Module):
    """Conv2d subsampling (two 3x3 stride-2 convolutions, ESPnet's Conv2dSubsampling), Linear, sinusoids, blocks, CTC head."""

    def __init__(self, n_mels, d, heads, layers, kernel, vocab):
        super().__init__()
        self.conv1 = nn.Conv2d(1, d, 3, stride=2, **fk())
        self.conv2 = nn.Conv2d(d, d, 3, stride=2, **fk())
        freq = ((n_mels - 3) // 2 + 1 - 3) // 2 + 1
        self.proj = nn.Linear(d * freq, d, **fk())
        self.blocks = nn.ModuleList([ConformerBlockRef(d, heads, kernel) for _ in range(layers)])
        self.head = nn.Linear(d, vocab, **fk())

    def forward(self, features):  # [B, frames, n_mels]
        h = F.relu(self.conv2(F.relu(self.conv1(features.unsqueeze(1)))))  # [B, d, T', F']
        b, c, t, f = h.shape
        x = self.proj(h.transpose(1, 2).reshape(b, t, c * f))
        x = x + sinusoid(t, x.shape[-1]).to(x.device)
        for block in self.blocks:
            x = block(x)
        return self.head(x).log_softmax(-1)


def conformer_closed_form(n_mels, d, layers, kernel, vocab):
    """Front end: 2 convs + projection; per block: 2 FFNs, attention, conv module, 4 LayerNorms (BatchNorm: 2d)."""
    freq = ((n_mels - 3) // 2 + 1 - 3) // 2 + 1
    front = (9 * d + d) + (9 * d * d + d) + (d * freq * d + d)
    ffn = 2 * (d * 4 * d + 4 * d + 4 * d * d + d)
    attention = 4 * (d * d + d)
    conv = (2 * d * d + 2 * d) + (kernel * d + d) + 2 * d + (d * d + d) + 2 * d
    return front + layers * (ffn + attention + conv + 4 * 2 * d) + d * vocab + vocab


# ---------------------------------------------------------------------------
# Perceiver IO: a latent array that cross-attends into the input
# ---------------------------------------------------------------------------

class CrossAttentionRef(nn.Module):
    def __init__(self, d_q, d_kv, heads):
        super().__init__()
        self.heads = heads
        self.q_norm = nn.LayerNorm(d_q, **fk())
        self.kv_norm = nn.LayerNorm(d_kv, **fk())
        self.q = nn.Linear(d_q, d_q, **fk())
        self.k = nn.Linear(d_kv, d_q, **fk())
        self.v = nn.Linear(d_kv, d_q, **fk())
        self.o = nn.Linear(d_q, d_q, **fk())

    def forward(self, q, kv):
        b, tq, d = q.shape
        h = self.kv_norm(kv)
        split = lambda t: t.view(b, t.shape[1], self.heads, d // self.heads).transpose(1, 2)
        scores = split(self.q(self.q_norm(q))) @ split(self.k(h)).transpose(-1, -2) / math.sqrt(d // self.heads)
        return self.o((scores.softmax(-1) @ split(self.v(h))).transpose(1, 2).reshape(b, tq, d))


class CrossLayerRef(nn.Module):
    def __init__(self, d_q, d_kv, heads):
        super().__init__()
        self.attn = CrossAttentionRef(d_q, d_kv, heads)
        self.mlp_norm = nn.LayerNorm(d_q, **fk())
        self.mlp = FeedForward(d_q, d_q, F.gelu)

    def forward(self, q, kv):
        x = q + self.attn(q, kv)
        return x + self.mlp(self.mlp_norm(x))


class PerceiverIO(nn.Module):
    def __init__(self, vocab, max_len, d_in, latents, d_latent, layers, heads):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_in, **fk())
        self.pos = nn.Parameter(torch.zeros(max_len, d_in, **fk()))
        self.latents = nn.Parameter(torch.randn(latents, d_latent, **fk()) * 0.02)
        self.encode = CrossLayerRef(d_latent, d_in, 1)
        self.process = nn.ModuleList([PreNormEncoderLayer(d_latent, heads, d_latent, F.gelu) for _ in range(layers)])
        self.decode = CrossLayerRef(d_in, d_latent, heads)
        self.lm_head = nn.Linear(d_in, vocab, **fk())

    def forward(self, ids):
        b, t = ids.shape
        inputs = self.embed(ids) + self.pos[:t]
        z = self.encode(self.latents.expand(b, -1, -1), inputs)
        for layer in self.process:
            z = layer(z)
        return self.lm_head(self.decode(self.pos[:t].expand(b, -1, -1), z))


def perceiver_closed_form(vocab, max_len, d_in, latents, d_latent, layers):
    cross = lambda dq, dkv: 2 * dq + 2 * dkv + (dq * dq + dq) + 2 * (dkv * dq + dq) + (dq * dq + dq) + 2 * dq + 2 * (dq * dq + dq)
    self_layer = 4 * (d_latent * d_latent + d_latent) + 2 * (d_latent * d_latent + d_latent) + 4 * d_latent
    return vocab * d_in + max_len * d_in + latents * d_latent + cross(d_latent, d_in) + layers * self_layer + cross(d_in, d_latent) + d_in * vocab + vocab


# ---------------------------------------------------------------------------
# Model table
# ---------------------------------------------------------------------------

def count(m):
    return sum(p.numel() for p in m.parameters())


def tok(*shape, high=10):
    return torch.randint(0, high, shape)


MODELS = [
    # name, build, stock cross-check (callable returning a module or an int), tiny smoke input, source, published, published_source
    dict(
        name="TransformerBase",
        build=lambda: Transformer(37000, 512, 8, 2048, 6, 6),
        stock=lambda: transformer_stock(37000, 512, 8, 2048, 6, 6),
        source="pytorch: hand-built encoder-decoder (scripts/reference/param_counts.py: Transformer): "
               "nn.Embedding(37000,512) shared by encoder input, decoder input and a bias-free pre-softmax "
               "nn.Linear (weight tied); 6 post-norm encoder layers (q/k/v/o nn.Linear 512->512 with bias, "
               "FF nn.Linear 512->2048->512, 2 nn.LayerNorm) and 6 post-norm decoder layers (self-attn, cross-attn, "
               "FF, 3 nn.LayerNorm); sinusoidal positions (no params); no final encoder/decoder LayerNorm. "
               "Cross-checked against nn.Transformer(custom_encoder=nn.TransformerEncoder(..., norm=None), "
               "custom_decoder=nn.TransformerDecoder(..., norm=None)) + the tied embedding.",
        published=65_000_000,
        published_source="Vaswani et al. 2017, 'Attention Is All You Need', Table 3, row 'base': params x10^6 = 65. "
                         "Rounded, and the vocabulary behind it is not stated exactly (EN-DE: shared BPE ~37000 tokens; "
                         "EN-FR: 32000 word-pieces); see scripts/reference/README.md.",
    ),
    dict(
        name="TransformerBig",
        build=lambda: Transformer(37000, 1024, 16, 4096, 6, 6),
        stock=lambda: transformer_stock(37000, 1024, 16, 4096, 6, 6),
        source="pytorch: same construction as TransformerBase with d_model 1024, 16 heads, d_ff 4096 "
               "(shared, tied nn.Embedding(37000,1024); 6+6 post-norm layers; no final norms). "
               "Cross-checked against nn.Transformer with norm=None encoder/decoder.",
        published=213_000_000,
        published_source="Vaswani et al. 2017, 'Attention Is All You Need', Table 3, row 'big': params x10^6 = 213.",
    ),
    dict(
        name="TransformerTiny",
        build=lambda: Transformer(100, 32, 4, 64, 2, 2),
        stock=lambda: transformer_stock(100, 32, 4, 64, 2, 2),
        smoke=lambda m: m(tok(2, 7), tok(2, 5)),
        source="pytorch: Transformer construction with vocab 100 (shared, tied), d_model 32, 4 heads, d_ff 64, "
               "2+2 post-norm layers, no final norms. Cross-checked against nn.Transformer with norm=None.",
    ),
    dict(
        name="BertBase",
        build=lambda: Bert(30522, 512, 2, 768, 12, 12, 3072),
        stock=lambda: bert_stock(30522, 512, 2, 768, 12, 12, 3072),
        source="pytorch: hand-built BertForPreTraining equivalent (Bert): word nn.Embedding(30522,768) + position "
               "nn.Embedding(512,768) + token-type nn.Embedding(2,768) + nn.LayerNorm; 12 post-norm GELU encoder "
               "layers (q/k/v/o nn.Linear 768->768, FF 768->3072->768, 2 nn.LayerNorm); pooler nn.Linear(768,768)+tanh; "
               "MLM head nn.Linear(768,768)+GELU+nn.LayerNorm then decoder nn.Linear(768,30522) whose weight is tied "
               "to the word embedding and whose bias (30522) is its own; NSP nn.Linear(768,2). Cross-checked against "
               "nn.TransformerEncoderLayer(768,12,3072,activation='gelu') x12.",
        published=110_000_000,
        published_source="Devlin et al. 2019, 'BERT: Pre-training of Deep Bidirectional Transformers for Language "
                         "Understanding', Section 3: BERT_BASE (L=12, H=768, A=12, Total Parameters=110M).",
    ),
    dict(
        name="BertTiny",
        build=lambda: Bert(100, 64, 2, 32, 4, 2, 64),
        stock=lambda: bert_stock(100, 64, 2, 32, 4, 2, 64),
        smoke=lambda m: m(tok(2, 9), tok(2, 9, high=2)),
        source="pytorch: Bert construction with vocab 100, 64 positions, 2 token types, d 32, 4 heads, 2 layers, "
               "d_ff 64 (pooler, MLM head with tied decoder + own bias, NSP head).",
    ),
    dict(
        name="Gpt2Small",
        build=lambda: Gpt2(50257, 1024, 768, 12, 12, 3072),
        stock=lambda: gpt2_stock(50257, 1024, 768, 12, 12, 3072),
        source="pytorch: hand-built GPT-2 (Gpt2): token nn.Embedding(50257,768) + position nn.Embedding(1024,768); "
               "12 pre-norm GELU layers (nn.LayerNorm, q/k/v/o nn.Linear 768->768, nn.LayerNorm, FF 768->3072->768); "
               "final nn.LayerNorm; bias-free lm head nn.Linear(768,50257) tied to the token embedding. Cross-checked "
               "against nn.TransformerEncoder(nn.TransformerEncoderLayer(norm_first=True), 12, norm=nn.LayerNorm).",
        published=117_000_000,
        published_source="Radford et al. 2019, 'Language Models are Unsupervised Multitask Learners', Table 2: "
                         "smallest model 117M parameters -- a known under-count; the released checkpoint (Hugging Face "
                         "'gpt2' model card: '124M parameters') has 124,439,808, which is what this module counts.",
    ),
    dict(
        name="Gpt2Tiny",
        build=lambda: Gpt2(100, 64, 32, 4, 2, 128),
        stock=lambda: gpt2_stock(100, 64, 32, 4, 2, 128),
        smoke=lambda m: m(tok(2, 11)),
        source="pytorch: Gpt2 construction with vocab 100, ctx 64, d 32, 4 heads, 2 layers, d_ff 128, tied lm head.",
    ),
    dict(
        name="T5Small",
        build=lambda: T5(32128, 512, 8, 64, 2048, 6, 6, 32),
        stock=lambda: t5_stock(32128, 512, 8, 64, 2048, 6, 6, 32),
        source="pytorch: hand-built T5 v1.0 (T5): shared nn.Embedding(32128,512) for encoder, decoder and the "
               "bias-free tied lm head; no biases anywhere; weight-only RMS norm (512 params) before every sublayer "
               "plus a final norm per stack; attention q/k/v nn.Linear(512->8*64, bias=False), o nn.Linear(512->512, "
               "bias=False); FF nn.Linear(512->2048->512, bias=False) with ReLU; one relative-position bias "
               "nn.Embedding(32,8) per stack (encoder; decoder self-attention; none for cross-attention); 6+6 layers. "
               "Cross-checked against nn.MultiheadAttention(bias=False) blocks.",
        published=60_000_000,
        published_source="Raffel et al. 2020, 'Exploring the Limits of Transfer Learning with a Unified Text-to-Text "
                         "Transformer', Section 3.7: Small model 'with about 60 million parameters' (commonly '60M'); "
                         "Hugging Face t5-small count 60,506,624.",
    ),
    dict(
        name="T5Tiny",
        build=lambda: T5(100, 32, 4, 8, 64, 2, 2, 8),
        stock=lambda: t5_stock(100, 32, 4, 8, 64, 2, 2, 8),
        smoke=lambda m: m(tok(2, 7), tok(2, 5)),
        source="pytorch: T5 construction with vocab 100, d 32, 4 heads, d_kv 8, d_ff 64, 2+2 layers, 8 buckets "
               "(bias-free, weight-only norms, tied head).",
    ),
    dict(
        name="VitB16",
        build=lambda: Vit(224, 3, 16, 768, 12, 12, 3072, 1000),
        stock=lambda: vit_stock(224, 3, 16, 768, 12, 12, 3072, 1000),
        source="pytorch: hand-built ViT-B/16 (Vit): patch embedding nn.Conv2d(3,768,kernel 16,stride 16) with bias; "
               "[CLS] nn.Parameter(1,1,768); position nn.Parameter(1,197,768); 12 pre-norm GELU layers "
               "(nn.LayerNorm, q/k/v/o nn.Linear 768->768, nn.LayerNorm, FF 768->3072->768); final nn.LayerNorm; "
               "head nn.Linear(768,1000) on the CLS position. Cross-checked against "
               "nn.TransformerEncoderLayer(norm_first=True) x12 + final LayerNorm.",
        published=86_000_000,
        published_source="Dosovitskiy et al. 2021, 'An Image is Worth 16x16 Words', Table 1: ViT-Base, Params 86M; "
                         "timm vit_base_patch16_224 (1000-class head) counts 86,567,656.",
    ),
    dict(
        name="VitTiny",
        build=lambda: Vit(32, 3, 8, 32, 4, 2, 64, 10),
        stock=lambda: vit_stock(32, 3, 8, 32, 4, 2, 64, 10),
        smoke=lambda m: m(torch.randn(2, 3, 32, 32)),
        source="pytorch: Vit construction with 32x32x3 images, patch 8 (16 patches + CLS = 17 positions), d 32, "
               "4 heads, 2 layers, d_ff 64, 10 classes.",
    ),
    dict(
        name="SpeechEncoder",
        build=lambda: SpeechEncoder(80, 384, 6, 4, 1536, 32),
        stock=lambda: speech_stock(80, 384, 6, 4, 1536, 32),
        source="pytorch: hand-built Whisper-tiny-style encoder (SpeechEncoder): nn.Conv1d(80,384,k3,pad 1)+GELU, "
               "nn.Conv1d(384,384,k3,stride 2,pad 1)+GELU; sinusoidal positions (no params); 4 pre-norm GELU layers "
               "(q/k/v/o nn.Linear 384->384 with bias, FF 384->1536->384); final nn.LayerNorm; CTC head "
               "nn.Linear(384,32). Cross-checked against nn.TransformerEncoderLayer(norm_first=True) x4.",
    ),
    dict(
        name="SpeechTiny",
        build=lambda: SpeechEncoder(80, 32, 4, 2, 64, 32),
        stock=lambda: speech_stock(80, 32, 4, 2, 64, 32),
        smoke=lambda m: m(torch.randn(2, 20, 80)),
        source="pytorch: SpeechEncoder construction with 80-dim input, d 32, 4 heads, 2 layers, d_ff 64, CTC vocab 32.",
    ),
    dict(
        name="LstmSeq2Seq",
        build=lambda: LstmSeq2Seq(8000, 8000, 256, 512, 2),
        stock=lambda: lstm_closed_form(8000, 8000, 256, 512, 2),
        source="pytorch: LstmSeq2Seq: source nn.Embedding(8000,256), target nn.Embedding(8000,256) (separate), "
               "encoder nn.LSTM(256,512,num_layers=2,batch_first=True), decoder nn.LSTM(256,512,num_layers=2,"
               "batch_first=True) (each LSTM layer: W_ih, W_hh, b_ih, b_hh), output nn.Linear(512,8000) with bias, "
               "untied. Cross-checked against the closed form 4h(in+h)+8h per LSTM layer.",
    ),
    dict(
        name="LstmSeq2SeqTiny",
        build=lambda: LstmSeq2Seq(50, 50, 16, 32, 1),
        stock=lambda: lstm_closed_form(50, 50, 16, 32, 1),
        smoke=lambda m: m(tok(2, 6), tok(2, 4)),
        source="pytorch: LstmSeq2Seq construction with vocabs 50, embedding 16, hidden 32, 1 LSTM layer each.",
    ),
    dict(
        name="Mixtral8x7B",
        build=lambda: Mixtral(32000, 4096, 32, 8, 32, 14336, 8, 2),
        stock=lambda: mixtral_closed_form(32000, 4096, 32, 8, 32, 14336, 8),
        source="pytorch: hand-built Mixtral (Mixtral): nn.Embedding(32000,4096); 32 pre-norm layers of RMSNorm, "
               "bias-free grouped-query attention (q/o nn.Linear 4096->4096, k/v nn.Linear 4096->1024: 8 kv heads "
               "of 128), RMSNorm, sparse MoE (router nn.Linear(4096,8), 8 SwiGLU experts w1/w3 nn.Linear "
               "4096->14336 and w2 nn.Linear 14336->4096, top-2 routing with sparse dispatch); final RMSNorm; "
               "untied bias-free nn.Linear(4096,32000) head. Cross-checked against the closed form.",
        published=46_702_792_704,
        published_source="Mistral AI, Mixtral-8x7B-v0.1 model card / safetensors index: total_size 93,405,585,408 "
                         "bytes in bf16 = 46,702,792,704 parameters (Jiang et al. 2024 round it to 47B).",
    ),
    dict(
        name="MixtralTiny",
        build=lambda: Mixtral(64, 32, 4, 2, 2, 48, 4, 2),
        stock=lambda: mixtral_closed_form(64, 32, 4, 2, 2, 48, 4),
        smoke=lambda m: m(tok(2, 6)),
        source="pytorch: Mixtral construction with vocab 64, d 32, 4 heads (2 kv heads), 2 layers, d_ff 48, 4 experts, top 2.",
    ),
    dict(
        name="Llama2_7B",
        build=lambda: Llama(32000, 4096, 32, 32, 32, 11008),
        stock=lambda: llama_closed_form(32000, 4096, 32, 32, 32, 11008),
        source="pytorch: hand-built Llama (Llama): nn.Embedding(32000,4096); 32 pre-norm layers of RMSNorm, bias-free "
               "attention (q/k/v/o nn.Linear 4096->4096; rotary positions have no parameters), RMSNorm, SwiGLU "
               "(gate/up nn.Linear 4096->11008, down nn.Linear 11008->4096, no biases); final RMSNorm; untied "
               "bias-free nn.Linear(4096,32000) head. Cross-checked against the closed form.",
        published=7_000_000_000,
        published_source="Touvron et al. 2023, 'Llama 2': 7B (rounded).",
    ),
    dict(
        name="Mistral7B",
        build=lambda: Llama(32000, 4096, 32, 8, 32, 14336),
        stock=lambda: llama_closed_form(32000, 4096, 32, 8, 32, 14336),
        source="pytorch: the Llama construction with 8 key/value heads (k/v nn.Linear 4096->1024) and d_ff 14336.",
        published=7_300_000_000,
        published_source="Mistral AI's announcement of Mistral 7B: 7.3B (rounded).",
    ),
    dict(
        name="LlamaTiny",
        build=lambda: Llama(100, 32, 4, 2, 2, 64),
        stock=lambda: llama_closed_form(100, 32, 4, 2, 2, 64),
        smoke=lambda m: m(tok(2, 6)),
        source="pytorch: Llama construction with vocab 100, d 32, 4 heads (2 kv heads), 2 layers, d_ff 64.",
    ),    dict(
        name="SwinT",
        build=lambda: Swin(224, 4, 96, (2, 2, 6, 2), (3, 6, 12, 24), (7, 7, 7, 7), (3, 3, 3, 0), 1000),
        stock=lambda: swin_closed_form(224, 4, 96, (2, 2, 6, 2), (3, 6, 12, 24), (7, 7, 7, 7), 1000),
        source="pytorch: hand-built Swin-T (Swin): nn.Conv2d(3,96,4,stride 4) patch embedding + nn.LayerNorm; stages of "
               "depth 2/2/6/2 at 56/28/14/7 with dims 96/192/384/768 and 3/6/12/24 heads; each block nn.LayerNorm, "
               "window attention (qkv nn.Linear C->3C, proj nn.Linear C->C, relative_position_bias_table "
               "nn.Parameter(169, heads); the index is a non-persistent buffer), nn.LayerNorm, MLP C->4C->C GELU; "
               "odd blocks shift windows by 3 (the last stage's 7x7 map is one window, no shift); patch merging "
               "nn.LayerNorm(4C) + nn.Linear(4C,2C,bias=False); final nn.LayerNorm(768), mean pool, nn.Linear(768,1000). "
               "Cross-checked against the closed form.",
        published=28_288_354,
        published_source="Liu et al. 2021, 'Swin Transformer', Table 1: Swin-T 28M; the reference implementation's "
                         "swin_tiny_patch4_window7_224 (1000 classes) counts 28,288,354.",
    ),
    dict(
        name="SwinTiny",
        build=lambda: Swin(32, 2, 8, (2, 2, 2, 2), (2, 2, 4, 4), (4, 4, 4, 2), (2, 2, 2, 0), 5),
        stock=lambda: swin_closed_form(32, 2, 8, (2, 2, 2, 2), (2, 2, 4, 4), (4, 4, 4, 2), 5),
        smoke=lambda m: m(torch.randn(2, 3, 32, 32)),
        source="pytorch: Swin construction with 32x32 images, patch 2 (16x16 map), d 8, depths 2/2/2/2, heads 2/2/4/4, "
               "windows 4/4/4/2 shifted by 2 (the last stage's 2x2 map is one window, no shift), 5 classes.",
    ),    dict(
        name="ConformerS",
        build=lambda: Conformer(80, 144, 4, 16, 31, 32),
        stock=lambda: conformer_closed_form(80, 144, 16, 31, 32),
        source="pytorch: hand-built Conformer (Conformer): Conv2dSubsampling nn.Conv2d(1,144,3,stride 2) + ReLU, "
               "nn.Conv2d(144,144,3,stride 2) + ReLU, nn.Linear(144*19,144); sinusoidal positions; 16 blocks of "
               "half-step FFN (nn.LayerNorm, nn.Linear 144->576 SiLU ->144), self-attention (nn.LayerNorm, q/k/v/o "
               "nn.Linear 144->144), conv module (nn.LayerNorm, nn.Conv1d 144->288 k1, GLU, depthwise nn.Conv1d "
               "k31 groups 144, nn.BatchNorm1d(144): running statistics are buffers, SiLU, nn.Conv1d 144->144 k1), "
               "second half-step FFN, final nn.LayerNorm; CTC head nn.Linear(144,32). Cross-checked against the closed form.",
        # Not comparable with a published total: Gulati et al. 2020, Table 1 give Conformer (S) 10.3M
        # with an LSTM decoder (1 layer, 320) and relative positional attention, which this encoder
        # with a character CTC head does not have.
    ),
    dict(
        name="ConformerTiny",
        build=lambda: Conformer(16, 16, 2, 2, 5, 8),
        stock=lambda: conformer_closed_form(16, 16, 2, 5, 8),
        smoke=lambda m: m(torch.randn(2, 24, 16)),
        source="pytorch: Conformer construction with 16 mel bins, d 16, 2 heads, 2 blocks, kernel 5, 8 classes.",
    ),    dict(
        name="PerceiverIO",
        build=lambda: PerceiverIO(262, 2048, 768, 256, 1280, 26, 8),
        stock=lambda: perceiver_closed_form(262, 2048, 768, 256, 1280, 26),
        source="pytorch: hand-built Perceiver IO language encoder (PerceiverIO): nn.Embedding(262,768) + learned positions "
               "nn.Parameter(2048,768); latent array nn.Parameter(256,1280); encoder cross-attention layer (nn.LayerNorm on "
               "queries and on inputs, q/o nn.Linear 1280->1280, k/v nn.Linear 768->1280, 1 head, MLP 1280->1280->1280 GELU "
               "with its nn.LayerNorm); 26 pre-norm self-attention layers on the latents (PreNormEncoderLayer, d_ff 1280); decoder "
               "cross-attention layer with the position embeddings as queries (768, 8 heads) over the latents; nn.Linear(768,262). "
               "Cross-checked against the closed form.",
    ),
    dict(
        name="PerceiverIOTiny",
        build=lambda: PerceiverIO(40, 32, 16, 4, 24, 2, 2),
        stock=lambda: perceiver_closed_form(40, 32, 16, 4, 24, 2),
        smoke=lambda m: m(tok(2, 6)),
        source="pytorch: PerceiverIO construction with vocab 40, 32 positions, d_in 16, 4 latents of 24, 2 layers, 2 heads.",
    ),
]


def breakdown(model):
    """Per-module subtotals, each distinct tensor counted once (where it is first registered).

    Group = path up to and including the first ModuleList index (one entry per layer),
    otherwise the owning module's path (e.g. 'embeddings.word', 'ln_f', 'head').
    A tied weight is counted under the embedding that owns it; the head that reuses it
    contributes only its own parameters (e.g. BERT's MLM decoder bias).
    """
    groups = {}
    for name, p in model.named_parameters():  # dedups shared tensors, first registration wins
        parts = name.split(".")
        for i, part in enumerate(parts):
            if part.isdigit():
                key = ".".join(parts[: i + 1])
                break
        else:
            key = ".".join(parts[:-1]) or parts[-1]
        groups[key] = groups.get(key, 0) + p.numel()
    return groups


def tied(model):
    """Names under which an already-seen tensor is registered again."""
    seen, out = {}, []
    for mod_name, mod in model.named_modules():
        for pname, p in mod._parameters.items():
            if p is None:
                continue
            full = f"{mod_name}.{pname}" if mod_name else pname
            if id(p) in seen:
                out.append(f"{full} = {seen[id(p)]}")
            else:
                seen[id(p)] = full
    return out


def compute():
    global _DEVICE
    torch.manual_seed(0)
    result = {}
    for spec in MODELS:
        _DEVICE = "cpu" if "smoke" in spec else "meta"
        model = spec["build"]()
        n = count(model)
        stock = spec["stock"]()
        n_stock = stock if isinstance(stock, int) else count(stock)
        if n != n_stock:
            raise SystemExit(f"{spec['name']}: hand-built module has {n} params but stock cross-check has {n_stock}")
        bd = breakdown(model)
        assert sum(bd.values()) == n
        if "smoke" in spec:
            with torch.no_grad():
                out = spec["smoke"](model)
            outs = out if isinstance(out, tuple) else (out,)
            assert all(torch.isfinite(o).all() for o in outs), spec["name"]
        entry = {
            "params": n,
            "source": spec["source"],
            "published": spec.get("published"),
            "published_source": spec.get("published_source"),
            "tied": tied(model),
            "breakdown": bd,
        }
        result[spec["name"]] = entry
        del model, stock
    return result


def render(result):
    return json.dumps(result, indent=2) + "\n"


def table(result):
    rows = [("model", "pytorch params", "published", "diff vs published")]
    for name, e in result.items():
        pub = e["published"]
        diff = "" if pub is None else f"{(e['params'] - pub) / pub * 100:+.1f}%"
        rows.append((name, f"{e['params']:,}", "-" if pub is None else f"{pub / 1e6:g}M", diff))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for j, r in enumerate(rows):
        lines.append("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="fail if the committed fixture differs from a fresh run")
    ap.add_argument("--breakdown", action="store_true", help="also print per-module subtotals")
    args = ap.parse_args()

    torch.set_num_threads(1)
    result = compute()
    print(table(result))
    if args.breakdown:
        for name, e in result.items():
            print(f"\n{name}")
            for k, v in e["breakdown"].items():
                print(f"  {k:<40} {v:>14,}")
            for t in e["tied"]:
                print(f"  tied: {t}")
    text = render(result)
    if args.check:
        with open(OUT) as f:
            if f.read() != text:
                print(f"\n{os.path.relpath(OUT, REPO)} is stale; regenerate it", file=sys.stderr)
                return 1
        print(f"\n{os.path.relpath(OUT, REPO)} is up to date")
        return 0
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    print(f"\nwrote {os.path.relpath(OUT, REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
