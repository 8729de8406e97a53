"""The GPT block of `npm run bench` (section tfjs) in PyTorch: same shapes, same layout.

Pre-LN decoder layer: x + attn(ln1(x)), then + fc2(gelu_tanh(fc1(ln2(x)))), causal, no dropout.
Prints one JSON object: forward and forward+backward times (seconds, median/min/max after one
warm-up), torch.mm's speed on the widest matmul of the block, and how torch was set up (threads,
BLAS: Debian's torch links the reference BLAS, ~40x below what oneDNN reaches on this machine). Run by bench/tfjs.js with
/usr/bin/python3; usage: torch_block.py B T D HEADS D_FF RUNS
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads, d_ff):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.ln2 = nn.LayerNorm(d)
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)
        self.fc1 = nn.Linear(d, d_ff)
        self.fc2 = nn.Linear(d_ff, d)

    def split(self, t):
        b, n, d = t.shape
        return t.view(b, n, self.heads, d // self.heads).transpose(1, 2)

    def forward(self, x, causal):
        h = self.ln1(x)
        q, k, v = self.split(self.q(h)), self.split(self.k(h)), self.split(self.v(h))
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        w = torch.softmax(scores.masked_fill(~causal, float("-inf")), dim=-1)
        b, _, n, _ = w.shape
        x = x + self.o((w @ v).transpose(1, 2).reshape(b, n, -1))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))



def timed(fn, runs):
    fn()  # warm-up
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return {"median": ts[len(ts) // 2], "min": ts[0], "max": ts[-1]}


def main():
    b, t, d, heads, d_ff, runs = (int(a) for a in sys.argv[1:7])
    torch.set_num_threads(2)
    torch.manual_seed(0)
    block = Block(d, heads, d_ff)
    x = torch.randn(b, t, d)
    causal = torch.ones(t, t, dtype=torch.bool).tril()

    def forward():
        with torch.no_grad():
            block(x, causal)

    def step():
        block.zero_grad(set_to_none=True)
        block(x, causal).sum().backward()

    result = {"forward": timed(forward, runs), "train": timed(step, runs)}

    a = torch.randn(b * t, d)
    w = torch.randn(d, d_ff)
    mm = timed(lambda: torch.mm(a, w), runs)
    config = torch.__config__.show()
    blas = "MKL" if "USE_MKL=ON" in config else ("OpenBLAS" if "openblas" in config.lower() else "other (Debian: reference BLAS)")
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": blas,
        "matmul": {"shape": [b * t, d, d_ff], "flops": 2 * b * t * d * d_ff, **mm},
        **result,
    }))


if __name__ == "__main__":
    main()
