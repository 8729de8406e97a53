/** The functions that run the model: `forward` (with the layer functions of folded stacks above it), `predict` and `losses`. */
import type { ModelIR, ModelInput, Node } from '../../ir/types.js';
import { findFolds } from './folds.js';
import type { ModuleText } from './module-text.js';
import { propertyAccess, propertyKey } from './names.js';
import type { StatementWriter } from './statements.js';

/** The nodes (in graph order) and inputs that some targets need. */
export interface Part {
  nodes: Node[];
  inputs: ModelInput[];
}

/** `carried`: values the losses read from the forward pass that are not outputs, by their extra `Outputs` key. */
export function forwardFunction(text: ModuleText, body: StatementWriter, ir: ModelIR, part: Part, carried: Map<number, string>): void {
  const folds = findFolds(ir, part.nodes);
  body.nameFolds(folds);
  const namer = body.localNamer();
  const locals = new Map<number, string>();
  const start = text.lines.length;
  text.out(
    '/** Runs the model: its outputs by name (the caller disposes them). */',
    'export function forward(params: Params, inputs: Inputs, options: ForwardOptions = {}): Outputs {',
    '  const training = options.training ?? false;',
    '  return tf.tidy(() => {',
  );
  body.bindInputs(part.inputs, 'inputs', namer, locals);
  body.statements(part.nodes, locals, namer, new Map(), undefined, folds);
  // The layer functions the loops call go above `forward`.
  text.lines.splice(start, 0, ...body.layerFunctions);
  const fields = [
    ...ir.outputs.map((o) => `${propertyKey(o.name)}: ${body.local(locals, o.value)}`),
    ...[...carried].map(([v, key]) => `${propertyKey(key)}: ${body.local(locals, v)}`),
  ];
  text.out('', `    return { ${fields.join(', ')} };`, '  });', '}', '');
}

export function predictFunction(text: ModuleText): void {
  text.out(
    '/** The outputs at inference (dropout off). */',
    'export function predict(params: Params, inputs: Inputs): Outputs {',
    '  return forward(params, inputs, { training: false });',
    '}',
    '',
  );
}

/** `part`: the loss nodes that `forward` does not compute. */
export function lossesFunction(text: ModuleText, body: StatementWriter, ir: ModelIR, part: Part, carried: Map<number, string>): void {
  const namer = body.localNamer();
  const locals = new Map<number, string>();
  text.out(
    '/** The losses of a batch, from the outputs of `forward` on it. */',
    'export function losses(batch: Batch, outputs: Outputs, options: ForwardOptions = {}): Losses {',
    '  const training = options.training ?? false;',
    '  return tf.tidy(() => {',
  );
  const readInputs = ir.inputs.filter((i) => part.nodes.some((nd) => nd.inputs.includes(i.value)) || ir.losses.some((l) => l.value === i.value));
  body.bindInputs(readInputs, 'batch', namer, locals);
  const fromOutputs = new Set(part.nodes.flatMap((nd) => nd.inputs).concat(ir.losses.map((l) => l.value)));
  for (const o of ir.outputs) {
    if (!fromOutputs.has(o.value) || locals.has(o.value)) continue;
    const name = namer.fresh(o.name);
    locals.set(o.value, name);
    text.out(`    const ${name} = ${propertyAccess('outputs', o.name)};`);
  }
  for (const [v, key] of carried) {
    if (locals.has(v)) continue;
    const name = namer.fresh(body.baseName(v));
    locals.set(v, name);
    text.out(`    const ${name} = ${propertyAccess('outputs', key)};`);
  }
  body.statements(part.nodes, locals, namer, new Map());
  text.out('', `    return { ${ir.losses.map((l) => `${propertyKey(l.name)}: ${body.local(locals, l.value)}`).join(', ')} };`, '  });', '}', '');
}
