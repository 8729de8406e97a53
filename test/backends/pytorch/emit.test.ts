/**
 * The PyTorch emitter without running Python: the generated module of Gpt2Tiny as a golden file
 * (read it in review: it is the user-facing output), determinism, and the names PyTorch cannot
 * hold. Running the generated code is test/backends/pytorch/parity.test.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitModel, emitPytorch } from '../../../src/backends/pytorch/index.js';
import { isPlainAttribute, pyIdent, pyString } from '../../../src/backends/pytorch/python-names.js';
import { checkFile, checkSource } from '../../../src/index.js';
import { expectGolden } from '../../helpers/golden.js';

const ROOT = join(import.meta.dirname, '../../..');

function model(file: string, name: string) {
  const r = checkFile(join(ROOT, file));
  const m = r.models.find((x) => x.name === name);
  if (!m) throw new Error(`${file}: no ${name}`);
  return m;
}

describe('emitModel', () => {
  it('writes Gpt2Tiny as the golden model.py (block classes, a loop over the layers, shapes in comments)', () => {
    const text = emitModel(model('specs/gpt2.tfm', 'Gpt2Tiny'), { specName: 'specs/gpt2.tfm' });
    expectGolden(join(import.meta.dirname, '__golden__/gpt2-tiny.model.py'), text);
    expect(text).toContain('for layer in self.blocks:');
    expect(text).toContain('self.lm_head.tie_to(self.wte)');
  });

  it('is deterministic', () => {
    const a = emitModel(model('specs/t5.tfm', 'T5Tiny'));
    const b = emitModel(model('specs/t5.tfm', 'T5Tiny'));
    expect(a).toBe(b);
  });

  it('ships the runtime and the training script next to the model', () => {
    const files = emitPytorch(model('specs/vit.tfm', 'VitTiny'));
    expect([...files.keys()]).toEqual(['model.py', 'tfmc_runtime.py', 'train.py']);
    expect(files.get('tfmc_runtime.py')).toContain('def masked(scores, mask):');
    expect(files.get('train.py')).toContain('DistributedDataParallel');
  });

  it('keeps a layer whose name is an attribute of torch.nn.Module under that name, in the module table', () => {
    const r = checkSource('model M {\n  input x: float32[batch, 4]\n  let train = Linear(2)\n  output y = train(x)\n}\n', 'm.tfm');
    expect(r.diagnostics).toEqual([]);
    const py = emitModel(r.models[0]);
    expect(py).toContain('        self._modules["train"] = rt.Linear(4, 2, bias=True)\n');
    expect(py).toContain('        y = self._modules["train"](x)');
  });
});

describe('Python names', () => {
  it('renames keywords and reserved names deterministically and keeps others', () => {
    const names = ['lambda', 'None', 'self', 'x', 'd_model', 'print', '__init__', '__x', '_x', 'torch', 'rt', 'INPUTS', 'range', 'RuntimeError', '9a', '_'];
    expect(names.map(pyIdent)).toEqual(['lambda_', 'None_', 'self_', 'x', 'd_model', 'print_', 'v__init__', 'v__x', '_x', 'torch_', 'rt_', 'INPUTS_', 'range_', 'RuntimeError_', 'v9a', 'v__']);
    expect(isPlainAttribute('q_proj')).toBe(true);
    expect(['from', 'forward', 'training', '__dict__', '_modules', 'config'].map(isPlainAttribute)).toEqual([false, false, false, false, false, false]);
  });

  it('escapes strings for Python source', () => {
    expect(pyString('a"b\\c\n\u00e9\u{1F600}')).toBe('"a\\"b\\\\c\\x0a\\xe9\\U0001f600"');
  });
});
