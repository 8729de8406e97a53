/** The parameters: `ParamSpec`, the `PARAMS` table (PyTorch `state_dict` names, shapes, initialisers), `createParams` and `setWeights`. */
import { hiddenSizeOf } from '../../ir/queries.js';
import { totalParams, type ModelIR } from '../../ir/types.js';
import { EmitError } from './errors.js';
import type { ModuleText } from './module-text.js';
import { numberLiteral, stringLiteral } from './names.js';

export function paramsSection(text: ModuleText, ir: ModelIR): void {
  const total = totalParams(ir);
  // Buffers (running statistics) are written only where a model has them, so other models' code is unchanged.
  const buffers = ir.params.some((p) => p.buffer);
  text.out(
    '/** A trainable tensor: its PyTorch `state_dict` name, shape and initialiser. */',
    'export interface ParamSpec {',
    '  readonly name: string;',
    '  readonly shape: readonly number[];',
    `  readonly init: ${text.use('Init')};`,
    ...(buffers ? ['  /** State the model updates itself (running statistics), saved with the parameters but not trained. */', '  readonly buffer?: true;'] : []),
    '}',
    '',
    `/** The parameters, ${total.toLocaleString('en-US')} numbers in all. */`,
    'export const PARAMS = [',
  );
  text.use('initialValue');
  ir.params.forEach((p) => {
    const init = p.init === 'uniform_hidden' ? `{ uniform: ${numberLiteral(1 / Math.sqrt(hiddenSizeOf(ir, p)))} }` : stringLiteral(p.init);
    if (!['zeros', 'ones', 'normal', 'embedding', 'uniform_fan_in', 'uniform_hidden'].includes(p.init)) {
      throw new EmitError(`parameter \`${p.name}\` has an initialiser \`${p.init}\` that the TypeScript backend does not know`);
    }
    text.out(`  { name: ${stringLiteral(p.name)}, shape: [${p.shape.map(numberLiteral).join(', ')}], init: ${init}${p.buffer ? ', buffer: true' : ''} },`);
  });
  text.out(
    '] as const;',
    '',
    'export type ParamName = (typeof PARAMS)[number][\'name\'];',
    'export type Params = Record<ParamName, tf.Variable>;',
    '',
    '/** Fresh parameters. The same seed gives the same values as tfmc\'s `compile(spec, { seed })`. */',
    'export function createParams(seed?: number): Params {',
    '  const entries = PARAMS.map((spec, index) => {',
    '    const value = initialValue(spec.shape, spec.init, seed, index);',
    `    const variable = tf.variable(value, ${buffers ? "!('buffer' in spec)" : 'true'});`,
    '    value.dispose();',
    '    return [spec.name, variable] as const;',
    '  });',
    '  return Object.fromEntries(entries) as Params;',
    '}',
    '',
    '/** Assigns values by parameter name (e.g. the `getWeights()` of tfmc\'s in-memory model); shapes must match. */',
    'export function setWeights(params: Params, weights: Readonly<Record<string, tf.Tensor>>): void {',
    '  const byName: Readonly<Record<string, tf.Variable>> = params;',
    '  for (const [name, value] of Object.entries(weights)) {',
    '    const target = Object.prototype.hasOwnProperty.call(byName, name) ? byName[name] : undefined;',
    '    if (target === undefined) throw new Error(`no parameter named ${JSON.stringify(name)}`);',
    '    if (target.shape.join(\',\') !== value.shape.join(\',\')) {',
    '      throw new Error(`parameter ${JSON.stringify(name)} is [${target.shape.join(\', \')}], the value is [${value.shape.join(\', \')}]`);',
    '    }',
    '    tf.tidy(() => target.assign(value.dtype === \'float32\' ? value : tf.cast(value, \'float32\')));',
    '  }',
    '}',
    '',
  );
}
