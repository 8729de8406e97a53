/**
 * Writes one model's IR as a TypeScript module (unformatted; `generate.ts` runs prettier):
 * the config as a typed object, the parameter table with PyTorch-style names, `createParams`,
 * `setWeights`, `forward` (one statement per IR node, with its inferred shape), `losses`, a
 * training step and loop on tfjs's Adam, `predict` and, for models that extend a token sequence,
 * a greedy `generate`. Reads only the IR; every spec-derived name or string goes through
 * `names.ts`. This file splits the graph into the forward and loss parts and puts the sections
 * in order; each section has its own file.
 */
import { upstreamValues } from '../../ir/queries.js';
import type { ModelIR, ModelOutput, Node } from '../../ir/types.js';
import { configSection } from './config-section.js';
import { generateFunction } from './greedy-generate.js';
import { insertRuntimeImport, writeHeader } from './header.js';
import { ioTypes } from './io-types.js';
import { forwardFunction, lossesFunction, predictFunction, type Part } from './model-functions.js';
import { ModuleText } from './module-text.js';
import { Namer } from './names.js';
import { paramsSection } from './params-section.js';
import { StatementWriter } from './statements.js';
import { trainingFunctions } from './training-functions.js';

export { EmitError } from './errors.js';

export interface EmitOptions {
  /** Where the runtime functions come from; ignored with `standalone`. Default `tfmc/runtime`. */
  runtimeImport?: string;
  /** Leave the runtime import out: the caller appends the used functions' source. */
  standalone?: boolean;
}

export interface EmittedModule {
  /** The module text without the runtime import or inlined runtime. */
  body: string;
  /** Runtime functions the body calls, sorted. */
  runtime: string[];
}

/** The generated module for one model. */
export function emitModel(ir: ModelIR, options: EmitOptions = {}): EmittedModule {
  const producers = new Map(ir.nodes.map((nd) => [nd.id, nd]));
  const text = new ModuleText();
  const body = new StatementWriter(ir, text, producers);

  const forwardPart = part(ir, producers, ir.outputs);
  const forwardIds = new Set(forwardPart.nodes.map((nd) => nd.id));
  const lossPart = part(ir, producers, ir.losses);
  lossPart.nodes = lossPart.nodes.filter((nd) => !forwardIds.has(nd.id));
  const modelInputs = ir.inputs.filter((i) => forwardPart.inputs.includes(i));
  const labelInputs = ir.inputs.filter((i) => !forwardPart.inputs.includes(i));
  // Values the losses read from the forward pass that are not outputs: returned as extra fields.
  const forwardValues = new Set(forwardPart.nodes.flatMap((nd) => nd.outputs));
  const outputValues = new Set(ir.outputs.map((o) => o.value));
  const carried = [...new Set(lossPart.nodes.flatMap((nd) => nd.inputs))].filter((v) => forwardValues.has(v) && !outputValues.has(v)).sort((a, b) => a - b);
  const outputKeys = new Namer(ir.outputs.map((o) => o.name));
  const carriedKeys = new Map(carried.map((v) => [v, outputKeys.fresh(`${body.baseName(v)}_for_losses`)]));

  const importLine = writeHeader(text, ir, options);
  configSection(text, ir.config);
  paramsSection(text, ir);
  ioTypes(text, ir, modelInputs, labelInputs, carriedKeys);
  forwardFunction(text, body, ir, forwardPart, carriedKeys);
  predictFunction(text);
  if (ir.losses.length) {
    lossesFunction(text, body, ir, lossPart, carriedKeys);
    trainingFunctions(text, ir);
  }
  generateFunction(text, ir, modelInputs);
  const runtime = [...text.used].sort();
  insertRuntimeImport(text, importLine, runtime, options);
  return { body: `${text.lines.join('\n')}\n`, runtime };
}

/** The nodes (in graph order) and inputs that `targets` need. */
function part(ir: ModelIR, producers: Map<number, Node>, targets: readonly ModelOutput[]): Part {
  const needed = upstreamValues(ir, targets.map((t) => t.value), producers);
  return {
    nodes: ir.nodes.filter((nd) => nd.outputs.some((o) => needed.has(o))),
    inputs: ir.inputs.filter((i) => needed.has(i.value)),
  };
}
