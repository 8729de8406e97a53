/**
 * The statements of function bodies (`forward`, `losses`, layer functions): one `const` per IR
 * node with its inferred shape as a comment, a section comment per module, readable local names,
 * and foldable repeat stacks as a loop over one layer function.
 */
import { renderShape } from '../../ir/dims.js';
import type { ModelIR, ModelInput, Node } from '../../ir/types.js';
import { EmitError } from './errors.js';
import type { Fold } from './folds.js';
import { describe } from './io-types.js';
import type { ModuleText } from './module-text.js';
import { commentText, Namer, propertyAccess, stringLiteral } from './names.js';
import { KERNELS } from '../../ir/ops/index.js';
import { carriesRows, opCode, resultStem, type OpSite } from './ops.js';
import { runtimeExports } from './runtime-source.js';

/** Names the generated module declares at top level (locals never take them). */
const TOP_LEVEL = [
  'tf', 'Config', 'config', 'ParamSpec', 'PARAMS', 'ParamName', 'Params', 'Inputs', 'Labels', 'Batch', 'Outputs', 'Losses',
  'ForwardOptions', 'TrainOptions', 'createParams', 'setWeights', 'forward', 'predict', 'losses', 'totalLoss', 'createOptimizer',
  'trainStep', 'train', 'generate', 'params', 'inputs', 'options', 'batch', 'outputs', 'training', 'MAX_LENGTH', 'p', 'prefix',
];

/** Emitting the body of a layer function: parameters under `prefix` are read through `p(...)`. */
interface LayerScope {
  /** Module path of layer 0 (`blocks.0`). */
  root: string;
  prefix: string;
  kind: string;
}

export class StatementWriter {
  private readonly leafModules: Set<string>;
  private readonly moduleKinds: Map<string, string>;
  /** The layer functions of folded stacks, written above `forward`. */
  readonly layerFunctions: string[] = [];
  private readonly topNamer = new Namer([...TOP_LEVEL, ...runtimeExports()]);
  private readonly foldNames = new Map<Fold, string>();

  constructor(
    private readonly ir: ModelIR,
    private readonly text: ModuleText,
    private readonly producers: Map<number, Node>,
  ) {
    // A leaf is a module no other module's path extends (`a.b` is not a leaf when `a.b.c` exists).
    const parents = new Set<string>();
    for (const m of ir.modules) for (let dot = m.path.indexOf('.'); dot > 0; dot = m.path.indexOf('.', dot + 1)) parents.add(m.path.slice(0, dot));
    this.leafModules = new Set(ir.modules.map((m) => m.path).filter((p) => !parents.has(p)));
    this.moduleKinds = new Map(ir.modules.map((m) => [m.path, m.kind]));
    for (const node of ir.nodes) {
      if (!KERNELS.has(node.op)) throw new EmitError(`the TypeScript backend has no code for the IR op \`${node.op}\` (used by \`${node.module || 'the model'}\`)`);
    }
  }

  /** Names the layer functions of `folds` (top-level names, so before any local is named). */
  nameFolds(folds: readonly Fold[]): void {
    for (const fold of folds) this.foldNames.set(fold, this.topNamer.fresh(fold.kind.charAt(0).toLowerCase() + fold.kind.slice(1)));
  }

  /** A readable stem for a value's local name. */
  baseName(id: number): string {
    const v = this.ir.values[id];
    if (v.name) return v.name;
    const producer = this.producers.get(v.producer);
    if (!producer) return 'value';
    const segment = producer.module.split('.').pop() ?? '';
    if (Object.keys(producer.params).length && segment !== '' && !/^[0-9]+$/.test(segment)) return segment;
    return resultStem(producer.op) ?? producer.op;
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
  statements(nodes: Node[], locals: Map<number, string>, namer: Namer, rows: Map<number, string>, scope?: LayerScope, folds: Fold[] = []): void {
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
        this.text.out('', `    // ${commentText(`${sec}${kind ? ` (${kind})` : ''}`)}`);
      }
      section = sec;
      const site = this.site(node, locals, rows, scope);
      const code = opCode(site)!;
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
      this.text.out(`    const ${target} = ${code.expr}; // ${commentText(shapes.join(', '))}`);
      node.outputs.forEach((id, i) => locals.set(id, names[i]));
      if (carriesRows(node.op)) {
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
    this.text.out(
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
    const typed = (v: number) => `${namer.fresh(this.baseName(v))}: ${this.ir.values[v].dtype === 'mask' ? this.text.use('Mask') : 'tf.Tensor'}`;
    const carry = typed(fold.carryIn);
    locals.set(fold.carryIn, carry.slice(0, carry.indexOf(':')));
    const externals = fold.externals.map((v) => {
      const param = typed(v);
      locals.set(v, param.slice(0, param.indexOf(':')));
      return param;
    });
    const name = this.foldNames.get(fold)!;
    // The function is written on its own: set the module's lines aside, then put them back.
    const lines = this.text.lines;
    const saved = lines.splice(0);
    try {
      this.text.out(
        `/** ${commentText(`One layer of \`${fold.stack}\` (${fold.kind}): the parameters under \`prefix\` (\`${fold.stack}.0.\`, \`${fold.stack}.1.\`, ...).`)} */`,
        `function ${name}(params: Params, prefix: string, ${[carry, ...externals].join(', ')}, training: boolean): tf.Tensor {`,
        '  const p = (name: string): tf.Variable => (params as Record<string, tf.Variable>)[prefix + name];',
      );
      this.statements(fold.layers[0], locals, namer, rows, scope);
      const out = fold.outs[0];
      if (rows.has(out)) return undefined;
      this.text.out('', `  return ${this.local(locals, out)};`, '}', '');
      this.layerFunctions.push(...lines);
      return name;
    } finally {
      lines.splice(0, lines.length, ...saved);
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
      use: (name) => this.text.use(name),
      num: (name) => attr(name, 'number') as number,
      bool: (name) => node.attrs[name] === true,
      str: (name) => attr(name, 'string') as string,
      fail,
    };
  }

  /** `const x = from.x;` for each input, bound in `locals`. */
  bindInputs(inputs: readonly ModelInput[], from: string, namer: Namer, locals: Map<number, string>): void {
    for (const input of inputs) {
      const name = namer.fresh(input.name);
      locals.set(input.value, name);
      this.text.out(`    const ${name} = ${propertyAccess(from, input.name)}; // ${describe(this.ir.values[input.value])}`);
    }
  }

  /** Names for locals: never a top-level name of the module (its own, the runtime's, the layer functions'). */
  localNamer(): Namer {
    return new Namer([...TOP_LEVEL, ...runtimeExports(), ...this.foldNames.values()]);
  }

  /** The local holding a value that is returned (not a mask). */
  local(locals: Map<number, string>, id: number): string {
    const name = locals.get(id);
    if (name === undefined) throw new EmitError(`value ${id} is not computed before it is returned`);
    if (this.ir.values[id].dtype === 'mask') throw new EmitError(`\`${this.ir.values[id].name ?? id}\` is a mask, which cannot be returned`);
    return name;
  }
}
