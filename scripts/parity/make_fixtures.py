#!/usr/bin/python3
"""Regenerates the PyTorch parity fixtures in test/fixtures/parity/.

Each case builds, in plain PyTorch, the same computation as a tfmc model (a standard-library
block wrapped in a small model from test/fixtures/parity/blocks.tfm, or a shipped spec's tiny
variant), with parameters named exactly as tfmc's IR names them (checked against
scripts/parity/dump-params.mjs). Weights and inputs are random (seeded); the fixture holds them,
the outputs, the loss, and the gradients of the loss with respect to every parameter.

The reference modules are themselves checked against PyTorch's own layers where those exist
(nn.MultiheadAttention, nn.TransformerEncoderLayer / DecoderLayer, nn.LSTM, nn.GRU) before any
fixture is written.

Run from the repository root with Debian's torch (python3-torch):
    npm run build && /usr/bin/python3 scripts/parity/make_fixtures.py
"""
import base64
import json
import math
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'parity')
BLOCKS = 'test/fixtures/parity/blocks.tfm'

torch.set_num_threads(1)


# ----------------------------------------------------------------------------------------------
# Reference building blocks (the semantics documented in src/ir/ops/*.ts and src/std/*.tfm)

def masked_softmax(scores, mask):
    """Softmax over keys; mask is bool [B|1, Tq|1, Tk], True = may attend. A query row with no key
    it may attend to gives zeros."""
    if mask is None:
        return torch.softmax(scores, -1)
    m = mask.unsqueeze(1).expand(scores.shape)
    any_row = m.any(-1, keepdim=True)
    filled = scores.masked_fill(~m, float('-inf'))
    filled = torch.where(any_row, filled, torch.zeros_like(filled))
    return torch.softmax(filled, -1) * any_row


def causal_mask(t):
    return torch.tril(torch.ones(t, t, dtype=torch.bool)).unsqueeze(0)  # [1, T, T]


def padding_mask(ids, pad=0):
    return (ids != pad).unsqueeze(1)  # [B, 1, T]


def rotate_half_rope(x, base=10000.0):
    """Rotary embedding on [B, H, T, d] in the GPT-NeoX/Llama layout (feature i pairs with i + d/2)."""
    t, d = x.shape[2], x.shape[3]
    inv = 1.0 / (base ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    angles = torch.arange(t, dtype=torch.float64)[:, None] * inv[None, :]
    emb = torch.cat([angles, angles], -1)
    cos, sin = emb.cos().float(), emb.sin().float()
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, heads, d_k=None, bias=True, scaled=True, kv_heads=None, rotary=False):
        super().__init__()
        self.heads = heads
        self.kv_heads = kv_heads or heads
        self.d_k = d_k or d_model // heads
        self.scaled = scaled
        self.rotary = rotary
        self.q_proj = nn.Linear(d_model, heads * self.d_k, bias=bias)
        self.k_proj = nn.Linear(d_model, self.kv_heads * self.d_k, bias=bias)
        self.v_proj = nn.Linear(d_model, self.kv_heads * self.d_k, bias=bias)
        self.o_proj = nn.Linear(heads * self.d_k, d_model, bias=bias)

    def forward(self, q, kv, mask=None, pos_bias=None):
        b, tq, _ = q.shape
        tk = kv.shape[1]
        h, kvh, dk = self.heads, self.kv_heads, self.d_k
        Q = self.q_proj(q).view(b, tq, h, dk).transpose(1, 2)
        # Each key/value head serves heads // kv_heads consecutive query heads.
        K = self.k_proj(kv).view(b, tk, kvh, dk).transpose(1, 2).repeat_interleave(h // kvh, dim=1)
        V = self.v_proj(kv).view(b, tk, kvh, dk).transpose(1, 2).repeat_interleave(h // kvh, dim=1)
        if self.rotary:
            Q, K = rotate_half_rope(Q), rotate_half_rope(K)
        scores = Q @ K.transpose(-2, -1)
        if self.scaled:
            scores = scores / math.sqrt(dk)
        if pos_bias is not None:
            scores = scores + pos_bias
        w = masked_softmax(scores, mask)
        return self.o_proj((w @ V).transpose(1, 2).reshape(b, tq, h * dk))


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def make_norm(kind, d, eps, bias):
    return RMSNorm(d, eps) if kind == 'rms' else nn.LayerNorm(d, eps=eps, elementwise_affine=True) if bias else NoBiasLayerNorm(d, eps)


class NoBiasLayerNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return F.layer_norm(x, x.shape[-1:], self.weight, None, self.eps)


ACT = {
    'relu': F.relu,
    'gelu': lambda x: gelu(x),
    'gelu_tanh': lambda x: F.gelu(x, approximate='tanh'),
    'silu': F.silu,
}


class FeedForward(nn.Module):
    def __init__(self, d_model, d_ff, activation='relu', bias=True):
        super().__init__()
        self.swiglu = activation == 'swiglu'
        if self.swiglu:
            self.gate = nn.Linear(d_model, d_ff, bias=bias)
            self.up = nn.Linear(d_model, d_ff, bias=bias)
            self.down = nn.Linear(d_ff, d_model, bias=bias)
        else:
            self.fc1 = nn.Linear(d_model, d_ff, bias=bias)
            self.fc2 = nn.Linear(d_ff, d_model, bias=bias)
            self.act = ACT[activation]

    def forward(self, x):
        if self.swiglu:
            return self.down(F.silu(self.gate(x)) * self.up(x))
        return self.fc2(self.act(self.fc1(x)))


class EncoderLayer(nn.Module):
    def __init__(self, d_model, heads, d_ff, d_k=None, norm='post', norm_kind='layer', activation='relu', bias=True, scaled=True, eps=1e-5):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, heads, d_k, bias, scaled)
        self.ff = FeedForward(d_model, d_ff, activation, bias)
        self.norm1 = make_norm(norm_kind, d_model, eps, bias)
        self.norm2 = make_norm(norm_kind, d_model, eps, bias)
        self.pre = norm == 'pre'

    def forward(self, x, self_mask=None, pos_bias=None):
        if self.pre:
            h = self.norm1(x)
            x = x + self.self_attn(h, h, self_mask, pos_bias)
            return x + self.ff(self.norm2(x))
        x = self.norm1(x + self.self_attn(x, x, self_mask, pos_bias))
        return self.norm2(x + self.ff(x))


class DecoderLayer(nn.Module):
    def __init__(self, d_model, heads, d_ff, d_k=None, cross=False, norm='post', norm_kind='layer', activation='relu', bias=True, scaled=True, eps=1e-5,
                 kv_heads=None, rotary=False):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, heads, d_k, bias, scaled, kv_heads, rotary)
        self.cross = cross
        if cross:
            self.cross_attn = MultiHeadAttention(d_model, heads, d_k, bias, scaled)
            self.norm3 = make_norm(norm_kind, d_model, eps, bias)
        self.ff = FeedForward(d_model, d_ff, activation, bias)
        self.norm1 = make_norm(norm_kind, d_model, eps, bias)
        self.norm2 = make_norm(norm_kind, d_model, eps, bias)
        self.pre = norm == 'pre'

    def forward(self, x, memory=None, self_mask=None, memory_mask=None, pos_bias=None):
        if self.pre:
            h = self.norm1(x)
            x = x + self.self_attn(h, h, self_mask, pos_bias)
            if self.cross:
                x = x + self.cross_attn(self.norm3(x), memory, memory_mask)
            return x + self.ff(self.norm2(x))
        x = self.norm1(x + self.self_attn(x, x, self_mask, pos_bias))
        if self.cross:
            x = self.norm3(x + self.cross_attn(x, memory, memory_mask))
        return self.norm2(x + self.ff(x))


def relative_position_bucket(relative_position, bidirectional=True, num_buckets=32, max_distance=128):
    """T5's bucketing, as Hugging Face's T5Attention._relative_position_bucket."""
    relative_buckets = 0
    if bidirectional:
        num_buckets //= 2
        relative_buckets += (relative_position > 0).to(torch.long) * num_buckets
        relative_position = torch.abs(relative_position)
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    relative_position_if_large = max_exact + (
        torch.log(relative_position.float() / max_exact)
        / math.log(max_distance / max_exact)
        * (num_buckets - max_exact)
    ).to(torch.long)
    relative_position_if_large = torch.min(
        relative_position_if_large, torch.full_like(relative_position_if_large, num_buckets - 1)
    )
    relative_buckets += torch.where(is_small, relative_position, relative_position_if_large)
    return relative_buckets


class RelativePositionBias(nn.Module):
    def __init__(self, heads, buckets, max_distance, bidirectional):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(buckets, heads))
        self.buckets, self.max_distance, self.bidirectional = buckets, max_distance, bidirectional

    def forward(self, tq, tk):
        rel = torch.arange(tk)[None, :] - torch.arange(tq)[:, None]  # key - query
        b = relative_position_bucket(rel, self.bidirectional, self.buckets, self.max_distance)
        return F.embedding(b, self.weight).permute(2, 0, 1).unsqueeze(0)  # [1, heads, Tq, Tk]


def shift_left(ids, fill=-100):
    return torch.cat([ids[:, 1:], torch.full_like(ids[:, :1], fill)], 1)


# ----------------------------------------------------------------------------------------------
# The wrapped models (same parameter names as the tfmc models in blocks.tfm)

class MhaModel(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.attn = MultiHeadAttention(16, 4)
        self.kind = kind

    def forward(self, x, target, ids=None):
        t = x.shape[1]
        mask = {'plain': None, 'causal': causal_mask(t), 'padding': padding_mask(ids) if ids is not None else None,
                'causal_padding': causal_mask(t) & padding_mask(ids) if ids is not None else None}[self.kind]
        y = self.attn(x, x, mask)
        return {'y': y}, {'l': F.mse_loss(y, target)}


class EncoderModel(nn.Module):
    def __init__(self, norm, activation):
        super().__init__()
        self.layer = EncoderLayer(16, 4, 32, norm=norm, activation=activation)

    def forward(self, x, ids, target):
        y = self.layer(x, padding_mask(ids))
        return {'y': y}, {'l': F.mse_loss(y, target)}


class DecoderCrossModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = DecoderLayer(16, 4, 32, cross=True, norm='post', activation='relu')

    def forward(self, x, memory, src_ids, target):
        y = self.layer(x, memory, causal_mask(x.shape[1]), padding_mask(src_ids))
        return {'y': y}, {'l': F.mse_loss(y, target)}


class T5BlockModel(nn.Module):
    def __init__(self, causal):
        super().__init__()
        self.causal = causal
        self.rel = RelativePositionBias(4, 8, 8, bidirectional=not causal)
        cls = DecoderLayer if causal else EncoderLayer
        self.layer = cls(16, 4, 32, d_k=4, norm='pre', norm_kind='rms', activation='relu', bias=False, scaled=False, eps=1e-6)

    def forward(self, x, target, ids=None):
        t = x.shape[1]
        bias = self.rel(t, t)
        if self.causal:
            y = self.layer(x, self_mask=causal_mask(t), pos_bias=bias)
        else:
            y = self.layer(x, self_mask=padding_mask(ids), pos_bias=bias)
        return {'y': y}, {'l': F.mse_loss(y, target)}


class RnnModel(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn = (nn.LSTM if cell == 'lstm' else nn.GRU)(6, 8, num_layers=2, batch_first=True)
        self.cell = cell

    def forward(self, x, target, h0=None):
        if self.cell == 'lstm':
            y, (h, c) = self.rnn(x)
            state = torch.stack([h, c])  # [2, layers, B, H]
        else:
            y, h = self.rnn(x, h0[0])
            state = h.unsqueeze(0)  # [1, layers, B, H]
        return {'y': y, 'state': state}, {'l': F.mse_loss(y, target)}


class T5(nn.Module):
    """specs/t5.tfm T5Tiny: pre-norm RMS layers without biases, unscaled scores, one relative position
    bias per stack (bidirectional in the encoder, causal in the decoder) added in every layer's
    self-attention, shared embedding, LM head tied to it after scaling by d_model^-0.5."""

    def __init__(self, vocab=100, d=32, heads=4, d_kv=8, d_ff=64, layers=2, buckets=8, max_distance=16, eps=1e-6):
        super().__init__()
        self.d = d
        self.shared = nn.Embedding(vocab, d)
        self.enc_bias = RelativePositionBias(heads, buckets, max_distance, bidirectional=True)
        kw = dict(d_k=d_kv, norm='pre', norm_kind='rms', activation='relu', bias=False, scaled=False, eps=eps)
        self.encoder = nn.ModuleList([EncoderLayer(d, heads, d_ff, **kw) for _ in range(layers)])
        self.enc_norm = RMSNorm(d, eps)
        self.dec_bias = RelativePositionBias(heads, buckets, max_distance, bidirectional=False)
        self.decoder = nn.ModuleList([DecoderLayer(d, heads, d_ff, cross=True, **kw) for _ in range(layers)])
        self.dec_norm = RMSNorm(d, eps)

    def forward(self, src, tgt, labels):
        s, t = src.shape[1], tgt.shape[1]
        src_mask = padding_mask(src)
        x = self.shared(src)
        bias = self.enc_bias(s, s)
        for layer in self.encoder:
            x = layer(x, src_mask, bias)
        enc = self.enc_norm(x)
        y = self.shared(tgt)
        bias = self.dec_bias(t, t)
        for layer in self.decoder:
            y = layer(y, enc, causal_mask(t), src_mask, bias)
        logits = (self.dec_norm(y) * self.d ** -0.5) @ self.shared.weight.t()
        v = logits.shape[-1]
        return {'logits': logits}, {'nll': F.cross_entropy(logits.reshape(-1, v), labels.reshape(-1).long())}


class LstmSeq2Seq(nn.Module):
    """specs/lstm-seq2seq.tfm LstmSeq2SeqTiny: PyTorch's nn.LSTM; the encoder's final (h, c) starts the decoder."""

    def __init__(self, vocab=50, emb=16, hidden=32):
        super().__init__()
        self.src_embed = nn.Embedding(vocab, emb)
        self.tgt_embed = nn.Embedding(vocab, emb)
        self.encoder = nn.LSTM(emb, hidden, batch_first=True)
        self.decoder = nn.LSTM(emb, hidden, batch_first=True)
        self.proj = nn.Linear(hidden, vocab)

    def forward(self, src, tgt, labels):
        _, state = self.encoder(self.src_embed(src))
        y, _ = self.decoder(self.tgt_embed(tgt), state)
        logits = self.proj(y)
        v = logits.shape[-1]
        return {'logits': logits}, {'nll': F.cross_entropy(logits.reshape(-1, v), labels.reshape(-1).long())}


class LlamaBlockModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = DecoderLayer(16, 4, 24, norm='pre', norm_kind='rms', activation='swiglu', bias=False, eps=1e-5, kv_heads=2, rotary=True)

    def forward(self, x, target):
        y = self.layer(x, self_mask=causal_mask(x.shape[1]))
        return {'y': y}, {'l': F.mse_loss(y, target)}


class Gpt2(nn.Module):
    """specs/gpt2.tfm: pre-norm decoder-only, learned positions, LM head tied to wte."""

    def __init__(self, vocab=100, ctx=64, d=32, heads=4, layers=2):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(ctx, d)
        self.blocks = nn.ModuleList([DecoderLayer(d, heads, 4 * d, norm='pre', activation='gelu_tanh') for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)

    def forward(self, ids):
        t = ids.shape[1]
        x = self.wte(ids) + self.wpe.weight[:t]
        m = causal_mask(t)
        for b in self.blocks:
            x = b(x, self_mask=m)
        logits = self.ln_f(x) @ self.wte.weight.t()
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), shift_left(ids).reshape(-1).long(), ignore_index=-100)
        return {'logits': logits}, {'next_token': loss}


def sinusoids(length, dim):
    """The paper's table, in float64: sin on even, cos on odd dimensions."""
    pos = np.arange(length, dtype=np.float64)[:, None]
    div = np.exp(np.arange(0, dim, 2, dtype=np.float64) * (-math.log(10000.0) / dim))
    pe = np.zeros((length, dim))
    pe[:, 0::2] = np.sin(pos * div)
    pe[:, 1::2] = np.cos(pos * div)[:, : dim // 2]
    return torch.tensor(pe, dtype=torch.float32)


class ExactGelu(torch.autograd.Function):
    """F.gelu(x) whose backward gets a contiguous gradient: torch 1.13's CPU `gelu_backward`
    (approximate='none') returns garbage for a non-contiguous one, e.g. after `.transpose(1, 2)`."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return F.gelu(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return torch.ops.aten.gelu_backward(grad.contiguous(), x)


def gelu(x):
    """tfmc's `gelu`: the exact (erf) GELU, PyTorch's default F.gelu(x)."""
    return ExactGelu.apply(x)


class ConvFrontEnd(nn.Module):
    """blocks.tfm ConvFrontEnd, with PyTorch's own Conv1d on channels-first data."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(8, 12, 3, padding=1)
        self.conv2 = nn.Conv1d(12, 12, 3, stride=2, padding=1)

    def forward(self, features, target):
        x = gelu(self.conv2(gelu(self.conv1(features.transpose(1, 2))))).transpose(1, 2)
        y = x + sinusoids(64, 12)[: x.shape[1]]
        return {'y': y}, {'l': F.mse_loss(y.mean(1), target)}


class Holder(nn.Module):
    """A module that only names parameters (`cls_token.weight`, `mlm.decoder.bias`)."""

    def __init__(self, **params):
        super().__init__()
        for k, v in params.items():
            setattr(self, k, nn.Parameter(v))


class Vit(nn.Module):
    """specs/vit.tfm VitTiny, with PyTorch's own Conv2d as the patch embedding."""

    def __init__(self, d=32, heads=4, layers=2, d_ff=64, classes=10):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, d, 8, stride=8)
        self.cls_token = Holder(weight=torch.zeros(1, 1, d))
        self.pos_embed = nn.Embedding(17, d)
        self.blocks = nn.ModuleList([EncoderLayer(d, heads, d_ff, norm='pre', activation='gelu', eps=1e-6) for _ in range(layers)])
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.head = nn.Module()
        self.head.head = nn.Linear(d, classes)

    def forward(self, images, labels):
        x = self.patch_embed(images.permute(0, 3, 1, 2)).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.weight.expand(x.shape[0], -1, -1), x], 1)
        x = x + self.pos_embed.weight[: x.shape[1]]
        for b in self.blocks:
            x = b(x)
        logits = self.head.head(self.norm(x)[:, 0])
        return {'logits': logits}, {'classification': F.cross_entropy(logits, labels.long())}


class Bert(nn.Module):
    """specs/bert.tfm BertTiny: post-norm GELU encoder, masked-LM head tied to `word` with its own bias, NSP head."""

    def __init__(self, vocab=100, max_len=64, d=32, heads=4, layers=2, d_ff=64, eps=1e-12):
        super().__init__()
        self.word = nn.Embedding(vocab, d)
        self.position = nn.Embedding(max_len, d)
        self.token_type = nn.Embedding(2, d)
        self.emb_norm = nn.LayerNorm(d, eps=eps)
        self.encoder = nn.ModuleList([EncoderLayer(d, heads, d_ff, norm='post', activation='gelu', eps=eps) for _ in range(layers)])
        self.pooler = nn.Module()
        self.pooler.dense = nn.Linear(d, d)
        self.mlm = nn.Module()
        self.mlm.dense = nn.Linear(d, d)
        self.mlm.norm = nn.LayerNorm(d, eps=eps)
        self.mlm.decoder = Holder(bias=torch.zeros(vocab))
        self.nsp = nn.Module()
        self.nsp.classifier = nn.Linear(d, 2)

    def forward(self, ids, segments, mlm_labels, nsp_labels):
        t = ids.shape[1]
        x = self.emb_norm(self.word(ids) + self.position.weight[:t] + self.token_type(segments))
        pad = padding_mask(ids)
        for layer in self.encoder:
            x = layer(x, pad)
        h = self.mlm.norm(gelu(self.mlm.dense(x)))
        mlm_logits = h @ self.word.weight.t() + self.mlm.decoder.bias
        nsp_logits = self.nsp.classifier(torch.tanh(self.pooler.dense(x[:, 0])))
        v = mlm_logits.shape[-1]
        return {'mlm_logits': mlm_logits, 'nsp_logits': nsp_logits}, {
            'masked_lm': F.cross_entropy(mlm_logits.reshape(-1, v), mlm_labels.reshape(-1).long(), ignore_index=-100),
            'next_sentence': F.cross_entropy(nsp_logits, nsp_labels.long()),
        }


class Transformer(nn.Module):
    """specs/transformer.tfm TransformerTiny: post-norm encoder-decoder, sinusoids, one shared embedding."""

    def __init__(self, vocab=100, max_len=64, d=32, heads=4, d_ff=64, layers=2):
        super().__init__()
        self.d, self.max_len = d, max_len
        self.embed = nn.Embedding(vocab, d)
        self.encoder = nn.ModuleList([EncoderLayer(d, heads, d_ff, norm='post') for _ in range(layers)])
        self.decoder = nn.ModuleList([DecoderLayer(d, heads, d_ff, cross=True, norm='post') for _ in range(layers)])

    def forward(self, src, tgt, labels):
        pe = sinusoids(self.max_len, self.d)
        src_mask = padding_mask(src)
        x = self.embed(src) * math.sqrt(self.d) + pe[: src.shape[1]]
        for layer in self.encoder:
            x = layer(x, src_mask)
        y = self.embed(tgt) * math.sqrt(self.d) + pe[: tgt.shape[1]]
        causal = causal_mask(tgt.shape[1])
        for layer in self.decoder:
            y = layer(y, x, causal, src_mask)
        logits = y @ self.embed.weight.t()
        v = logits.shape[-1]
        nll = F.cross_entropy(logits.reshape(-1, v), labels.reshape(-1).long(), label_smoothing=0.1, ignore_index=0)
        return {'logits': logits}, {'nll': nll}


# ----------------------------------------------------------------------------------------------
# Checks of the reference modules against PyTorch's own layers

def copy_mha_to_torch(mine, theirs):
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([mine.q_proj.weight, mine.k_proj.weight, mine.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([mine.q_proj.bias, mine.k_proj.bias, mine.v_proj.bias]))
        theirs.out_proj.weight.copy_(mine.o_proj.weight)
        theirs.out_proj.bias.copy_(mine.o_proj.bias)


def self_check():
    torch.manual_seed(123)
    b, t, d, h = 2, 5, 16, 4
    x = torch.randn(b, t, d)
    mine = MultiHeadAttention(d, h)
    ref = nn.MultiheadAttention(d, h, batch_first=True)
    copy_mha_to_torch(mine, ref)
    ids = torch.tensor([[1, 2, 3, 4, 5], [1, 2, 3, 0, 0]])
    with torch.no_grad():
        assert torch.allclose(mine(x, x), ref(x, x, x, need_weights=False)[0], atol=1e-5)
        causal = causal_mask(t)
        assert torch.allclose(mine(x, x, causal), ref(x, x, x, attn_mask=~causal[0], need_weights=False)[0], atol=1e-5)
        assert torch.allclose(mine(x, x, padding_mask(ids)), ref(x, x, x, key_padding_mask=ids == 0, need_weights=False)[0], atol=1e-5)
    for norm in ('post', 'pre'):
        mine = EncoderLayer(d, h, 32, norm=norm, activation='relu')
        ref = nn.TransformerEncoderLayer(d, h, 32, dropout=0.0, batch_first=True, norm_first=norm == 'pre')
        copy_mha_to_torch(mine.self_attn, ref.self_attn)
        with torch.no_grad():
            ref.linear1.load_state_dict(mine.ff.fc1.state_dict())
            ref.linear2.load_state_dict(mine.ff.fc2.state_dict())
            for n in (mine.norm1, mine.norm2):
                n.weight.normal_(1, 0.1)
                n.bias.normal_(0, 0.1)
            ref.norm1.load_state_dict(mine.norm1.state_dict())
            ref.norm2.load_state_dict(mine.norm2.state_dict())
            ref.eval()
            got = mine(x, padding_mask(ids))
            want = ref(x, src_key_padding_mask=ids == 0)
            # PyTorch's fast path zeroes padded positions of its output; compare the others.
            keep = (ids != 0).unsqueeze(-1)
            assert torch.allclose(got * keep, want * keep, atol=1e-5), f'encoder {norm}'
    mem = torch.randn(b, 6, d)
    src = torch.tensor([[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 0, 0]])
    for norm in ('post', 'pre'):
        mine = DecoderLayer(d, h, 32, cross=True, norm=norm, activation='relu')
        ref = nn.TransformerDecoderLayer(d, h, 32, dropout=0.0, batch_first=True, norm_first=norm == 'pre')
        copy_mha_to_torch(mine.self_attn, ref.self_attn)
        copy_mha_to_torch(mine.cross_attn, ref.multihead_attn)
        with torch.no_grad():
            ref.linear1.load_state_dict(mine.ff.fc1.state_dict())
            ref.linear2.load_state_dict(mine.ff.fc2.state_dict())
            # tfmc: norm1 self-attention, norm3 cross-attention, norm2 feed-forward;
            # PyTorch: norm1 self-attention, norm2 cross-attention, norm3 feed-forward.
            for n in (mine.norm1, mine.norm2, mine.norm3):
                n.weight.normal_(1, 0.1)
                n.bias.normal_(0, 0.1)
            ref.norm1.load_state_dict(mine.norm1.state_dict())
            ref.norm2.load_state_dict(mine.norm3.state_dict())
            ref.norm3.load_state_dict(mine.norm2.state_dict())
            ref.eval()
            got = mine(x, mem, causal_mask(t), padding_mask(src))
            want = ref(x, mem, tgt_mask=~causal_mask(t)[0], memory_key_padding_mask=src == 0)
            assert torch.allclose(got, want, atol=1e-5), f'decoder {norm}'
    print('reference modules agree with nn.MultiheadAttention and nn.Transformer{Encoder,Decoder}Layer')


# ----------------------------------------------------------------------------------------------
# Fixture writing

def encode(t):
    a = t.detach().cpu().numpy()
    if a.dtype == np.bool_:
        raise ValueError('bool tensors are not fixture data')
    dtype = 'int32' if np.issubdtype(a.dtype, np.integer) else 'float32'
    a = np.ascontiguousarray(a.astype('<i4' if dtype == 'int32' else '<f4'))
    return {'dtype': dtype, 'shape': list(a.shape), 'data': base64.b64encode(a.tobytes()).decode('ascii')}


TABLES = {'wte.weight', 'wpe.weight', 'rel.weight', 'cls_token.weight', 'pos_embed.weight', 'word.weight',
          'position.weight', 'token_type.weight', 'embed.weight', 'shared.weight', 'enc_bias.weight', 'dec_bias.weight',
          'src_embed.weight', 'tgt_embed.weight'}


def randomise(model, gen):
    """Random weights of a moderate scale; norm scales near 1 so the affine parts are exercised."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            leaf = name.split('.')[-2] if '.' in name else ''
            if ('norm' in leaf or leaf == 'ln_f') and name.endswith('weight'):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=gen))
            elif p.dim() == 1:
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            elif name in TABLES:
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))
            else:
                fan_in = int(np.prod(p.shape[1:]))
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(fan_in))


def write_case(name, spec, model_name, module, inputs, expected_params, seed):
    gen = torch.Generator().manual_seed(seed)
    randomise(module, gen)
    module.eval()
    names = {n: list(p.shape) for n, p in module.named_parameters()}
    if names != expected_params:
        missing = set(expected_params) - set(names)
        extra = set(names) - set(expected_params)
        bad = [n for n in names if n in expected_params and names[n] != expected_params[n]]
        sys.exit(f'{name}: parameters differ from the tfmc IR of {model_name}: missing {missing}, extra {extra}, shapes {bad}')
    module.zero_grad()
    outputs, losses = module(**inputs)
    sum(losses.values()).backward()
    for k, v in outputs.items():
        assert torch.isfinite(v).all(), f'{name}: {k} is not finite'
    fixture = {
        'case': name,
        'spec': spec,
        'model': model_name,
        'torch': torch.__version__,
        'inputs': {k: encode(v) for k, v in inputs.items()},
        'params': {n: encode(p) for n, p in module.named_parameters()},
        'outputs': {k: encode(v) for k, v in outputs.items()},
        'losses': {k: float(v) for k, v in losses.items()},
        'grads': {n: encode(p.grad if p.grad is not None else torch.zeros_like(p)) for n, p in module.named_parameters()},
    }
    path = os.path.join(OUT, f'{name}.json')
    with open(path, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    print(f'{name}: {os.path.getsize(path)} bytes, losses {", ".join(f"{k} {float(v):.6f}" for k, v in losses.items())}')


def bucket_tables():
    """Bucket of every relative distance in [-300, 300] for a few configurations (exact integers)."""
    rel = torch.arange(-300, 301)
    tables = []
    for bidirectional in (True, False):
        for buckets, max_distance in ((32, 128), (8, 16), (8, 8), (16, 40), (6, 20)):
            b = relative_position_bucket(rel, bidirectional, buckets, max_distance)
            tables.append({'bidirectional': bidirectional, 'buckets': buckets, 'max_distance': max_distance, 'from': -300, 'values': b.tolist()})
    with open(os.path.join(OUT, 'relative_buckets.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'tables': tables}, f, separators=(',', ':'))
    print('relative_buckets: written')


def main():
    self_check()
    dump = subprocess.run(['node', 'scripts/parity/dump-params.mjs', BLOCKS, 'specs/gpt2.tfm', 'specs/vit.tfm', 'specs/bert.tfm', 'specs/transformer.tfm', 'specs/t5.tfm', 'specs/lstm-seq2seq.tfm'], cwd=ROOT, check=True, capture_output=True, text=True)
    ir = json.loads(dump.stdout)
    g = torch.Generator().manual_seed(2024)
    rn = lambda *s: torch.randn(*s, generator=g)

    x = rn(2, 5, 16)
    write_case('mha_plain', BLOCKS, 'MhaPlain', MhaModel('plain'), {'x': x, 'target': rn(2, 5, 16)}, ir['MhaPlain'], 1)
    write_case('mha_causal', BLOCKS, 'MhaCausal', MhaModel('causal'), {'x': x, 'target': rn(2, 5, 16)}, ir['MhaCausal'], 2)
    # Row 2 is all padding: every query of it has nothing to attend to.
    ids = torch.tensor([[3, 1, 4, 1, 5], [2, 7, 1, 0, 0], [0, 0, 0, 0, 0]], dtype=torch.int32)
    write_case('mha_padding', BLOCKS, 'MhaPadding', MhaModel('padding'), {'x': rn(3, 5, 16), 'ids': ids, 'target': rn(3, 5, 16)}, ir['MhaPadding'], 3)
    # Left padding in row 1: its first two queries see no key (causal & padding leaves them empty).
    ids = torch.tensor([[4, 5, 6, 0, 0], [0, 0, 5, 6, 7]], dtype=torch.int32)
    write_case('mha_causal_padding', BLOCKS, 'MhaCausalPadding', MhaModel('causal_padding'), {'x': x, 'ids': ids, 'target': rn(2, 5, 16)}, ir['MhaCausalPadding'], 4)
    ids = torch.tensor([[1, 2, 3, 4, 5], [6, 7, 8, 0, 0]], dtype=torch.int32)
    write_case('encoder_post', BLOCKS, 'EncoderPost', EncoderModel('post', 'relu'), {'x': x, 'ids': ids, 'target': rn(2, 5, 16)}, ir['EncoderPost'], 5)
    write_case('encoder_pre', BLOCKS, 'EncoderPre', EncoderModel('pre', 'gelu'), {'x': x, 'ids': ids, 'target': rn(2, 5, 16)}, ir['EncoderPre'], 6)
    src_ids = torch.tensor([[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 0, 0]], dtype=torch.int32)
    write_case('decoder_cross', BLOCKS, 'DecoderCross', DecoderCrossModel(), {'x': x, 'memory': rn(2, 6, 16), 'src_ids': src_ids, 'target': rn(2, 5, 16)}, ir['DecoderCross'], 7)
    ids12 = torch.tensor([[5] * 12, [5] * 9 + [0] * 3], dtype=torch.int32)
    write_case('t5_encoder_block', BLOCKS, 'T5EncoderBlock', T5BlockModel(False), {'x': rn(2, 12, 16), 'ids': ids12, 'target': rn(2, 12, 16)}, ir['T5EncoderBlock'], 8)
    write_case('t5_causal_block', BLOCKS, 'T5CausalBlock', T5BlockModel(True), {'x': rn(2, 12, 16), 'target': rn(2, 12, 16)}, ir['T5CausalBlock'], 9)
    write_case('lstm2', BLOCKS, 'Lstm2', RnnModel('lstm'), {'x': rn(2, 5, 6), 'target': rn(2, 5, 8)}, ir['Lstm2'], 10)
    write_case('gru_init', BLOCKS, 'GruInit', RnnModel('gru'), {'x': rn(2, 5, 6), 'h0': rn(1, 2, 2, 8), 'target': rn(2, 5, 8)}, ir['GruInit'], 11)
    ids = torch.randint(0, 100, (2, 8), generator=g, dtype=torch.int64).to(torch.int32)
    write_case('gpt2_tiny', 'specs/gpt2.tfm', 'Gpt2Tiny', Gpt2(), {'ids': ids}, ir['Gpt2Tiny'], 12)
    write_case('conv_front_end', BLOCKS, 'ConvFrontEnd', ConvFrontEnd(), {'features': rn(2, 9, 8), 'target': rn(2, 12)}, ir['ConvFrontEnd'], 13)
    write_case('vit_tiny', 'specs/vit.tfm', 'VitTiny', Vit(), {'images': rn(2, 32, 32, 3), 'labels': torch.tensor([3, 7], dtype=torch.int32)}, ir['VitTiny'], 14)
    ids = torch.randint(1, 100, (2, 8), generator=g, dtype=torch.int64).to(torch.int32)
    ids[1, 6:] = 0  # padding
    segments = torch.tensor([[0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1, 0, 0]], dtype=torch.int32)
    mlm_labels = torch.full((2, 8), -100, dtype=torch.int32)
    mlm_labels[0, 2], mlm_labels[0, 5], mlm_labels[1, 1] = 17, 42, 99
    write_case('bert_tiny', 'specs/bert.tfm', 'BertTiny', Bert(), {'ids': ids, 'segments': segments, 'mlm_labels': mlm_labels, 'nsp_labels': torch.tensor([1, 0], dtype=torch.int32)}, ir['BertTiny'], 15)
    src = torch.randint(1, 100, (2, 7), generator=g, dtype=torch.int64).to(torch.int32)
    src[1, 5:] = 0
    tgt = torch.randint(1, 100, (2, 6), generator=g, dtype=torch.int64).to(torch.int32)
    labels = torch.cat([tgt[:, 1:], torch.zeros(2, 1, dtype=torch.int32)], 1)  # 0 = padding, ignored
    write_case('transformer_tiny', 'specs/transformer.tfm', 'TransformerTiny', Transformer(), {'src': src, 'tgt': tgt, 'labels': labels}, ir['TransformerTiny'], 16)
    write_case('llama_block', BLOCKS, 'LlamaBlock', LlamaBlockModel(), {'x': rn(2, 6, 16), 'target': rn(2, 6, 16)}, ir['LlamaBlock'], 17)
    # 20 source positions: distances beyond max_distance 16 share the last buckets.
    src = torch.randint(1, 100, (2, 20), generator=g, dtype=torch.int64).to(torch.int32)
    src[1, 15:] = 0
    tgt = torch.randint(1, 100, (2, 18), generator=g, dtype=torch.int64).to(torch.int32)
    labels = torch.randint(0, 100, (2, 18), generator=g, dtype=torch.int64).to(torch.int32)
    labels[1, 16:] = -100
    write_case('t5_tiny', 'specs/t5.tfm', 'T5Tiny', T5(), {'src': src, 'tgt': tgt, 'labels': labels}, ir['T5Tiny'], 18)
    src = torch.randint(0, 50, (2, 6), generator=g, dtype=torch.int64).to(torch.int32)
    tgt = torch.randint(0, 50, (2, 5), generator=g, dtype=torch.int64).to(torch.int32)
    labels = torch.randint(0, 50, (2, 5), generator=g, dtype=torch.int64).to(torch.int32)
    write_case('lstm_seq2seq_tiny', 'specs/lstm-seq2seq.tfm', 'LstmSeq2SeqTiny', LstmSeq2Seq(), {'src': src, 'tgt': tgt, 'labels': labels}, ir['LstmSeq2SeqTiny'], 19)
    bucket_tables()


if __name__ == '__main__':
    main()
