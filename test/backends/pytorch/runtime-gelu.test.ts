/**
 * The PyTorch runtime's two GELUs: `gelu` is F.gelu(x) (exact) and `gelu_tanh` is
 * F.gelu(x, approximate='tanh'), forward and backward, against their formulas in float64 — with
 * the incoming gradient made non-contiguous by a transpose, where torch 1.13's CPU
 * `gelu_backward` for the exact form returns garbage unless the runtime hands it a contiguous one.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON, requireTorch, ROOT } from './helpers.js';

const SCRIPT = `
import json, math, sys
sys.path.insert(0, sys.argv[1])
import torch
import tfmc_runtime as rt

torch.manual_seed(0)
def exact(x):
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
def tanh_form(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
report = {}
for name, fn, ref in (("gelu", rt.gelu, exact), ("gelu_tanh", rt.gelu_tanh, tanh_form)):
    x = (torch.randn(2, 12, 9) * 3).requires_grad_(True)
    r = torch.randn(2, 9, 12)
    y = fn(x)
    (y.transpose(1, 2) * r).sum().backward()  # the gradient reaching fn is not contiguous
    x64 = x.detach().double().requires_grad_(True)
    y64 = ref(x64)
    (y64.transpose(1, 2) * r.double()).sum().backward()
    with torch.no_grad():
        no_grad = fn(x.detach())
    report[name] = {
        "value": (y.double() - y64).abs().max().item(),
        "no_grad": (no_grad.double() - y64).abs().max().item(),
        "grad": (x.grad.double() - x64.grad).abs().max().item(),
    }
print(json.dumps(report))
`;

describe('PyTorch runtime gelu, gelu_tanh', () => {
  it('match their formulas in float64, forward and backward, with a non-contiguous incoming gradient', () => {
    requireTorch();
    const out = execFileSync(PYTHON, ['-c', SCRIPT, join(ROOT, 'src/backends/pytorch/runtime')], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    const report = JSON.parse(out) as Record<string, { value: number; no_grad: number; grad: number }>;
    for (const [name, r] of Object.entries(report)) {
      expect(r.value, `${name} value`).toBeLessThan(1e-5);
      expect(r.no_grad, `${name} value without grad`).toBeLessThan(1e-5);
      expect(r.grad, `${name} gradient`).toBeLessThan(1e-5);
    }
  });
});
