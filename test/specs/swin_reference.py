"""Runs scripts/reference/param_counts.py's hand-built Swin on weights exported by tfmc.

Usage: /usr/bin/python3 swin_reference.py WEIGHTS.safetensors INPUTS.safetensors OUT.safetensors

The reference names its modules by stage (`stages.S.I...`); tfmc's spec by pair
(`stageS.P.regular|shifted...`, `mergeS...`): the map between them is written out below. Every
tfmc tensor must be used and every reference parameter filled, or the script fails.
"""
import os
import re
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
sys.path.insert(0, os.path.join(ROOT, "src", "backends", "pytorch", "runtime"))
import param_counts as ref  # noqa: E402
import tfmc_runtime as rt  # noqa: E402

DEPTHS = (2, 2, 2, 2)


def reference_name(name):
    m = re.match(r"stage(\d)\.(\d+)\.(regular|shifted)\.(.*)", name)
    if m:
        s, pair, which, rest = int(m[1]) - 1, int(m[2]), m[3], m[4]
        rest = re.sub(r"^(qkv|proj|table)", lambda t: "attn." + ("relative_position_bias_table" if t[1] == "table" else t[1]), rest)
        return f"stages.{s}.{2 * pair + (which == 'shifted')}.{rest}"
    m = re.match(r"merge(\d)\.(.*)", name)
    if m:
        s = int(m[1]) - 1
        return f"stages.{s}.{DEPTHS[s]}.{m[2]}"
    return {"embed.weight": "patch_embed.weight", "embed.bias": "patch_embed.bias"}.get(name, name)


def main(weights, inputs, out):
    tensors, _ = rt.load_safetensors(weights)
    model = ref.Swin(32, 2, 8, DEPTHS, (2, 2, 4, 4), (4, 4, 4, 2), (2, 2, 2, 0), 5)
    params = dict(model.named_parameters())
    loaded = {}
    for name, t in tensors.items():
        target = reference_name(name)
        if target not in params:
            raise SystemExit(f"{name} -> {target}: no such reference parameter")
        if tuple(params[target].shape) != tuple(t.shape):
            raise SystemExit(f"{name} -> {target}: shape {tuple(t.shape)} vs {tuple(params[target].shape)}")
        loaded[target] = t
    missing = sorted(set(params) - set(loaded))
    if missing:
        raise SystemExit(f"reference parameters not filled: {missing}")
    model.load_state_dict(loaded, strict=False)
    images = rt.load_safetensors(inputs)[0]["images"]  # [B, H, W, 3], channels last as tfmc
    with torch.no_grad():
        logits = model(images.permute(0, 3, 1, 2).contiguous())
    rt.save_safetensors({"logits": logits.contiguous()}, out)


if __name__ == "__main__":
    main(*sys.argv[1:4])
