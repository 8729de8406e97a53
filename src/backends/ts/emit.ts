/**
 * Writes one model's IR as a TypeScript module (unformatted; `generate.ts` runs prettier):
 * the config as a typed object, the parameter table with PyTorch-style names, `createParams`,
 * `setWeights`, `forward` (one statement per IR node, with its inferred shape), `losses`, a
 * training step and loop on tfjs's Adam, `predict` and, for models that extend a token sequence,
 * a greedy `generate`. Reads only the IR; every spec-derived name or string goes through
 * `names.ts`.
 */
import { basename } from 'node:path';
import { renderShape } from '../../ir/dims.js';
import type { ConfigEntryInfo, ModelIR, ModelInput, ModelOutput, Node, TensorValue } from '../../ir/types.js';
import { commentText, Namer, numberLiteral, propertyAccess, propertyKey, stringLiteral, typeKey } from './names.js';
import { findFolds, type Fold } from './folds.js';
import { CARRIES_ROWS, OP_EMITTERS, type OpSite } from './ops.js';
import { runtimeExports, runtimeTypes } from './runtime-source.js';

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

/** Names the generated module declares at top level (locals never take them). */
const TOP_LEVEL = [
  'tf', 'Config', 'config', 'ParamSpec', 'PARAMS', 'ParamName', 'Params', 'Inputs', 'Labels', 'Batch', 'Outputs', 'Losses',
  'ForwardOptions', 'TrainOptions', 'createParams', 'setWeights', 'forward', 'predict', 'losses', 'totalLoss', 'createOptimizer',
  'trainStep', 'train', 'generate', 'params', 'inputs', 'options', 'batch', 'outputs', 'training', 'MAX_LENGTH', 'p', 'prefix',
];

/** Local names for unnamed results, by op (the op's own name where it reads well). */
const STEMS: Record<string, string> = {
  add: 'sum', sub: 'difference', mul: 'product', div: 'quotient', scalar: 'scaled', dropout: 'dropped', masked: 'masked_scores',
  softmax: 'probs', log_softmax: 'log_probs', matmul: 'product', transpose: 'transposed', merge_heads: 'merged', split_heads: 'heads',
  repeat_heads: 'repeated', gelu: 'activated', relu: 'activated', silu: 'activated', tanh: 'activated', sigmoid: 'activated',
  shift_left: 'shifted', cross_entropy: 'loss', mse: 'loss', causal_mask: 'mask', padding_mask: 'mask', mask_and: 'mask',
  take: 'picked', mean: 'averaged', position_embedding: 'positions', rope: 'rotated', layer_norm: 'normed', rms_norm: 'normed',
  linear: 'projected', relative_position_bias: 'position_bias', patch_embedding: 'patches', cls_token: 'with_cls',
};

export class EmitError extends Error {
  override name = 'EmitError';
}

/** The generated module for one model. */
export function emitModel(ir: ModelIR, options: EmitOptions = {}): EmittedModule {
  return new ModuleWriter(ir).write(options);
}

/** Emitting the body of a layer function: parameters under `prefix` are read through `p(...)`. */
interface LayerScope {
  /** Module path of layer 0 (`blocks.0`). */
  root: string;
  prefix: string;
  kind: string;
}

interface Part {
  nodes: Node[];
  inputs: ModelInput[];
}

class ModuleWriter {
  private readonly used = new Set<string>();
  private readonly lines: string[] = [];
  private readonly producers: Map<number, Node>;
  private readonly leafModules: Set<string>;
  private readonly moduleKinds: Map<string, string>;

  constructor(private readonly ir: ModelIR) {
    this.producers = new Map(ir.nodes.map((nd) => [nd.id, nd]));
    const paths = ir.modules.map((m) => m.path);
    this.leafModules = new Set(paths.filter((p) => !paths.some((q) => q.startsWith(`${p}.`))));
    this.moduleKinds = new Map(ir.modules.map((m) => [m.path, m.kind]));
    for (const node of ir.nodes) {
      if (!OP_EMITTERS.has(node.op)) throw new EmitError(`the TypeScript backend has no code for the IR op \`${node.op}\` (used by \`${node.module || 'the model'}\`)`);
    }
  }

  write(options: EmitOptions): EmittedModule {
    const ir = this.ir;
    const forwardPart = this.part(ir.outputs);
    const forwardIds = new Set(forwardPart.nodes.map((nd) => nd.id));
    const lossPart = this.part(ir.losses);
    lossPart.nodes = lossPart.nodes.filter((nd) => !forwardIds.has(nd.id));
    const modelInputs = ir.inputs.filter((i) => forwardPart.inputs.includes(i));
    const labelInputs = ir.inputs.filter((i) => !forwardPart.inputs.includes(i));
    // Values the losses read from the forward pass that are not outputs: returned as extra fields.
    const forwardValues = new Set(forwardPart.nodes.flatMap((nd) => nd.outputs));
    const outputValues = new Set(ir.outputs.map((o) => o.value));
    const carried = [...new Set(lossPart.nodes.flatMap((nd) => nd.inputs))].filter((v) => forwardValues.has(v) && !outputValues.has(v)).sort((a, b) => a - b);
    const outputKeys = new Namer(ir.outputs.map((o) => o.name));
    const carriedKeys = new Map(carried.map((v) => [v, outputKeys.fresh(`${this.baseName(v)}_for_losses`)]));

    this.header(options);
    this.configSection(ir.config);
    this.paramsSection();
    this.ioTypes(modelInputs, labelInputs, carriedKeys);
    this.forwardFunction(forwardPart, carriedKeys);
    this.predictFunction();
    if (ir.losses.length) {
      this.lossesFunction(lossPart, carriedKeys);
      this.trainingFunctions();
    }
    this.generateFunction(modelInputs);
    const runtime = [...this.used].sort();
    if (!options.standalone && runtime.length) {
      const from = options.runtimeImport ?? 'tfmc/runtime';
      const types = new Set(runtimeTypes());
      const names = runtime.map((r) => (types.has(r) ? `type ${r}` : r));
      this.lines.splice(this.importLine + 1, 0, `import { ${names.join(', ')} } from ${stringLiteral(from)};`);
    }
    return { body: `${this.lines.join('\n')}\n`, runtime };
  }

  private importLine = 0;

  private out(...lines: string[]): void {
    this.lines.push(...lines);
  }

  private use(name: string): string {
    this.used.add(name);
    return name;
  }

  /** The nodes (in graph order) and inputs that `targets` need. */
  private part(targets: readonly ModelOutput[]): Part {
    const needed = new Set<number>();
    const stack = targets.map((t) => t.value);
    while (stack.length) {
      const id = stack.pop()!;
      if (needed.has(id)) continue;
      needed.add(id);
      const producer = this.producers.get(this.ir.values[id].producer);
      if (producer) stack.push(...producer.inputs);
    }
    return {
      nodes: this.ir.nodes.filter((nd) => nd.outputs.some((o) => needed.has(o))),
      inputs: this.ir.inputs.filter((i) => needed.has(i.value)),
    };
  }

  private header(options: EmitOptions): void {
    const ir = this.ir;
    this.out(
      `// ${commentText(`${ir.name}: generated by \`tfmc compile --target ts\` from ${basename(ir.file)}.`)}`,
      '// This code is yours to read, edit and ship. It computes what tfmc\'s in-memory model computes;',
      options.standalone
        ? '// it needs only @tensorflow/tfjs (the tfmc runtime functions it uses are at the end of the file).'
        : '// it needs @tensorflow/tfjs and the tfmc runtime (`tfmc/runtime`; or compile with --standalone).',
      '',
      "import * as tf from '@tensorflow/tfjs';",
    );
    this.importLine = this.lines.length - 1;
    this.out('');
  }

  private configSection(config: readonly ConfigEntryInfo[]): void {
    const tsType = (c: ConfigEntryInfo) => (c.type === 'bool' ? 'boolean' : c.type === 'int' || c.type === 'float' ? 'number' : 'string');
    const value = (c: ConfigEntryInfo) => (typeof c.value === 'number' ? numberLiteral(c.value) : typeof c.value === 'boolean' ? String(c.value) : stringLiteral(c.value));
    this.out(
      '/** The spec\'s config values. The code below was generated with them: recompile the spec to change them. */',
      'export interface Config {',
      ...config.map((c) => `  readonly ${typeKey(c.name)}: ${tsType(c)}; // ${commentText(c.type)}`),
      '}',
      '',
      'export const config: Config = {',
      ...config.map((c) => `  ${propertyKey(c.name)}: ${value(c)},`),
      '};',
      '',
    );
  }

  private paramsSection(): void {
    const ir = this.ir;
    const total = ir.params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
    this.out(
      '/** A trainable tensor: its PyTorch `state_dict` name, shape and initialiser. */',
      'export interface ParamSpec {',
      '  readonly name: string;',
      '  readonly shape: readonly number[];',
      `  readonly init: ${this.use('Init')};`,
      '}',
      '',
      `/** The parameters, ${total.toLocaleString('en-US')} numbers in all. */`,
      'export const PARAMS = [',
    );
    this.use('initialValue');
    ir.params.forEach((p) => {
      const init = p.init === 'uniform_hidden' ? `{ uniform: ${numberLiteral(1 / Math.sqrt(this.hiddenOf(p.name, p.shape)))} }` : stringLiteral(p.init);
      if (!['zeros', 'ones', 'normal', 'embedding', 'uniform_fan_in', 'uniform_hidden'].includes(p.init)) {
        throw new EmitError(`parameter \`${p.name}\` has an initialiser \`${p.init}\` that the TypeScript backend does not know`);
      }
      this.out(`  { name: ${stringLiteral(p.name)}, shape: [${p.shape.map(numberLiteral).join(', ')}], init: ${init} },`);
    });
    this.out(
      '] as const;',
      '',
      'export type ParamName = (typeof PARAMS)[number][\'name\'];',
      'export type Params = Record<ParamName, tf.Variable>;',
      '',
      '/** Fresh parameters. The same seed gives the same values as tfmc\'s `compile(spec, { seed })`. */',
      'export function createParams(seed?: number): Params {',
      '  const entries = PARAMS.map((spec, index) => {',
      '    const value = initialValue(spec.shape, spec.init, seed, index);',
      '    const variable = tf.variable(value, true);',
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

  /** The hidden size of the recurrent layer that reads a parameter (as the in-memory initialiser). */
  private hiddenOf(name: string, shape: readonly number[]): number {
    for (const node of this.ir.nodes) {
      if (Object.values(node.params).includes(name) && typeof node.attrs.hidden === 'number') return node.attrs.hidden;
    }
    return shape[shape.length - 1];
  }

  private describe(v: TensorValue): string {
    return commentText(`${v.dtype} ${renderShape(v.shape)}`);
  }

  private inputDoc(input: ModelInput): string {
    const v = this.ir.values[input.value];
    const bounds = this.ir.bounds
      .filter((b) => v.shape.some((d) => d.kind === 'sym' && d.name === b.dim))
      .map((b) => [b.min !== undefined ? `${b.dim} >= ${b.min}` : '', b.max !== undefined ? `${b.dim} <= ${b.max}` : ''].filter(Boolean).join(', '))
      .filter(Boolean);
    return commentText(`${v.dtype} ${renderShape(v.shape)}${bounds.length ? `, ${bounds.join(', ')}` : ''}`);
  }

  private ioTypes(modelInputs: ModelInput[], labelInputs: ModelInput[], carried: Map<number, string>): void {
    const member = (name: string, doc: string) => [`  /** ${doc} */`, `  ${typeKey(name)}: tf.Tensor;`];
    this.out(
      '/** What `forward` reads. */',
      'export interface Inputs {',
      ...modelInputs.flatMap((i) => member(i.name, this.inputDoc(i))),
      '}',
      '',
      '/** What the losses read besides the inputs and outputs. */',
      'export interface Labels {',
      ...labelInputs.flatMap((i) => member(i.name, this.inputDoc(i))),
      '}',
      '',
      '/** A training batch. */',
      'export type Batch = Inputs & Labels;',
      '',
      'export interface Outputs {',
      ...this.ir.outputs.flatMap((o) => member(o.name, this.describe(this.ir.values[o.value]))),
      ...[...carried].flatMap(([v, key]) => member(key, `${this.describe(this.ir.values[v])}, read by the losses`)),
      '}',
      '',
      'export interface Losses {',
      ...this.ir.losses.flatMap((o) => member(o.name, 'a scalar')),
      '}',
      '',
      'export interface ForwardOptions {',
      '  /** Dropout is active only while training (default false). */',
      '  training?: boolean;',
      '}',
      '',
    );
  }

  /** A readable stem for a value's local name. */
  private baseName(id: number): string {
    const v = this.ir.values[id];
    if (v.name) return v.name;
    const producer = this.producers.get(v.producer);
    if (!producer) return 'value';
    const segment = producer.module.split('.').pop() ?? '';
    if (Object.keys(producer.params).length && segment !== '' && !/^[0-9]+$/.test(segment)) return segment;
    return STEMS[producer.op] ?? producer.op;
  }

  /** Section heading of a node: its module, or for a leaf layer (`q_proj`) the module around it. */
  private section(node: Node): string {
    const m = node.module;
    if (m === '' || !this.leafModules.has(m) || !m.includes('.')) return this.leafModules.has(m) ? '' : m;
    return m.slice(0, m.lastIndexOf('.'));
  }

  /**
   * The statements of `nodes`. `locals` maps value ids to local names already bound (inputs);
   * returns the locals after the statements.
   */
  private statements(nodes: Node[], locals: Map<number, string>, namer: Namer, rows: Map<number, string>, scope?: LayerScope, folds: Fold[] = []): void {
    let section: string | undefined;
    for (let at = 0; at < nodes.length; at++) {
      const node = nodes[at];
      const fold = folds.find((f) => f.layers[0][0] === node);
      if (fold && this.foldLoop(fold, locals, namer, rows)) {
        at += fold.layers.reduce((a, l) => a + l.length, 0) - 1;
        section = undefined;
        continue;
      }
      let sec = this.section(node);
      if (scope) sec = sec === scope.root ? scope.kind : sec.startsWith(`${scope.root}.`) ? sec.slice(scope.root.length + 1) : sec;
      if (sec !== section && sec !== '') {
        const kind = scope && sec === scope.kind ? undefined : this.moduleKinds.get(scope && sec !== scope.kind ? `${scope.root}.${sec}` : sec);
        this.out('', `    // ${commentText(`${sec}${kind ? ` (${kind})` : ''}`)}`);
      }
      section = sec;
      const site = this.site(node, locals, rows, scope);
      const code = OP_EMITTERS.get(node.op)!(site);
      const names = node.outputs.map((id) => namer.fresh(this.baseName(id)));
      const shapes = node.outputs.map((id) => {
        const v = this.ir.values[id];
        return v.dtype === 'mask' ? `mask ${renderShape(v.shape)}` : renderShape(v.shape);
      });
      let target: string;
      if (code.rows) {
        const rowsName = namer.fresh(`${names[0]}_rows`);
        rows.set(node.outputs[0], rowsName);
        target = `[${[...names, rowsName].join(', ')}]`;
      } else {
        target = code.tuple ? `[${names.join(', ')}]` : names[0];
      }
      this.out(`    const ${target} = ${code.expr}; // ${commentText(shapes.join(', '))}`);
      node.outputs.forEach((id, i) => locals.set(id, names[i]));
      if (CARRIES_ROWS.has(node.op)) {
        const out = this.ir.values[node.outputs[0]];
        for (const id of node.inputs) {
          const r = rows.get(id);
          if (r && renderShape(this.ir.values[id].shape) === renderShape(out.shape)) {
            rows.set(out.id, r);
            break;
          }
        }
      }
    }
  }

  private readonly layerFunctions: string[] = [];
  private readonly topNamer = new Namer([...TOP_LEVEL, ...runtimeExports()]);
  private readonly foldNames = new Map<Fold, string>();

  /**
   * Emits a repeat stack as a loop over one layer function (written to `layerFunctions`).
   * Returns false, having written nothing, when the stack cannot be folded after all.
   */
  private foldLoop(fold: Fold, locals: Map<number, string>, namer: Namer, rows: Map<number, string>): boolean {
    const carryLocal = locals.get(fold.carryIn);
    const externalLocals = fold.externals.map((v) => locals.get(v));
    if (carryLocal === undefined || externalLocals.includes(undefined) || [fold.carryIn, ...fold.externals].some((v) => rows.has(v))) return false;
    const fn = this.layerFunction(fold);
    if (!fn) return false;
    const result = namer.fresh(fold.stack.split('.').pop() ?? 'layers');
    const i = namer.fresh('i');
    const args = ['params', `${stringLiteral(`${fold.stack}.`)} + ${i} + '.'`, result, ...(externalLocals as string[]), 'training'];
    const last = this.ir.values[fold.outs[fold.outs.length - 1]];
    this.out(
      '',
      `    // ${commentText(`${fold.stack}: ${fold.layers.length} x ${fold.kind}`)}`,
      `    let ${result} = ${carryLocal};`,
      `    for (let ${i} = 0; ${i} < ${fold.layers.length}; ${i}++) {`,
      `      ${result} = ${fn}(${args.join(', ')}); // ${commentText(renderShape(last.shape))}`,
      '    }',
    );
    locals.set(last.id, result);
    return true;
  }

  /** The function of one layer of a foldable stack, or undefined when its code would not be the same for every layer. */
  private layerFunction(fold: Fold): string | undefined {
    const root = `${fold.stack}.0`;
    const scope: LayerScope = { root, prefix: `${root}.`, kind: fold.kind };
    const namer = this.localNamer();
    const locals = new Map<number, string>();
    const rows = new Map<number, string>();
    const typed = (v: number) => `${namer.fresh(this.baseName(v))}: ${this.ir.values[v].dtype === 'mask' ? this.use('Mask') : 'tf.Tensor'}`;
    const carry = typed(fold.carryIn);
    locals.set(fold.carryIn, carry.slice(0, carry.indexOf(':')));
    const externals = fold.externals.map((v) => {
      const param = typed(v);
      locals.set(v, param.slice(0, param.indexOf(':')));
      return param;
    });
    const name = this.foldNames.get(fold)!;
    const saved = this.lines.splice(0);
    try {
      this.out(
        `/** ${commentText(`One layer of \`${fold.stack}\` (${fold.kind}): the parameters under \`prefix\` (\`${fold.stack}.0.\`, \`${fold.stack}.1.\`, ...).`)} */`,
        `function ${name}(params: Params, prefix: string, ${[carry, ...externals].join(', ')}, training: boolean): tf.Tensor {`,
        '  const p = (name: string): tf.Variable => (params as Record<string, tf.Variable>)[prefix + name];',
      );
      this.statements(fold.layers[0], locals, namer, rows, scope);
      const out = fold.outs[0];
      if (rows.has(out)) return undefined;
      this.out('', `  return ${this.local(locals, out)};`, '}', '');
      this.layerFunctions.push(...this.lines);
      return name;
    } finally {
      this.lines.splice(0, this.lines.length, ...saved);
    }
  }

  private site(node: Node, locals: Map<number, string>, rows: Map<number, string>, scope?: LayerScope): OpSite {
    const ir = this.ir;
    const fail = (message: string): never => {
      throw new EmitError(`\`${node.module || 'the model'}\` (${node.op}): ${message}`);
    };
    const attr = (name: string, type: string) => {
      const v = node.attrs[name];
      if (typeof v !== type) fail(`attribute \`${name}\` is missing or not a ${type}`);
      return v;
    };
    return {
      node,
      inputs: node.inputs.map((id) => ir.values[id]),
      outputs: node.outputs.map((id) => ir.values[id]),
      arg: (i) => {
        const id = node.inputs[i];
        return (id !== undefined ? locals.get(id) : undefined) ?? fail(`input ${i} was not computed`);
      },
      hasArg: (i) => node.inputs[i] !== undefined,
      param: (role) => {
        const name = node.params[role];
        if (name === undefined) return undefined;
        return scope && name.startsWith(scope.prefix) ? `p(${stringLiteral(name.slice(scope.prefix.length))})` : `params[${stringLiteral(name)}]`;
      },
      rowsOf: (i) => rows.get(node.inputs[i]),
      use: (name) => this.use(name),
      num: (name) => attr(name, 'number') as number,
      bool: (name) => node.attrs[name] === true,
      str: (name) => attr(name, 'string') as string,
      fail,
    };
  }

  private bindInputs(inputs: readonly ModelInput[], from: string, namer: Namer, locals: Map<number, string>): void {
    for (const input of inputs) {
      const name = namer.fresh(input.name);
      locals.set(input.value, name);
      this.out(`    const ${name} = ${propertyAccess(from, input.name)}; // ${this.describe(this.ir.values[input.value])}`);
    }
  }

  /** Names for locals: never a top-level name of the module (its own, the runtime's, the layer functions'). */
  private localNamer(): Namer {
    return new Namer([...TOP_LEVEL, ...runtimeExports(), ...this.foldNames.values()]);
  }

  private forwardFunction(part: Part, carried: Map<number, string>): void {
    const folds = findFolds(this.ir, part.nodes);
    for (const fold of folds) this.foldNames.set(fold, this.topNamer.fresh(fold.kind.charAt(0).toLowerCase() + fold.kind.slice(1)));
    const namer = this.localNamer();
    const locals = new Map<number, string>();
    const start = this.lines.length;
    this.out(
      '/** Runs the model: its outputs by name (the caller disposes them). */',
      'export function forward(params: Params, inputs: Inputs, options: ForwardOptions = {}): Outputs {',
      '  const training = options.training ?? false;',
      '  return tf.tidy(() => {',
    );
    this.bindInputs(part.inputs, 'inputs', namer, locals);
    this.statements(part.nodes, locals, namer, new Map(), undefined, folds);
    // The layer functions the loops call go above `forward`.
    this.lines.splice(start, 0, ...this.layerFunctions);
    const fields = [
      ...this.ir.outputs.map((o) => `${propertyKey(o.name)}: ${this.local(locals, o.value)}`),
      ...[...carried].map(([v, key]) => `${propertyKey(key)}: ${this.local(locals, v)}`),
    ];
    this.out('', `    return { ${fields.join(', ')} };`, '  });', '}', '');
  }

  private local(locals: Map<number, string>, id: number): string {
    const name = locals.get(id);
    if (name === undefined) throw new EmitError(`value ${id} is not computed before it is returned`);
    if (this.ir.values[id].dtype === 'mask') throw new EmitError(`\`${this.ir.values[id].name ?? id}\` is a mask, which cannot be returned`);
    return name;
  }

  private predictFunction(): void {
    this.out(
      '/** The outputs at inference (dropout off). */',
      'export function predict(params: Params, inputs: Inputs): Outputs {',
      '  return forward(params, inputs, { training: false });',
      '}',
      '',
    );
  }

  private lossesFunction(part: Part, carried: Map<number, string>): void {
    const namer = this.localNamer();
    const locals = new Map<number, string>();
    this.out(
      '/** The losses of a batch, from the outputs of `forward` on it. */',
      'export function losses(batch: Batch, outputs: Outputs, options: ForwardOptions = {}): Losses {',
      '  const training = options.training ?? false;',
      '  return tf.tidy(() => {',
    );
    const readInputs = this.ir.inputs.filter((i) => part.nodes.some((nd) => nd.inputs.includes(i.value)) || this.ir.losses.some((l) => l.value === i.value));
    this.bindInputs(readInputs, 'batch', namer, locals);
    const fromOutputs = new Set(part.nodes.flatMap((nd) => nd.inputs).concat(this.ir.losses.map((l) => l.value)));
    for (const o of this.ir.outputs) {
      if (!fromOutputs.has(o.value) || locals.has(o.value)) continue;
      const name = namer.fresh(o.name);
      locals.set(o.value, name);
      this.out(`    const ${name} = ${propertyAccess('outputs', o.name)};`);
    }
    for (const [v, key] of carried) {
      if (locals.has(v)) continue;
      const name = namer.fresh(this.baseName(v));
      locals.set(v, name);
      this.out(`    const ${name} = ${propertyAccess('outputs', key)};`);
    }
    this.statements(part.nodes, locals, namer, new Map());
    this.out('', `    return { ${this.ir.losses.map((l) => `${propertyKey(l.name)}: ${this.local(locals, l.value)}`).join(', ')} };`, '  });', '}', '');
  }

  private trainingFunctions(): void {
    const sum = this.ir.losses.map((l) => propertyAccess('parts', l.name));
    this.out(
      '/** The sum of the losses, what training minimises. */',
      'export function totalLoss(params: Params, batch: Batch, options: ForwardOptions = { training: true }): tf.Scalar {',
      '  return tf.tidy(() => {',
      '    const parts = losses(batch, forward(params, batch, options), options);',
      `    return ${sum.length === 1 ? sum[0] : `tf.addN([${sum.join(', ')}])`} as tf.Scalar;`,
      '  });',
      '}',
      '',
      '/** Adam with the in-memory trainer\'s defaults (β1 0.9, β2 0.999, ε 1e-8). */',
      'export function createOptimizer(learningRate = 1e-3): tf.Optimizer {',
      '  return tf.train.adam(learningRate, 0.9, 0.999, 1e-8);',
      '}',
      '',
      '/** One optimisation step on a batch (dropout on); returns the loss before the update. */',
      'export function trainStep(params: Params, optimizer: tf.Optimizer, batch: Batch): number {',
      '  const cost = optimizer.minimize(() => totalLoss(params, batch), true, Object.values<tf.Variable>(params));',
      '  if (cost === null) throw new Error(\'the optimizer returned no loss\');',
      '  const value = cost.dataSync()[0];',
      '  cost.dispose();',
      '  return value;',
      '}',
      '',
      'export interface TrainOptions {',
      '  epochs?: number;',
      '  learningRate?: number;',
      '  /** Called after every step with its loss. */',
      '  onStep?: (step: number, loss: number) => void;',
      '}',
      '',
      '/** A plain training loop: `epochs` passes over the batches with Adam; returns every step\'s loss. */',
      'export function train(params: Params, batches: readonly Batch[], options: TrainOptions = {}): number[] {',
      '  const optimizer = createOptimizer(options.learningRate);',
      '  const history: number[] = [];',
      '  for (let epoch = 0; epoch < (options.epochs ?? 1); epoch++) {',
      '    for (const batch of batches) {',
      '      const loss = trainStep(params, optimizer, batch);',
      '      history.push(loss);',
      '      options.onStep?.(history.length, loss);',
      '    }',
      '  }',
      '  optimizer.dispose();',
      '  return history;',
      '}',
      '',
    );
  }

  /**
   * A greedy `generate` when the model extends a token sequence: an int32 input `[b, S]` and a
   * float output `[b, S, V]` with the same `b` and `S` (`logits` preferred).
   */
  private generateFunction(modelInputs: ModelInput[]): void {
    const ir = this.ir;
    const symName = (v: TensorValue, axis: number) => {
      const d = v.shape[axis];
      return d && d.kind === 'sym' ? d.name : undefined;
    };
    let found: { input: ModelInput; output: ModelOutput } | undefined;
    const outputs = [...ir.outputs].sort((a, b) => Number(b.name === 'logits') - Number(a.name === 'logits'));
    for (const output of outputs) {
      const o = ir.values[output.value];
      if (o.dtype !== 'float32' || o.shape.length !== 3) continue;
      const input = modelInputs.find((i) => {
        const v = ir.values[i.value];
        return v.dtype === 'int32' && v.shape.length === 2 && symName(v, 0) !== undefined && symName(v, 0) === symName(o, 0) && symName(v, 1) !== undefined && symName(v, 1) === symName(o, 1);
      });
      if (input) {
        found = { input, output };
        break;
      }
    }
    if (!found) return;
    const seqDim = symName(ir.values[found.input.value], 1)!;
    const bound = ir.bounds.find((b) => b.dim === seqDim && b.max !== undefined)?.max;
    const others = modelInputs.filter((i) => i !== found!.input);
    const fixedType = others.length ? `Omit<Inputs, ${stringLiteral(found.input.name)}>` : 'Record<string, never>';
    this.out(
      '/**',
      ` * Greedy decoding without a cache: each step runs \`forward\` on the rows so far (\`${commentText(found.input.name)}\`) and`,
      ` * appends the arg-max token of \`${commentText(found.output.name)}\` at the last position. \`prefix\` rows share one length (at least 1);`,
      ' * the other inputs stay fixed. Returns the rows with the new tokens.',
      ' */',
      `export function generate(params: Params, inputs: ${fixedType}, prefix: readonly (readonly number[])[], maxNewTokens: number): number[][] {`,
      '  const rows = prefix.map((row) => [...row]);',
      `  const maxLength = ${bound !== undefined ? numberLiteral(bound) : 'Infinity'};`,
      '  for (let step = 0; step < maxNewTokens && rows.length > 0 && rows[0].length < maxLength; step++) {',
      '    const next = tf.tidy(() => {',
      `      const sequence = tf.tensor2d(rows, [rows.length, rows[0].length], 'int32');`,
      `      const logits = ${propertyAccess(`forward(params, { ...inputs, ${propertyKey(found.input.name)}: sequence })`, found.output.name)};`,
      '      const [b, t, v] = logits.shape;',
      '      return tf.argMax(tf.reshape(tf.slice(logits, [0, t - 1, 0], [b, 1, v]), [b, v]), -1);',
      '    });',
      '    const ids = next.dataSync();',
      '    next.dispose();',
      '    rows.forEach((row, i) => row.push(ids[i]));',
      '  }',
      '  return rows;',
      '}',
      '',
    );
  }
}
