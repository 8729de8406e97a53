"""tfmc's PyTorch runtime: one layer or function per primitive op of the IR.

Copied next to every `model.py` that `tfmc compile --target pytorch` writes. The numerics are
those of tfmc's TensorFlow.js backend, so weights move between the two and give the same outputs:

- Masks are lazy (`Mask.build(tq, tk)` -> bool `[B|1, Tq|1, Tk]`), **True = may attend**. A causal
  mask learns its size from the scores it masks; query i of the last `tq` positions may see key j
  when j <= i + tk - tq. A mask given as a model input (bool, or 0/1 of any dtype) becomes one
  through `mask_from_data`.
- `masked` fills blocked scores with -1e9 (exp underflows to exactly 0 in float32, like -inf, but a
  fully blocked row stays finite) and records on the tensor which query rows keep a key; `softmax`
  multiplies by it, so a fully blocked row gives zeros, not NaN and not a uniform distribution.
  Elementwise ops after `masked` keep that record through `keep_rows`.
- `gelu` is the exact (erf) GELU, `gelu_tanh` the tanh approximation; `rope` the rotate-half
  (GPT-NeoX/Llama) layout; T5's relative buckets are computed in float32 steps; ALiBi's slopes are
  the paper's (`alibi_slopes`); LSTM/GRU/RNN are PyTorch's own (gate orders i,f,g,o and r,z,n),
  batch-first, with the state `[k, layers, B, H]` (k = 2 for LSTM's h and c).
- `cross_entropy` with no counted target gives 0 (PyTorch's F.cross_entropy gives NaN).
- Token ids are int64 (PyTorch's index dtype); tfjs uses int32 for the same values.

Also: `save_safetensors` / `load_safetensors` (the safetensors format, float32, no dependency
beyond torch), and `initialize` (tfmc's initialisers by name).
"""
import json
import math
import os
import struct
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

BLOCKED = -1e9

# ----------------------------------------------------------------------------------------------
# Masks


class Mask:
    """A lazily built attention mask: `build(tq, tk)` -> bool `[B|1, Tq|1, Tk]`, True = may attend."""

    def __init__(self, describe, build):
        self.describe = describe
        self.build = build

    def __and__(self, other):
        return mask_and(self, other)

    def __or__(self, other):
        return mask_or(self, other)

    def __invert__(self):
        return mask_not(self)

    def __repr__(self):
        return f"Mask({self.describe})"


def causal_mask():
    def build(tq, tk):
        if tq > tk:
            raise ValueError(f"a causal mask needs at least as many keys as queries, got {tq} and {tk}")
        rows = torch.arange(tq).unsqueeze(1) + (tk - tq)
        cols = torch.arange(tk).unsqueeze(0)
        return (cols <= rows).unsqueeze(0)  # [1, Tq, Tk]

    return Mask("causal", build)


def padding_mask(ids, pad=0):
    m = (ids != pad).unsqueeze(1)  # [B, 1, T]

    def build(tq, tk):
        if tk != ids.shape[1]:
            raise ValueError(f"a padding mask built from ids of length {ids.shape[1]} cannot mask {tk} keys")
        return m

    return Mask(f"padding (pad {pad})", build)


def mask_from_data(data):
    """A mask given as data (a model input `mask[...]`): bool, or the numbers 0 and 1 of any dtype,
    True / 1 = may attend, shaped `[B|1, Tq|1, Tk]`. Other numbers are an error: an additive mask
    (0 / -inf, where 0 means may attend) is a float input added to the scores, not a mask."""
    if data.dtype != torch.bool:
        bad = data[(data != 0) & (data != 1)]
        if bad.numel():
            raise ValueError(f"a mask holds booleans or 0 and 1 (1 = may attend), got {bad[0].item()}; an additive mask (0 / -inf) is a float input added to the scores")
        data = data != 0

    return Mask("input", lambda tq, tk: data)


def mask_and(a, b):
    return Mask(f"{a.describe} & {b.describe}", lambda tq, tk: a.build(tq, tk) & b.build(tq, tk))


def mask_or(a, b):
    return Mask(f"({a.describe} | {b.describe})", lambda tq, tk: a.build(tq, tk) | b.build(tq, tk))


def mask_not(a):
    return Mask(f"!({a.describe})", lambda tq, tk: ~a.build(tq, tk))


def _positions(tq, tk):
    """Absolute positions of the queries `[Tq, 1]` (the last `tq` of `tk`) and of the keys `[1, Tk]`."""
    if tq > tk:
        raise ValueError(f"a look-ahead mask needs at least as many keys as queries, got {tq} and {tk}")
    return torch.arange(tq).unsqueeze(1) + (tk - tq), torch.arange(tk).unsqueeze(0)


def window_mask(w):
    """Sliding window: query i may attend to keys i - w < j <= i."""

    def build(tq, tk):
        rows, cols = _positions(tq, tk)
        return ((cols <= rows) & (cols > rows - w)).unsqueeze(0)  # [1, Tq, Tk]

    return Mask(f"window {w}", build)


def prefix_mask(length):
    """Prefix LM: keys j < length are seen by every query, later keys causally."""

    def build(tq, tk):
        if 0 < tk - tq < length:
            raise ValueError(f"a prefix mask of length {length} needs the whole prefix in the first step")
        rows, cols = _positions(tq, tk)
        return ((cols <= rows) | (cols < length)).unsqueeze(0)  # [1, Tq, Tk]

    return Mask(f"prefix {length}", build)


def lengths_mask(lengths):
    """Keys before each row's length: int lengths `[B]` -> `[B, 1, Tk]`."""

    def build(tq, tk):
        cols = torch.arange(tk, device=lengths.device).view(1, 1, tk)
        return cols < lengths.view(-1, 1, 1)

    return Mask("lengths", build)


def segment_mask(ids):
    """Packed sequences: query and key in the same document, from ids `[B, T]` -> `[B, Tq, T]`."""

    def build(tq, tk):
        if tk != ids.shape[1]:
            raise ValueError(f"a segment mask built from ids of length {ids.shape[1]} cannot mask {tk} keys")
        return ids[:, tk - tq :].unsqueeze(2) == ids.unsqueeze(1)

    return Mask("same segment", build)


def masked(scores, mask):
    """Blocked scores of `[B, H, Tq, Tk]` become -1e9; the tensor records the rows that keep a key."""
    m = mask.build(scores.shape[2], scores.shape[3]).unsqueeze(1)  # [B|1, 1, Tq|1, Tk]
    out = torch.where(m.to(scores.device), scores, torch.full((), BLOCKED, dtype=scores.dtype, device=scores.device))
    out.tfmc_rows = m.any(-1, keepdim=True).to(scores.dtype).to(scores.device)  # [B|1, 1, Tq|1, 1]
    return out


def keep_rows(y, *xs):
    """Carries the rows-with-a-key record of masked scores through an elementwise op of the same shape."""
    for x in xs:
        rows = getattr(x, "tfmc_rows", None)
        if rows is not None and tuple(x.shape) == tuple(y.shape):
            y.tfmc_rows = rows
            break
    return y


def softmax(x, axis=-1):
    y = torch.softmax(x, dim=axis)
    rows = getattr(x, "tfmc_rows", None)
    return y * rows if rows is not None and axis % x.dim() == x.dim() - 1 else y


def log_softmax(x, axis=-1):
    y = torch.log_softmax(x, dim=axis)
    rows = getattr(x, "tfmc_rows", None)
    return y * rows if rows is not None and axis % x.dim() == x.dim() - 1 else y


# ----------------------------------------------------------------------------------------------
# Functions


class _Gelu(torch.autograd.Function):
    """F.gelu(x) whose backward is handed a contiguous gradient. torch 1.13's CPU `gelu_backward`
    (Debian's python3-torch) gives garbage for the exact GELU when the incoming gradient is not
    contiguous, as after a transpose; the tanh form is unaffected."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return F.gelu(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return torch.ops.aten.gelu_backward(grad.contiguous(), x)


def gelu(x):
    """The exact GELU, 0.5·x·(1 + erf(x/√2)): PyTorch's F.gelu(x)."""
    return _Gelu.apply(x) if x.requires_grad and torch.is_grad_enabled() else F.gelu(x)


def gelu_tanh(x):
    return F.gelu(x, approximate="tanh")


def relu(x):
    return torch.relu(x)


def silu(x):
    return x * torch.sigmoid(x)


def tanh(x):
    return torch.tanh(x)


def sigmoid(x):
    return torch.sigmoid(x)


def split_heads(x, heads):
    b, t, f = x.shape
    return x.reshape(b, t, heads, f // heads).transpose(1, 2)  # [B, heads, T, d]


def merge_heads(x):
    b, h, t, d = x.shape
    return x.transpose(1, 2).reshape(b, t, h * d)  # [B, T, heads·d]


def repeat_heads(x, times):
    return x.repeat_interleave(times, dim=1)


def transpose(x):
    return x.transpose(-1, -2)


def matmul(a, b):
    return torch.matmul(a, b)


def take(x, axis, index):
    return x.select(axis, index)


def mean(x, axis):
    return x.mean(dim=axis)


def glu(x, axis):
    return F.glu(x, dim=axis)


def avg_pool1d(x, kernel, stride):
    """Channels-last `[B, T, C]` -> `[B, T', C]`."""
    return F.avg_pool1d(x.transpose(1, 2), kernel, stride).transpose(1, 2)


def max_pool1d(x, kernel, stride):
    return F.max_pool1d(x.transpose(1, 2), kernel, stride).transpose(1, 2)


def avg_pool2d(x, kernel, stride):
    """Channels-last `[B, H, W, C]` -> `[B, H', W', C]`."""
    return F.avg_pool2d(x.permute(0, 3, 1, 2), kernel, stride).permute(0, 2, 3, 1)


def max_pool2d(x, kernel, stride):
    return F.max_pool2d(x.permute(0, 3, 1, 2), kernel, stride).permute(0, 2, 3, 1)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0):
    """CTC on batch-first log-probabilities `[B, T, C]` (PyTorch wants `[T, B, C]`); the mean over the
    batch of each loss divided by its target length (reduction='mean')."""
    return F.ctc_loss(log_probs.transpose(0, 1), targets.long(), input_lengths.long(), target_lengths.long(), blank=blank, reduction="mean")


def one_hot(ids, num):
    """Float one-hot vectors `[..., num]` of integer ids; an id outside 0 … num − 1 gives zeros (as tfjs)."""
    ids = ids.long()
    inside = (ids >= 0) & (ids < num)
    out = torch.nn.functional.one_hot(torch.where(inside, ids, torch.zeros_like(ids)), num).to(torch.float32)
    return out * inside.unsqueeze(-1).to(torch.float32)


def gather_axis(x, index, axis):
    """The entries `index` picks along `axis`; the axis becomes the index's shape (as tfjs's gather)."""
    picked = torch.index_select(x, axis, index.reshape(-1).long())
    return picked.reshape(x.shape[:axis] + index.shape + x.shape[axis + 1:])


def expand_like(x, like, axis, like_axis):
    """`x` with its size-1 `axis` stretched to the size of `like`'s `like_axis`."""
    sizes = list(x.shape)
    sizes[axis] = like.shape[like_axis]
    return x.expand(*sizes)


def reshape_to(x, dims):
    """`x` in a new shape: a size ≥ 0 is that number, -(i + 2) the size of input axis i, -1 inferred."""
    return x.reshape([d if d >= -1 else x.shape[-d - 2] for d in dims])


def slice_axis(x, axis, start, end=None):
    """Positions start … end − 1 of `axis` (end None: to the end of the axis)."""
    stop = x.shape[axis] if end is None else end
    return x.narrow(axis, start, stop - start)


def cast(x, dtype):
    """tfmc's dtypes in PyTorch: int32 ids are int64 (what indexing takes), float32 stays."""
    return x.to(torch.int64) if dtype == "int32" else x.to(torch.float32)


def rope(x, base=10000.0):
    """Rotary embedding on `[B, H, T, d]`: feature i pairs with i + d/2; tables in float64."""
    t, d = x.shape[2], x.shape[3]
    inv = base ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    angles = torch.arange(t, dtype=torch.float64).unsqueeze(1) * inv.unsqueeze(0)
    emb = torch.cat([angles, angles], -1)
    cos, sin = emb.cos().to(x.dtype).to(x.device), emb.sin().to(x.dtype).to(x.device)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


def shift_left(ids, fill=-100):
    return torch.cat([ids[:, 1:], torch.full_like(ids[:, :1], fill)], 1)


def cross_entropy(logits, targets, label_smoothing=0.0, ignore_index=-100):
    """Mean over counted targets of (1 − ε)·NLL + ε·mean_c(−log p_c); 0 when none counts."""
    classes = logits.shape[-1]
    logp = torch.log_softmax(logits.reshape(-1, classes), -1)
    t = targets.reshape(-1).long()
    counted = t != ignore_index
    safe = torch.where(counted, t, torch.zeros_like(t))
    nll = -logp.gather(1, safe.unsqueeze(1)).squeeze(1)
    per = nll * (1 - label_smoothing) - logp.mean(-1) * label_smoothing if label_smoothing > 0 else nll
    weights = counted.to(logits.dtype)
    return (per * weights).sum() / weights.sum().clamp(min=1)


def mse(pred, target):
    return ((pred - target) ** 2).mean()


def sinusoids(length, dim):
    """The Transformer paper's table in float64, then float32: sin on even, cos on odd features."""
    pos = torch.arange(length, dtype=torch.float64).unsqueeze(1)
    freq = 10000.0 ** (-torch.arange(0, dim, 2, dtype=torch.float64) / dim)
    table = torch.zeros(length, dim, dtype=torch.float64)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq)[:, : dim // 2]
    return table.float()


def relative_position_bucket(relative, bidirectional, num_buckets, max_distance):
    """T5's bucket of each distance `key − query` (int64 tensor), the log part in float32."""
    bucket = torch.zeros_like(relative)
    n = num_buckets
    if bidirectional:
        n //= 2
        bucket = bucket + (relative > 0).long() * n
        relative = relative.abs()
    else:
        relative = -torch.clamp(relative, max=0)
    max_exact = n // 2
    is_small = relative < max_exact
    large = max_exact + (
        torch.log(relative.float() / max_exact) / math.log(max_distance / max_exact) * (n - max_exact)
    ).long()
    large = torch.clamp(large, max=n - 1)
    return bucket + torch.where(is_small, relative, large)


# ----------------------------------------------------------------------------------------------
# Layers (parameter names and shapes as tfmc's IR, which follows PyTorch)


class Linear(nn.Module):
    """y = x Wᵀ + b; W `[out, in]`. A tied Linear owns no weight: it reads its owner's (`tie_to`)."""

    def __init__(self, in_features, out_features, bias=True, tied=False):
        super().__init__()
        self.in_features, self.out_features, self.tied = in_features, out_features, tied
        if not tied:
            self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features)) if bias else None

    def tie_to(self, owner):
        # A plain attribute, not a submodule: the shared table keeps its one state_dict name.
        self.__dict__["_tied_owner"] = owner

    def forward(self, x):
        weight = self.__dict__["_tied_owner"].weight if self.tied else self.weight
        return F.linear(x, weight, self.bias)

    def extra_repr(self):
        return f"{self.in_features} -> {self.out_features}, bias={self.bias is not None}, tied={self.tied}"


class Embedding(nn.Module):
    def __init__(self, num, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num, dim))

    def forward(self, ids):
        return F.embedding(ids.long(), self.weight)


class PositionEmbedding(nn.Module):
    """Position vectors `[T, dim]` for an input `[B, T, ...]`: a learned table or fixed sinusoids.

    Positions start at `offset`: the table has `max_len + offset` rows and the first `offset`
    are never read (OPT's learned positions start at 2)."""

    def __init__(self, max_len, dim, kind="learned", offset=0):
        super().__init__()
        self.max_len, self.dim, self.kind, self.offset = max_len, dim, kind, offset
        if kind == "learned":
            self.weight = nn.Parameter(torch.empty(max_len + offset, dim))
        else:
            self.register_buffer("table", sinusoids(max_len + offset, dim), persistent=False)

    def forward(self, x):
        t = x.shape[1]
        if t > self.max_len:
            raise ValueError(f"a sequence of length {t} does not fit the positional table of {self.max_len} rows")
        return (self.weight if self.kind == "learned" else self.table)[self.offset : self.offset + t]


class LayerNorm(nn.Module):
    def __init__(self, dim, eps=1e-5, bias=True):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.empty(dim))
        self.bias = nn.Parameter(torch.empty(dim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, (x.shape[-1],), self.weight, self.bias, self.eps)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.empty(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        return keep_rows(F.dropout(x, self.p, True), x)


class Conv1d(nn.Module):
    """Channels-last temporal convolution `[B, T, C]` -> `[B, T', out]`, weight `[out, C/groups, k]`."""

    def __init__(self, in_channels, out_channels, kernel, stride=1, padding=0, dilation=1, groups=1, bias=True):
        super().__init__()
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels // groups, kernel))
        self.bias = nn.Parameter(torch.empty(out_channels)) if bias else None

    def forward(self, x):
        y = F.conv1d(x.transpose(1, 2), self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        return y.transpose(1, 2)


class Conv2d(nn.Module):
    """Channels-last image convolution `[B, H, W, C]` -> `[B, H', W', out]`, weight `[out, C/groups, k, k]`."""

    def __init__(self, in_channels, out_channels, kernel, stride=1, padding=0, dilation=1, groups=1, bias=True):
        super().__init__()
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels // groups, kernel, kernel))
        self.bias = nn.Parameter(torch.empty(out_channels)) if bias else None

    def forward(self, x):
        y = F.conv2d(x.permute(0, 3, 1, 2), self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        return y.permute(0, 2, 3, 1)


class BatchNorm(nn.BatchNorm1d):
    """Batch norm over the last axis of `[..., dim]` (statistics over every other axis): PyTorch's
    BatchNorm1d on the rows, so its state_dict (running_mean, running_var, num_batches_tracked) and
    its train/eval behaviour are PyTorch's own."""

    def forward(self, x):
        return super().forward(x.reshape(-1, x.shape[-1])).reshape(x.shape)


class PatchEmbedding(nn.Module):
    """ViT's patches: images `[B, H, W, C]` -> `[B, (H/p)·(W/p), dim]`, row-major patch order."""

    def __init__(self, channels, dim, patch):
        super().__init__()
        self.patch = patch
        self.weight = nn.Parameter(torch.empty(dim, channels, patch, patch))
        self.bias = nn.Parameter(torch.empty(dim))

    def forward(self, images):
        y = F.conv2d(images.permute(0, 3, 1, 2), self.weight, self.bias, stride=self.patch)
        return y.flatten(2).transpose(1, 2)


class ClsToken(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(1, 1, dim))

    def forward(self, x):
        return torch.cat([self.weight.expand(x.shape[0], -1, -1), x], 1)


class RelativePositionBias(nn.Module):
    """T5's bucketed bias `[1, heads, Tq, Tk]` for queries `[B, Tq, ...]` and keys `[B, Tk, ...]`."""

    def __init__(self, heads, buckets=32, max_distance=128, bidirectional=True):
        super().__init__()
        self.buckets, self.max_distance, self.bidirectional = buckets, max_distance, bidirectional
        self.weight = nn.Parameter(torch.empty(buckets, heads))

    def forward(self, q, k):
        tq, tk = q.shape[1], k.shape[1]
        rel = torch.arange(tk).unsqueeze(0) - torch.arange(tq).unsqueeze(1)  # key − query
        b = relative_position_bucket(rel, self.bidirectional, self.buckets, self.max_distance)
        return F.embedding(b.to(self.weight.device), self.weight).permute(2, 0, 1).unsqueeze(0)


def alibi_slopes(heads):
    """ALiBi's slope per head: 2^(-8(h+1)/n) for a power of two n; otherwise those of the power of
    two below `heads`, then every other slope of the power of two above it (Press et al. 2022)."""

    def geometric(n):
        return [2 ** (-8 * (h + 1) / n) for h in range(n)]

    below = 2 ** math.floor(math.log2(heads))
    if below == heads:
        return geometric(heads)
    return geometric(below) + geometric(2 * below)[0::2][: heads - below]


def alibi_bias(q, k, heads):
    """ALiBi's bias `[1, heads, Tq, Tk]`, -slope_h * |i - j|, for queries `[B, Tq, ...]` and keys `[B, Tk, ...]`."""
    tq, tk = q.shape[1], k.shape[1]
    distance = (torch.arange(tq, dtype=torch.float32).unsqueeze(1) - torch.arange(tk, dtype=torch.float32).unsqueeze(0)).abs()
    slopes = torch.tensor(alibi_slopes(heads), dtype=torch.float32).view(heads, 1, 1)
    return (-slopes * distance).unsqueeze(0).to(q.device)


def _recurrent(base, parts):
    class Recurrent(base):
        """Batch-first; returns (outputs `[B, T, H]`, final state `[parts, layers, B, H]`)."""

        def __init__(self, input_size, hidden, layers=1, bias=True):
            super().__init__(input_size, hidden, num_layers=layers, bias=bias, batch_first=True)

        def forward(self, x, init=None):
            if parts == 2:
                out, (h, c) = super().forward(x, None if init is None else (init[0].contiguous(), init[1].contiguous()))
                return out, torch.stack([h, c])
            out, h = super().forward(x, None if init is None else init[0].contiguous())
            return out, h.unsqueeze(0)

    Recurrent.__name__ = Recurrent.__qualname__ = base.__name__
    return Recurrent


LSTM = _recurrent(nn.LSTM, 2)
GRU = _recurrent(nn.GRU, 1)
RNN = _recurrent(nn.RNN, 1)


# ----------------------------------------------------------------------------------------------
# Initialisation (tfmc's initialisers, as the tfjs backend)


def spec_names(module, renamed):
    """Gives children and parameters that torch.nn.Module cannot hold under their spec name
    (`training`, an attribute it sets itself) their spec name in state_dict() and load_state_dict().
    `renamed`: Python name -> spec name (`{"training_": "training"}`); named_parameters() keeps
    the Python names."""
    back = {spec: py for py, spec in renamed.items()}

    def save_hook(_module, state, prefix, _metadata):
        items = list(state.items())
        state.clear()
        state.update((_spec_key(k, prefix, renamed), v) for k, v in items)

    def load_hook(state, prefix, _metadata, _strict, _missing, _unexpected, _errors):
        for key in [k for k in state if k.startswith(prefix)]:
            py = _spec_key(key, prefix, back)
            if py != key:
                state[py] = state.pop(key)

    module._register_state_dict_hook(save_hook)
    module._register_load_state_dict_pre_hook(load_hook)


def _spec_key(key, prefix, table):
    if not key.startswith(prefix):
        return key
    head, dot, rest = key[len(prefix):].partition(".")
    return prefix + table[head] + dot + rest if head in table else key


def initialize(model, inits, generator=None):
    """Fills every parameter and buffer by its initialiser name (`inits`: state_dict name -> (init, hidden))."""
    params = model.state_dict(keep_vars=True)  # the tensors themselves, by state_dict (spec) name: see spec_names
    with torch.no_grad():
        for name, (init, hidden) in inits.items():
            p = params[name]
            if init == "zeros":
                p.zero_()
            elif init == "ones":
                p.fill_(1.0)
            elif init == "normal":
                p.normal_(0.0, 0.02, generator=generator)
            elif init == "embedding":
                p.normal_(0.0, 1.0 / math.sqrt(p.shape[-1]), generator=generator)
            elif init == "uniform_fan_in":
                fan_in = math.prod(p.shape[1:]) if p.dim() > 1 else p.shape[0]
                bound = 1.0 / math.sqrt(fan_in)
                p.uniform_(-bound, bound, generator=generator)
            elif init == "uniform_hidden":
                bound = 1.0 / math.sqrt(hidden)
                p.uniform_(-bound, bound, generator=generator)
            else:
                raise ValueError(f"parameter {name} has an unknown initialiser {init!r}")


# ----------------------------------------------------------------------------------------------
# safetensors (float32), without the `safetensors` package

_DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "F16": (torch.float16, 2),
           "BF16": (torch.bfloat16, 2), "I64": (torch.int64, 8), "I32": (torch.int32, 4),
           "I16": (torch.int16, 2), "I8": (torch.int8, 1), "U8": (torch.uint8, 1), "BOOL": (torch.bool, 1)}


def save_safetensors(tensors, path, metadata=None):
    """Writes float32 tensors (name -> tensor) atomically: a temporary file, then a rename."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        data = t.detach().to("cpu", torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".safetensors")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(raw)))
            f.write(raw)
            for b in blobs:
                f.write(b)
        # mkstemp creates the file private (0600); give it the permissions of an ordinary new file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_safetensors(path):
    """Reads a safetensors file: (name -> tensor, metadata). Every offset is checked."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, fewer than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError(f"{path}: the header length {n} does not fit a file of {len(data)} bytes")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = memoryview(data)[8 + n:]
    metadata = header.pop("__metadata__", {}) or {}
    out = {}
    for name, e in header.items():
        dtype, size = _DTYPES[e["dtype"]]
        begin, end = e["data_offsets"]
        count = math.prod(e["shape"])
        if end - begin != count * size or end > len(body):
            raise ValueError(f"{path}: tensor {name} has data_offsets {e['data_offsets']} that do not fit its shape or the file")
        raw = bytearray(body[begin:end])
        t = torch.frombuffer(raw, dtype=dtype) if count else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(e["shape"]).clone()
    return out, metadata


def load_weights(model, path):
    """Loads a safetensors file into a model; names, shapes must match its state_dict exactly."""
    tensors, _ = load_safetensors(path)
    own = model.state_dict()
    missing = sorted(set(own) - set(tensors))
    unexpected = sorted(set(tensors) - set(own))
    wrong = sorted(f"{k}: file {list(tensors[k].shape)}, model {list(own[k].shape)}" for k in set(own) & set(tensors) if tuple(tensors[k].shape) != tuple(own[k].shape))
    if missing or unexpected or wrong:
        lines = [f"{path} does not fit {type(model).__name__}:"]
        lines += [f"  missing from the file: {k}" for k in missing]
        lines += [f"  not in the model: {k}" for k in unexpected]
        lines += [f"  shape differs: {w}" for w in wrong]
        raise ValueError("\n".join(lines))
    model.load_state_dict({k: v.to(own[k].dtype) for k, v in tensors.items()})
