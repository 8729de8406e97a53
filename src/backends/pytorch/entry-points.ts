/**
 * The end of `model.py`, what `train.py` and users read: the tables (`INITS`, `INPUTS`,
 * `FORWARD_ARGS`, `BOUNDS`, `OUTPUTS`, `LOSSES`, `PARAMETERS`), the `Config` and `Model` aliases,
 * and `build_model(seed)` with tfmc's initial values.
 */
import { renderShape, resolve } from '../../ir/dims.js';
import { hiddenSizeOf } from '../../ir/queries.js';
import { totalParams, type ModelIR } from '../../ir/types.js';
import { pyString } from './python-names.js';

/** `forwardArgs`: each model input and its parameter name in the model's forward. */
export function entryPoints(ir: ModelIR, modelClass: string, configClass: string, forwardArgs: Array<[string, string]>): string[] {
  const out: string[] = [];
  out.push('# How each parameter is initialised (tfmc\'s initialisers; the hidden size is for recurrent layers).');
  out.push('INITS = {');
  for (const p of ir.params) out.push(`    ${pyString(p.name)}: (${pyString(p.init)}, ${hiddenSizeOf(ir, p) ?? 1}),`);
  out.push('}');
  out.push('');
  out.push('# The model\'s inputs: name -> (dtype, shape); symbolic sizes are names, `where` bounds in BOUNDS.');
  out.push('INPUTS = {');
  for (const i of ir.inputs) {
    const v = ir.values[i.value];
    const dims = v.shape.map((d) => resolve(d)).map((d) => (d.kind === 'const' ? String(d.value) : pyString(renderShape([d]).slice(1, -1))));
    out.push(`    ${pyString(i.name)}: (${pyString(v.dtype === 'int32' ? 'int64' : v.dtype)}, [${dims.join(', ')}]),`);
  }
  out.push('}');
  out.push('# The keyword of each input in forward(): model(**{FORWARD_ARGS[name]: tensor}).');
  out.push(`FORWARD_ARGS = {${forwardArgs.map(([n, a]) => `${pyString(n)}: ${pyString(a)}`).join(', ')}}`);
  out.push(`BOUNDS = {${ir.bounds.filter((b) => b.max !== undefined).map((b) => `${pyString(b.dim)}: ${b.max}`).join(', ')}}`);
  out.push(`OUTPUTS = [${ir.outputs.map((o) => pyString(o.name)).join(', ')}]`);
  out.push(`LOSSES = [${ir.losses.map((o) => pyString(o.name)).join(', ')}]`);
  out.push(`PARAMETERS = ${totalParams(ir)}`);
  out.push('');
  out.push('');
  out.push(`Config = ${configClass}`);
  out.push(`Model = ${modelClass}`);
  out.push('');
  out.push('');
  out.push('def build_model(seed=None):');
  out.push('    """A model with tfmc\'s initial values (seeded when `seed` is given)."""');
  out.push(`    model = ${modelClass}()`);
  out.push('    generator = torch.Generator().manual_seed(seed) if seed is not None else None');
  out.push('    rt.initialize(model, INITS, generator)');
  out.push('    return model');
  return out;
}
