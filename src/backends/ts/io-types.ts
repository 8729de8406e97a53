/** The types of what the functions read and return: `Inputs`, `Labels`, `Batch`, `Outputs`, `Losses`, `ForwardOptions`. */
import { renderShape } from '../../ir/dims.js';
import type { ModelIR, ModelInput, TensorValue } from '../../ir/types.js';
import type { ModuleText } from './module-text.js';
import { commentText, typeKey } from './names.js';

/** A value's dtype and shape, for a comment. */
export function describe(v: TensorValue): string {
  return commentText(`${v.dtype} ${renderShape(v.shape)}`);
}

function inputDoc(ir: ModelIR, input: ModelInput): string {
  const v = ir.values[input.value];
  const bounds = ir.bounds
    .filter((b) => v.shape.some((d) => d.kind === 'sym' && d.name === b.dim))
    .map((b) => [b.min !== undefined ? `${b.dim} >= ${b.min}` : '', b.max !== undefined ? `${b.dim} <= ${b.max}` : ''].filter(Boolean).join(', '))
    .filter(Boolean);
  const polarity = v.dtype === 'mask' ? ' (bool, or 0 and 1; true = may attend)' : '';
  return commentText(`${v.dtype} ${renderShape(v.shape)}${polarity}${bounds.length ? `, ${bounds.join(', ')}` : ''}`);
}

/** `carried`: values the losses read from the forward pass, by their extra `Outputs` key. */
export function ioTypes(text: ModuleText, ir: ModelIR, modelInputs: ModelInput[], labelInputs: ModelInput[], carried: Map<number, string>): void {
  const member = (name: string, doc: string) => [`  /** ${doc} */`, `  ${typeKey(name)}: tf.Tensor;`];
  text.out(
    '/** What `forward` reads. */',
    'export interface Inputs {',
    ...modelInputs.flatMap((i) => member(i.name, inputDoc(ir, i))),
    '}',
    '',
    '/** What the losses read besides the inputs and outputs. */',
    'export interface Labels {',
    ...labelInputs.flatMap((i) => member(i.name, inputDoc(ir, i))),
    '}',
    '',
    '/** A training batch. */',
    'export type Batch = Inputs & Labels;',
    '',
    'export interface Outputs {',
    ...ir.outputs.flatMap((o) => member(o.name, describe(ir.values[o.value]))),
    ...[...carried].flatMap(([v, key]) => member(key, `${describe(ir.values[v])}, read by the losses`)),
    '}',
    '',
    'export interface Losses {',
    ...ir.losses.flatMap((o) => member(o.name, 'a scalar')),
    '}',
    '',
    'export interface ForwardOptions {',
    '  /** Dropout is active only while training (default false). */',
    '  training?: boolean;',
    '}',
    '',
  );
}
