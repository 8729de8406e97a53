/**
 * Whatever names a spec chooses, its generated PyTorch runs under Debian's torch and its
 * generated TypeScript type-checks and runs, both computing the tfjs model's numbers on the tfjs
 * weights, under the spec's parameter names (`parity-harness.ts`). First the failures found by
 * hand and by the fuzzer, one spec each; then the name fuzzer (`scripts/fuzz/specs.mjs`) with a fixed
 * seed. `TFMC_NAME_FUZZ_SEED` / `TFMC_NAME_FUZZ_COUNT` explore further; `TFMC_KEEP_WORK=1` keeps
 * the generated files (the folder is printed).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/tfjs.js';
import { requireTorch } from '../pytorch/helpers.js';
import { removeScratch, scratchProject } from '../ts/helpers.js';
import { nameSpecs } from '../../../scripts/fuzz/specs.mjs';
import { runGeneratedParity, type CaseResult, type SpecCase } from './parity-harness.js';

const REGRESSIONS: SpecCase[] = [
  {
    // Python mangles `__x` inside a class body: a block, its parameter, port, layer and local, the
    // model, its config, input and output; and a block `_`, a soft keyword (`_` + `_` is `__`).
    id: 'dunder',
    source: `block __B(__d: int) {
  in __x: float32[B, T, __d]
  let __l = Linear(__d)
  let __y = __l(__x)
  out __y
}
block _(d: int) {
  in x: float32[B, T, d]
  out x * 2.0
}
model __M {
  config { __c = 4 }
  input __i: float32[batch, seq, __c]
  let __b = __B(__c)
  let ___ = _(__c)
  output __o = ___(__b(__i))
}
`,
  },
  {
    // Names model.py imports or binds: blocks and models named torch, nn, rt, a config F.
    id: 'generated_names',
    source: `block torch(d: int) {
  in x: float32[B, T, d]
  let nn = Linear(d)
  out nn(x)
}
block INPUTS(d: int) {
  in self: float32[B, T, d]
  let rt = Linear(d)
  out rt(self)
}
model nn {
  config { F = 4  math = 2 }
  input Tensor: float32[batch, seq, F]
  let rt = torch(F)
  let build_model = INPUTS(F)
  output Model = build_model(rt(Tensor))
}
`,
  },
  {
    id: 'python_keywords',
    source: `block lambda(None: int) {
  in list: float32[B, T, None]
  let type = Linear(None)
  out type(list)
}
model type {
  config { self = 4  range = 2 }
  input print: float32[batch, seq, self]
  let list = lambda(self)
  let def = repeat range { lambda(self) }
  output None = def(list(print))
}
`,
  },
  {
    // JavaScript's words and prototype names; \`constructor\` as a block parameter was once
    // "given twice" (an argument table with a prototype).
    id: 'js_words',
    source: `block class(delete: int, constructor: int = 2) {
  in prototype: float32[B, T, delete]
  let __proto__ = Linear(delete * constructor)
  out __proto__(prototype)
}
model tf {
  config { Math = 4 }
  input __proto__: float32[batch, seq, Math]
  let delete = class(Math, constructor: 1)
  output constructor = delete(__proto__)
  output toString = delete(__proto__) * 2.0
}
`,
  },
  {
    // A user block named like a runtime layer (LayerNorm) and like std blocks.
    id: 'user_layer_names',
    source: `block LayerNorm(d: int) {
  in x: float32[B, T, d]
  let p = param([d], init: ones)
  out x * p
}
block MultiHeadAttention(d: int) {
  in x: float32[B, T, d]
  let proj = Linear(d)
  out proj(x)
}
model Tensor {
  input x: float32[batch, seq, 8]
  let norm = LayerNorm(8)
  let attn = MultiHeadAttention(8)
  let ff = FeedForward(8, 16)
  output y = ff(attn(norm(x)))
}
`,
  },
  {
    // Modules never applied, and an application whose result nothing reads.
    id: 'unused_modules',
    source: `block Unused(d: int) {
  in x: float32[B, T, d]
  let p = Linear(d)
  let never = Linear(d)
  out p(x)
}
model UnusedModules {
  input x: float32[batch, seq, 4]
  let u = Unused(4)
  let declared = Unused(4)
  let lone = Linear(4)
  let l = Linear(4)
  let z = u(x)
  output y = l(x)
}
`,
  },
  {
    // nn.Module's attributes as module and parameter names; \`training\` (which nn.Module sets
    // itself) is held as \`training_\` and saved and loaded as \`training\`.
    id: 'module_attributes',
    source: `block eval(d: int) {
  in x: float32[B, T, d]
  let training = param([d], init: ones)
  let training_ = Linear(d)
  out training_(x) * training
}
model Attrs {
  input x: float32[batch, seq, 4]
  let train = Linear(4)
  let to = Linear(4)
  let training = eval(4)
  let _modules = LayerNorm(4)
  let forward = repeat 2 { Linear(4) }
  let half = repeat 2 shared { eval(4) }
  output y = half(_modules(training(forward(to(train(x))))))
}
`,
  },
  {
    // One block applied twice: the first call's named out is read, the second's is not; and a
    // block applied to the same tensor twice (\`b(x, x)\`) and to two tensors.
    id: 'applications_differ',
    source: `block Two(d: int) {
  in x: float32[B, T, d]
  in y: float32[B, T, d]
  let p = Linear(d)
  out p(x) + y
  out pooled = mean(x, axis: 1)
}
model TwoCalls {
  input a: float32[batch, seq, 4]
  let t = Two(4)
  let first = t(a, a)
  let second = t(first, a)
  output y = second
  output pooled = first.pooled
}
`,
  },
  {
    // Stacks applied twice (each layer has two applications; stacks of one block, of one layer),
    // and a shared stack of a block
    // whose named out only the last application's caller reads.
    id: 'stacks_applied_twice',
    source: `block Named(d: int) {
  in x: float32[B, T, d]
  let p = Linear(d)
  out p(x)
  out pooled = mean(x, axis: 1)
}
model Stacks {
  input a: float32[batch, seq, 4]
  let s = repeat 2 { Named(4) }
  let t = repeat 3 shared { Named(4) }
  let one = repeat 1 { Named(4) }
  let lin = repeat 1 { Linear(4) }
  let u = lin(lin(one(one(s(s(a))))))
  let v = t(u)
  output y = v
  output pooled = v.pooled
}
`,
  },
];

const COUNT = Number(process.env.TFMC_NAME_FUZZ_COUNT ?? 30);
const SEED = Number(process.env.TFMC_NAME_FUZZ_SEED ?? 20261201);

let work: string;
let results: Map<string, CaseResult>;
const fuzzed = nameSpecs(SEED, COUNT);

beforeAll(async () => {
  requireTorch();
  await selectBackend('cpu');
  work = scratchProject();
  results = new Map((await runGeneratedParity([...REGRESSIONS, ...fuzzed], work)).map((r) => [r.id, r]));
}, 600_000);

afterAll(() => {
  if (work && !process.env.TFMC_KEEP_WORK) removeScratch(work);
  if (process.env.TFMC_KEEP_WORK) console.log(work);
});

describe('hostile names, found by hand and by the fuzzer', () => {
  it.each(REGRESSIONS.map((c) => [c.id, c] as const))('%s: PyTorch and TypeScript match tfjs', (id) => {
    const r = results.get(id)!;
    expect(r.failures).toEqual([]);
    expect(r.worst.pytorch).toBeDefined();
    expect(r.worst.ts).toBeDefined();
  });

  it('keeps the spec\'s state_dict names: `training` is held as `training_` and mapped back', () => {
    const py = readFileSync(join(work, 'module_attributes', 'model.py'), 'utf8');
    // In the block, the parameter `training` beside a layer `training_`; in the model, the block.
    expect(py).toContain('        self.register_parameter("training_2", nn.Parameter(torch.empty(4)))\n        self.training_ = rt.Linear(4, 4, bias=True)\n        rt.spec_names(self, {"training_2": "training"})\n');
    expect(py).toContain('        self.training_ = eval_()\n');
    expect(py).toContain('        rt.spec_names(self, {"training_": "training"})\n');
    // Other nn.Module attributes keep their names, in the module's table.
    expect(py).toContain('self._modules["train"] = rt.Linear(4, 4, bias=True)');
    // The harness checked the state_dict names against the spec's; the Python names differ.
    expect(results.get('module_attributes')!.failures).toEqual([]);
  });

  it('writes no name Python would mangle in a class body', () => {
    const py = readFileSync(join(work, 'dunder', 'model.py'), 'utf8');
    expect(py).toContain('class v__B(nn.Module):');
    expect(py).toContain('def forward(self, v__i):');
    // The code without docstrings, strings and comments: no identifier starts with `__` unless it is a dunder.
    const code = py.replace(/"""[^]*?"""/g, '').replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/#.*$/gm, '');
    expect((code.match(/\b__\w+/g) ?? []).filter((name) => !/^__\w+__$/.test(name))).toEqual([]);
  });
});

describe(`name fuzzer: ${COUNT} specs of seed ${SEED}`, () => {
  it('generates valid specs that differ from one another', () => {
    expect(new Set(fuzzed.map((c) => c.source)).size).toBe(COUNT);
  });

  it('every generated spec compiles to PyTorch and TypeScript that match tfjs', () => {
    const failing = fuzzed.map((c) => results.get(c.id)!).filter((r) => r.failures.length > 0);
    expect(failing.map((r) => `${r.id}: ${r.failures.join('; ')}\n${fuzzed.find((c) => c.id === r.id)!.source}`)).toEqual([]);
  });
});
