#!/usr/bin/python3
"""Tiny Hugging Face-style checkpoints and their logits, written independently of tfmc.

Each family's forward pass is written here in plain torch, with the tensor names, shapes and
layouts of Hugging Face `transformers` (which is not installed: these modules follow its
published modelling code and checkpoint layout, not tfmc's specs). Weights are random (seeded);
the checkpoint directory gets `config.json` and `model.safetensors` (or shards with
`model.safetensors.index.json`), and `reference.safetensors` holds the inputs and the logits the
forward computed, for test/weights/hf/import.test.ts to compare tfmc's forward against.

Usage: /usr/bin/python3 reference_checkpoints.py FAMILY OUT_DIR [--shards N]
FAMILY: gpt2, llama, bert, t5, vit.
"""

import json
import math
import os
import struct
import sys

import torch
from torch import nn
import torch.nn.functional as F

torch.manual_seed(0)


# ---- safetensors, written by hand: 8-byte little-endian header size, JSON header, raw bytes ----

DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.int32: "I32"}


def save_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def randomize(module):
    """Every parameter random (norm weights near 1), so a wrong mapping shows in the logits."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.dim() == 1 and ("norm" in name.lower() or name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight")):
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.2 * torch.randn_like(p))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def attention(q, k, v, heads, mask=None, bias=None, scale=True):
    """q [B, Tq, H*d], k/v [B, Tk, Hk*d] -> [B, Tq, H*d]; mask [.., Tq, Tk] True = may attend."""
    b, tq, _ = q.shape
    tk = k.shape[1]
    d = q.shape[-1] // heads
    kv_heads = k.shape[-1] // d
    q = q.view(b, tq, heads, d).transpose(1, 2)
    k = k.view(b, tk, kv_heads, d).transpose(1, 2)
    v = v.view(b, tk, kv_heads, d).transpose(1, 2)
    return q, k, v, d


def sdpa(q, k, v, mask=None, bias=None, scale=True):
    b, h, tq, d = q.shape
    scores = q @ k.transpose(-1, -2)
    if scale:
        scores = scores / math.sqrt(d)
    if bias is not None:
        scores = scores + bias
    if mask is not None:
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    out = F.softmax(scores, dim=-1) @ v
    return out.transpose(1, 2).reshape(b, tq, h * d)


# ---- GPT-2 (GPT2LMHeadModel's layout: Conv1D weights [in, out], fused c_attn) ----

class Conv1D(nn.Module):
    def __init__(self, nf, nx):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.empty(nf))

    def forward(self, x):
        return x @ self.weight + self.bias


class Gpt2Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["n_embd"]
        self.ln_1 = nn.LayerNorm(d, eps=c["layer_norm_epsilon"])
        self.attn = nn.Module()
        self.attn.c_attn = Conv1D(3 * d, d)
        self.attn.c_proj = Conv1D(d, d)
        self.ln_2 = nn.LayerNorm(d, eps=c["layer_norm_epsilon"])
        self.mlp = nn.Module()
        self.mlp.c_fc = Conv1D(4 * d, d)
        self.mlp.c_proj = Conv1D(d, 4 * d)
        self.heads = c["n_head"]

    def forward(self, x):
        t = x.shape[1]
        q, k, v = self.attn.c_attn(self.ln_1(x)).split(x.shape[-1], dim=2)
        q, k, v, _ = attention(q, k, v, self.heads)
        causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
        x = x + self.attn.c_proj(sdpa(q, k, v, mask=causal))
        return x + self.mlp.c_proj(gelu_tanh(self.mlp.c_fc(self.ln_2(x))))


class Gpt2(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.wte = nn.Embedding(c["vocab_size"], c["n_embd"])
        self.wpe = nn.Embedding(c["n_positions"], c["n_embd"])
        self.h = nn.ModuleList([Gpt2Block(c) for _ in range(c["n_layer"])])
        self.ln_f = nn.LayerNorm(c["n_embd"], eps=c["layer_norm_epsilon"])

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1]))
        for block in self.h:
            x = block(x)
        return self.ln_f(x) @ self.wte.weight.T  # the LM head is tied to wte

    def checkpoint(self):
        sd = dict(self.state_dict())
        n = self.c["n_positions"]
        # Older GPT-2 checkpoints keep the causal mask as a buffer `h.N.attn.bias`: not a weight.
        for i in range(self.c["n_layer"]):
            sd[f"h.{i}.attn.bias"] = torch.tril(torch.ones(n, n)).view(1, 1, n, n)
        return sd


GPT2_CONFIG = {
    "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 266, "n_positions": 32,
    "n_embd": 32, "n_layer": 2, "n_head": 4, "n_inner": None, "activation_function": "gelu_new",
    "layer_norm_epsilon": 1e-5, "resid_pdrop": 0.1, "embd_pdrop": 0.1, "attn_pdrop": 0.1,
    "tie_word_embeddings": True, "bos_token_id": 265, "eos_token_id": 265,
}


# ---- Llama (LlamaForCausalLM: rotate-half rotary on q/k, grouped-query attention, SwiGLU) ----

def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def rotary(x, base):
    t, d = x.shape[-2], x.shape[-1]
    inv_freq = 1.0 / (base ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    freqs = torch.outer(torch.arange(t).float(), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return x * emb.cos() + rotate_half(x) * emb.sin()


class LlamaRMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


class LlamaLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, h, kv = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
        hd = d // h
        self.c = c
        self.self_attn = nn.Module()
        self.self_attn.q_proj = nn.Linear(d, h * hd, bias=False)
        self.self_attn.k_proj = nn.Linear(d, kv * hd, bias=False)
        self.self_attn.v_proj = nn.Linear(d, kv * hd, bias=False)
        self.self_attn.o_proj = nn.Linear(h * hd, d, bias=False)
        self.mlp = nn.Module()
        self.mlp.gate_proj = nn.Linear(d, c["intermediate_size"], bias=False)
        self.mlp.up_proj = nn.Linear(d, c["intermediate_size"], bias=False)
        self.mlp.down_proj = nn.Linear(c["intermediate_size"], d, bias=False)
        self.input_layernorm = LlamaRMSNorm(d, c["rms_norm_eps"])
        self.post_attention_layernorm = LlamaRMSNorm(d, c["rms_norm_eps"])

    def forward(self, x):
        c, a = self.c, self.self_attn
        t = x.shape[1]
        h = self.input_layernorm(x)
        q, k, v, _ = attention(a.q_proj(h), a.k_proj(h), a.v_proj(h), c["num_attention_heads"])
        q, k = rotary(q, c["rope_theta"]), rotary(k, c["rope_theta"])
        rep = c["num_attention_heads"] // c["num_key_value_heads"]
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
        x = x + a.o_proj(sdpa(q, k, v, mask=causal))
        m = self.mlp
        h = self.post_attention_layernorm(x)
        return x + m.down_proj(F.silu(m.gate_proj(h)) * m.up_proj(h))


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.model = nn.Module()
        self.model.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.model.layers = nn.ModuleList([LlamaLayer(c) for _ in range(c["num_hidden_layers"])])
        self.model.norm = LlamaRMSNorm(c["hidden_size"], c["rms_norm_eps"])
        if not c["tie_word_embeddings"]:
            self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)

    def forward(self, ids):
        x = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            x = layer(x)
        x = self.model.norm(x)
        return x @ self.model.embed_tokens.weight.T if self.c["tie_word_embeddings"] else self.lm_head(x)

    def checkpoint(self):
        return dict(self.state_dict())


LLAMA_CONFIG = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 80, "hidden_size": 32,
    "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "hidden_act": "silu",
    "tie_word_embeddings": False, "attention_bias": False, "mlp_bias": False, "rope_scaling": None,
    "bos_token_id": 1, "eos_token_id": 2,
}


# ---- BERT (BertForPreTraining: post-norm, MLM head tied to the word embeddings, NSP head) ----

class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, eps = c["hidden_size"], c["layer_norm_eps"]
        self.heads = c["num_attention_heads"]
        self.attention = nn.Module()
        self.attention.self = nn.Module()
        self.attention.self.query = nn.Linear(d, d)
        self.attention.self.key = nn.Linear(d, d)
        self.attention.self.value = nn.Linear(d, d)
        self.attention.output = nn.Module()
        self.attention.output.dense = nn.Linear(d, d)
        self.attention.output.LayerNorm = nn.LayerNorm(d, eps=eps)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(d, c["intermediate_size"])
        self.output = nn.Module()
        self.output.dense = nn.Linear(c["intermediate_size"], d)
        self.output.LayerNorm = nn.LayerNorm(d, eps=eps)

    def forward(self, x, mask):
        s, o = self.attention.self, self.attention.output
        q, k, v, _ = attention(s.query(x), s.key(x), s.value(x), self.heads)
        x = o.LayerNorm(o.dense(sdpa(q, k, v, mask=mask)) + x)
        return self.output.LayerNorm(self.output.dense(F.gelu(self.intermediate.dense(x))) + x)


class Bert(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, eps = c["hidden_size"], c["layer_norm_eps"]
        self.bert = nn.Module()
        e = self.bert.embeddings = nn.Module()
        e.word_embeddings = nn.Embedding(c["vocab_size"], d)
        e.position_embeddings = nn.Embedding(c["max_position_embeddings"], d)
        e.token_type_embeddings = nn.Embedding(c["type_vocab_size"], d)
        e.LayerNorm = nn.LayerNorm(d, eps=eps)
        self.bert.encoder = nn.Module()
        self.bert.encoder.layer = nn.ModuleList([BertLayer(c) for _ in range(c["num_hidden_layers"])])
        self.bert.pooler = nn.Module()
        self.bert.pooler.dense = nn.Linear(d, d)
        self.cls = nn.Module()
        p = self.cls.predictions = nn.Module()
        p.transform = nn.Module()
        p.transform.dense = nn.Linear(d, d)
        p.transform.LayerNorm = nn.LayerNorm(d, eps=eps)
        p.bias = nn.Parameter(torch.zeros(c["vocab_size"]))
        self.cls.seq_relationship = nn.Linear(d, 2)

    def forward(self, ids, segments):
        e = self.bert.embeddings
        x = e.LayerNorm(e.word_embeddings(ids) + e.position_embeddings(torch.arange(ids.shape[1])) + e.token_type_embeddings(segments))
        mask = (ids != 0)[:, None, None, :]  # padding (id 0) keys are masked, as attention_mask does
        for layer in self.bert.encoder.layer:
            x = layer(x, mask)
        p = self.cls.predictions
        mlm = p.transform.LayerNorm(F.gelu(p.transform.dense(x))) @ e.word_embeddings.weight.T + p.bias
        nsp = self.cls.seq_relationship(torch.tanh(self.bert.pooler.dense(x[:, 0])))
        return mlm, nsp

    def checkpoint(self):
        sd = dict(self.state_dict())
        # HF writes the tied decoder too: its weight is the word embedding, its bias `cls.predictions.bias`.
        sd["cls.predictions.decoder.weight"] = self.bert.embeddings.word_embeddings.weight
        sd["cls.predictions.decoder.bias"] = self.cls.predictions.bias
        sd["bert.embeddings.position_ids"] = torch.arange(self.bert.embeddings.position_embeddings.weight.shape[0]).view(1, -1)
        return sd


BERT_CONFIG = {
    "architectures": ["BertForPreTraining"], "model_type": "bert", "vocab_size": 90, "hidden_size": 32,
    "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64, "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 40,
    "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0, "position_embedding_type": "absolute",
}


# ---- T5 (T5ForConditionalGeneration: relative position bias in block 0, RMS-style norms, tied) ----

def relative_bucket(relative, bidirectional, num_buckets, max_distance):
    buckets = 0
    if bidirectional:
        num_buckets //= 2
        buckets += (relative > 0).to(torch.long) * num_buckets
        relative = torch.abs(relative)
    else:
        relative = -torch.min(relative, torch.zeros_like(relative))
    max_exact = num_buckets // 2
    is_small = relative < max_exact
    large = max_exact + (torch.log(relative.float() / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(is_small, relative, large)


class T5Norm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def t5_attention(c, bias=False):
    a = nn.Module()
    inner = c["num_heads"] * c["d_kv"]
    a.q = nn.Linear(c["d_model"], inner, bias=False)
    a.k = nn.Linear(c["d_model"], inner, bias=False)
    a.v = nn.Linear(c["d_model"], inner, bias=False)
    a.o = nn.Linear(inner, c["d_model"], bias=False)
    if bias:
        a.relative_attention_bias = nn.Embedding(c["relative_attention_num_buckets"], c["num_heads"])
    return a


def t5_attend(c, a, x, kv, mask=None, bias=None):
    q, k, v, _ = attention(a.q(x), a.k(kv), a.v(kv), c["num_heads"])
    return a.o(sdpa(q, k, v, mask=mask, bias=bias, scale=False))


def t5_ff(c):
    f = nn.Module()
    f.wi = nn.Linear(c["d_model"], c["d_ff"], bias=False)
    f.wo = nn.Linear(c["d_ff"], c["d_model"], bias=False)
    return f


def t5_sublayer(module_name, module, c):
    s = nn.Module()
    setattr(s, module_name, module)
    s.layer_norm = T5Norm(c["d_model"], c["layer_norm_epsilon"])
    return s


class T5(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.shared = nn.Embedding(c["vocab_size"], c["d_model"])
        self.encoder = nn.Module()
        self.encoder.block = nn.ModuleList()
        for i in range(c["num_layers"]):
            b = nn.Module()
            b.layer = nn.ModuleList([t5_sublayer("SelfAttention", t5_attention(c, i == 0), c), t5_sublayer("DenseReluDense", t5_ff(c), c)])
            self.encoder.block.append(b)
        self.encoder.final_layer_norm = T5Norm(c["d_model"], c["layer_norm_epsilon"])
        self.decoder = nn.Module()
        self.decoder.block = nn.ModuleList()
        for i in range(c["num_decoder_layers"]):
            b = nn.Module()
            b.layer = nn.ModuleList([
                t5_sublayer("SelfAttention", t5_attention(c, i == 0), c),
                t5_sublayer("EncDecAttention", t5_attention(c), c),
                t5_sublayer("DenseReluDense", t5_ff(c), c),
            ])
            self.decoder.block.append(b)
        self.decoder.final_layer_norm = T5Norm(c["d_model"], c["layer_norm_epsilon"])

    def position_bias(self, table, tq, tk, bidirectional):
        rel = torch.arange(tk)[None, :] - torch.arange(tq)[:, None]
        buckets = relative_bucket(rel, bidirectional, self.c["relative_attention_num_buckets"], self.c["relative_attention_max_distance"])
        return table(buckets).permute(2, 0, 1).unsqueeze(0)

    def forward(self, src, tgt):
        c = self.c
        src_mask = (src != 0)[:, None, None, :]
        x = self.shared(src)
        bias = self.position_bias(self.encoder.block[0].layer[0].SelfAttention.relative_attention_bias, src.shape[1], src.shape[1], True)
        for b in self.encoder.block:
            s, f = b.layer
            x = x + t5_attend(c, s.SelfAttention, s.layer_norm(x), s.layer_norm(x), mask=src_mask, bias=bias)
            x = x + f.DenseReluDense.wo(F.relu(f.DenseReluDense.wi(f.layer_norm(x))))
        enc = self.encoder.final_layer_norm(x)
        t = tgt.shape[1]
        y = self.shared(tgt)
        causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
        bias = self.position_bias(self.decoder.block[0].layer[0].SelfAttention.relative_attention_bias, t, t, False)
        for b in self.decoder.block:
            s, x_attn, f = b.layer
            h = s.layer_norm(y)
            y = y + t5_attend(c, s.SelfAttention, h, h, mask=causal, bias=bias)
            y = y + t5_attend(c, x_attn.EncDecAttention, x_attn.layer_norm(y), enc, mask=src_mask)
            y = y + f.DenseReluDense.wo(F.relu(f.DenseReluDense.wi(f.layer_norm(y))))
        y = self.decoder.final_layer_norm(y)
        return (y * c["d_model"] ** -0.5) @ self.shared.weight.T

    def checkpoint(self):
        sd = dict(self.state_dict())
        # The tied copies HF writes beside `shared.weight`.
        for name in ("encoder.embed_tokens.weight", "decoder.embed_tokens.weight", "lm_head.weight"):
            sd[name] = self.shared.weight
        return sd


T5_CONFIG = {
    "architectures": ["T5ForConditionalGeneration"], "model_type": "t5", "vocab_size": 70, "d_model": 32,
    "d_kv": 8, "d_ff": 64, "num_layers": 2, "num_decoder_layers": 2, "num_heads": 4,
    "relative_attention_num_buckets": 8, "relative_attention_max_distance": 16, "dropout_rate": 0.1,
    "layer_norm_epsilon": 1e-6, "feed_forward_proj": "relu", "tie_word_embeddings": True,
    "is_encoder_decoder": True, "pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0,
}


# ---- ViT (ViTForImageClassification: patch Conv2d, [CLS] token, learned positions, pre-norm) ----

class VitLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, eps = c["hidden_size"], c["layer_norm_eps"]
        self.heads = c["num_attention_heads"]
        self.layernorm_before = nn.LayerNorm(d, eps=eps)
        self.attention = nn.Module()
        self.attention.attention = nn.Module()
        self.attention.attention.query = nn.Linear(d, d)
        self.attention.attention.key = nn.Linear(d, d)
        self.attention.attention.value = nn.Linear(d, d)
        self.attention.output = nn.Module()
        self.attention.output.dense = nn.Linear(d, d)
        self.layernorm_after = nn.LayerNorm(d, eps=eps)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(d, c["intermediate_size"])
        self.output = nn.Module()
        self.output.dense = nn.Linear(c["intermediate_size"], d)

    def forward(self, x):
        a = self.attention.attention
        h = self.layernorm_before(x)
        q, k, v, _ = attention(a.query(h), a.key(h), a.value(h), self.heads)
        x = x + self.attention.output.dense(sdpa(q, k, v))
        return x + self.output.dense(F.gelu(self.intermediate.dense(self.layernorm_after(x))))


class Vit(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["hidden_size"]
        patches = (c["image_size"] // c["patch_size"]) ** 2
        self.vit = nn.Module()
        e = self.vit.embeddings = nn.Module()
        e.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        e.position_embeddings = nn.Parameter(torch.zeros(1, patches + 1, d))
        e.patch_embeddings = nn.Module()
        e.patch_embeddings.projection = nn.Conv2d(c["num_channels"], d, c["patch_size"], stride=c["patch_size"])
        self.vit.encoder = nn.Module()
        self.vit.encoder.layer = nn.ModuleList([VitLayer(c) for _ in range(c["num_hidden_layers"])])
        self.vit.layernorm = nn.LayerNorm(d, eps=c["layer_norm_eps"])
        self.classifier = nn.Linear(d, len(c["id2label"]))

    def forward(self, pixels):  # [B, C, H, W], as Hugging Face's pixel_values
        e = self.vit.embeddings
        x = e.patch_embeddings.projection(pixels).flatten(2).transpose(1, 2)
        x = torch.cat([e.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + e.position_embeddings
        for layer in self.vit.encoder.layer:
            x = layer(x)
        return self.classifier(self.vit.layernorm(x)[:, 0])

    def checkpoint(self):
        return dict(self.state_dict())


VIT_CONFIG = {
    "architectures": ["ViTForImageClassification"], "model_type": "vit", "hidden_size": 32,
    "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64, "hidden_act": "gelu",
    "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "image_size": 16, "patch_size": 4,
    "num_channels": 3, "layer_norm_eps": 1e-12, "qkv_bias": True,
    "id2label": {str(i): f"class_{i}" for i in range(5)},
}


def build(family):
    if family == "gpt2":
        c = GPT2_CONFIG
        m = Gpt2(c)
        ids = torch.randint(0, c["vocab_size"], (2, 12))
        return c, m, {"ids": ids}, lambda: {"logits": m(ids)}
    if family == "llama":
        c = LLAMA_CONFIG
        m = Llama(c)
        ids = torch.randint(0, c["vocab_size"], (2, 10))
        return c, m, {"ids": ids}, lambda: {"logits": m(ids)}
    if family == "bert":
        c = BERT_CONFIG
        m = Bert(c)
        ids = torch.randint(1, c["vocab_size"], (2, 9))
        ids[1, 6:] = 0  # padding at the end of the second row
        segments = torch.zeros_like(ids)
        segments[:, 5:] = 1
        def run():
            mlm, nsp = m(ids, segments)
            return {"mlm_logits": mlm, "nsp_logits": nsp}
        return c, m, {"ids": ids, "segments": segments}, run
    if family == "t5":
        c = T5_CONFIG
        m = T5(c)
        src = torch.randint(2, c["vocab_size"], (2, 11))
        src[1, 8:] = 0
        tgt = torch.randint(2, c["vocab_size"], (2, 7))
        return c, m, {"src": src, "tgt": tgt}, lambda: {"logits": m(src, tgt)}
    if family == "vit":
        c = VIT_CONFIG
        m = Vit(c)
        pixels = torch.randn(2, c["num_channels"], c["image_size"], c["image_size"])
        # tfmc's images are channels-last: [B, H, W, C].
        return c, m, {"images": pixels.permute(0, 2, 3, 1)}, lambda: {"logits": m(pixels)}
    raise SystemExit(f"unknown family {family}")


def main():
    family, out = sys.argv[1], sys.argv[2]
    shards = int(sys.argv[sys.argv.index("--shards") + 1]) if "--shards" in sys.argv else 1
    os.makedirs(out, exist_ok=True)
    config, model, inputs, run = build(family)
    randomize(model)
    model.eval()
    with torch.no_grad():
        outputs = run()
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    sd = {k: v.float() for k, v in model.checkpoint().items()}
    if family == "bert":
        sd["bert.embeddings.position_ids"] = sd["bert.embeddings.position_ids"].long()
    names = list(sd)
    if shards == 1:
        save_safetensors(os.path.join(out, "model.safetensors"), sd, {"format": "pt"})
    else:
        weight_map = {}
        per = math.ceil(len(names) / shards)
        for s in range(shards):
            file = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
            part = {n: sd[n] for n in names[s * per:(s + 1) * per]}
            save_safetensors(os.path.join(out, file), part, {"format": "pt"})
            weight_map.update({n: file for n in part})
        with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f, indent=2)
    ref = {f"input.{k}": (v.to(torch.int32) if v.dtype == torch.int64 else v) for k, v in inputs.items()}
    ref.update({f"output.{k}": v for k, v in outputs.items()})
    save_safetensors(os.path.join(out, "reference.safetensors"), ref)


if __name__ == "__main__":
    main()
