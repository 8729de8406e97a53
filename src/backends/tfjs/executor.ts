/**
 * A runnable tfjs model built from a checked {@link ModelIR}: one `tf.variable` per parameter,
 * and a `forward` that walks the IR's nodes in order, each mapped to tfjs ops by `Node.op`
 * (see `ops/`). Symbolic dimensions take the sizes of the tensors given; every call runs inside
 * `tf.tidy`, so only the returned tensors (and the variables) outlive it.
 */
import * as tf from '@tensorflow/tfjs';
import { renderShape } from '../../ir/dims.js';
import { upstreamValues } from '../../ir/queries.js';
import type { ModelIR, ModelInput, ModelOutput, Node, Param, TensorValue } from '../../ir/types.js';
import { ModelRuntimeError } from './errors.js';
import { initialValue } from './init.js';
import { concreteShape, InputChecker, type DimEnv } from './inputs.js';
import type { TransposedWeights } from '../../runtime/index.js';
import { hasKernel, runNode } from './kernels.js';
import { attentionFusable, findAttentionChains, runAttentionChain, type AttentionChain } from './attention-fusion.js';
import { isMask, type OpRunContext, type RtValue } from './run-context.js';
import { setEntry } from '../../util/own-entry.js';

export interface BuildOptions {
  /** Seed for the initial weights (reproducible initialisation); random when absent. */
  seed?: number;
  /**
   * Use these variables as the parameters, by parameter name, instead of creating them (a
   * tfjs-layers layer owns its weights: `layers/tfmc-layer.ts`). Every parameter must be there with
   * its shape. The model reads and trains them but does not own them: `dispose` leaves them alone.
   */
  variables?: ReadonlyMap<string, tf.Variable>;
  /**
   * The initial value of a parameter, when it comes from elsewhere (a weights file): the model
   * takes the tensor over (it becomes the variable's data, no copy), and the parameter is not
   * randomly initialised. Undefined for a parameter keeps the random initialisation, which is the
   * same as without `initial` (each parameter's seed depends only on the model seed and its index).
   */
  initial?: (param: Param) => tf.Tensor | undefined;
}

export interface ForwardOptions {
  /** Dropout is active only while training. */
  training?: boolean;
  /**
   * Which outputs and losses to compute, by name. Default: every output, and every loss whose
   * inputs are all given (so labels are needed only when a loss is wanted).
   */
  outputs?: readonly string[];
  /** Check the inputs' dtypes, shapes and id ranges (default true). */
  validate?: boolean;
  /** Compare every intermediate tensor's shape with the IR's inferred shape (for tests; default false). */
  checkShapes?: boolean;
}

/** An IR op that the tfjs backend does not implement (a compiler/backend mismatch). */
export class UnsupportedOpError extends Error {
  constructor(readonly op: string, readonly module: string) {
    super(`the tfjs backend has no implementation of the IR op \`${op}\` (used by \`${module || 'the model'}\`)`);
    this.name = 'UnsupportedOpError';
  }
}

export interface Plan {
  nodes: Node[];
  inputs: ModelInput[];
  targets: ModelOutput[];
}

export class TfjsModel {
  readonly variables: ReadonlyMap<string, tf.Variable>;
  private readonly checker: InputChecker;
  private readonly plans = new Map<string, Plan>();
  private readonly chainsByPlan = new WeakMap<Plan, Map<number, AttentionChain>>();
  /**
   * Inference keeps each large matmul's transposed weight (wasm's fast matmul path needs the
   * transpose; making it once instead of per call is worth ~8% of a forward pass). Costs one copy
   * of those weights while the model lives; {@link releaseCaches} frees it.
   */
  private readonly transposedWeights: TransposedWeights = new Map();
  private readonly nodeById: ReadonlyMap<number, Node>;
  private readonly ownsVariables: boolean;
  private disposed = false;

  constructor(
    readonly ir: ModelIR,
    options: BuildOptions = {},
  ) {
    for (const node of ir.nodes) {
      if (!hasKernel(node.op)) throw new UnsupportedOpError(node.op, node.module);
    }
    this.nodeById = new Map(ir.nodes.map((n) => [n.id, n]));
    this.ownsVariables = options.variables === undefined;
    if (options.variables) {
      this.variables = adoptVariables(ir, options.variables);
    } else {
      const vars = new Map<string, tf.Variable>();
      try {
        ir.params.forEach((p, i) => {
          const init = options.initial?.(p) ?? initialValue(ir, p, i, options.seed);
          // A buffer (running statistics) is state the model updates itself: no gradient, no optimizer.
          vars.set(p.name, tf.variable(init, !p.buffer));
          init.dispose();
        });
      } catch (e) {
        // Never a half-built model: what was made is freed.
        for (const v of vars.values()) v.dispose();
        throw e;
      }
      this.variables = vars;
    }
    this.checker = new InputChecker(ir);
  }

  get name(): string {
    return this.ir.name;
  }
  get inputNames(): string[] {
    return this.ir.inputs.map((i) => i.name);
  }
  get outputNames(): string[] {
    return this.ir.outputs.map((o) => o.name);
  }
  get lossNames(): string[] {
    return this.ir.losses.map((o) => o.name);
  }

  /** What an input should be, e.g. `int32 [batch, seq] with seq <= 64`. */
  describeInput(name: string): string {
    const input = this.ir.inputs.find((i) => i.name === name);
    if (!input) throw new Error(`the model \`${this.ir.name}\` has no input named \`${name}\``);
    return this.checker.expected(input);
  }

  /** The parameter values by name (the live variables; do not dispose them). */
  getWeights(): Record<string, tf.Variable> {
    return Object.fromEntries(this.variables);
  }

  /** Assigns parameter values by name; shapes must match. Unknown names are errors; missing ones keep their values. */
  setWeights(weights: Record<string, tf.Tensor>): void {
    for (const [name, value] of Object.entries(weights)) {
      const v = this.variables.get(name);
      if (!v) throw new Error(`the model \`${this.ir.name}\` has no parameter named \`${name}\``);
      if (v.shape.length !== value.shape.length || v.shape.some((d, i) => d !== value.shape[i])) {
        throw new Error(`parameter \`${name}\` is [${v.shape.join(', ')}], but the value given is [${value.shape.join(', ')}]`);
      }
      if (value.dtype === 'float32') v.assign(value);
      else tf.tidy(() => v.assign(tf.cast(value, 'float32')));
    }
  }

  /**
   * Runs the model. Inputs are tensors by input name; the result holds the requested outputs and
   * losses by name (the caller owns them).
   */
  forward(inputs: Record<string, tf.Tensor>, options: ForwardOptions = {}): Record<string, tf.Tensor> {
    if (this.disposed) throw new Error(`the model \`${this.ir.name}\` has been disposed`);
    const plan = this.plan(inputs, options.outputs);
    const env = options.validate === false ? bindWithoutChecks(this.ir, inputs, plan.inputs) : this.checker.check(inputs, plan.inputs);
    const training = options.training ?? false;
    return tf.tidy(() => {
      const values = new Map<number, RtValue>();
      for (const input of plan.inputs) {
        const x = inputs[input.name];
        values.set(input.value, x);
      }
      const rowsAllowed = new Map<tf.Tensor, tf.Tensor>();
      const run = (node: Node) => {
        const ctx = this.context(node, training, rowsAllowed);
        const ins = node.inputs.map((id): RtValue => values.get(id) ?? ctx.fail(`input value ${id} was not computed`));
        const outs = runNode(node, ins, ctx);
        node.outputs.forEach((id, i) => {
          const out = outs[i];
          if (out === undefined) ctx.fail(`produced no output ${i}`);
          if (options.checkShapes) this.checkShape(node, id, out, env);
          values.set(id, out);
        });
      };
      // Attention chains run as one kernel where the backend has it (attention-fusion.ts).
      const chains = attentionFusable(training) ? this.attentionChains(plan) : undefined;
      const skipped = new Set<number>();
      for (const chain of chains?.values() ?? []) for (const id of chain.inner) skipped.add(id);
      for (const node of plan.nodes) {
        if (skipped.has(node.id)) continue;
        const chain = chains?.get(node.id);
        const fused = chain && runAttentionChain(chain, (id) => values.get(id));
        if (fused) {
          if (options.checkShapes) this.checkShape(node, node.outputs[0], fused, env);
          values.set(node.outputs[0], fused);
          continue;
        }
        // A chain the kernel does not take: its ops, as written.
        if (chain) for (const inner of plan.nodes) if (chain.inner.has(inner.id)) run(inner);
        run(node);
      }
      const result: Record<string, tf.Tensor> = {};
      for (const t of plan.targets) {
        const v = values.get(t.value)!;
        if (isMask(v)) throw new ModelRuntimeError(`\`${t.name}\` is a mask, which cannot be returned`, '', 'output');
        setEntry(result, t.name, v);
      }
      return result;
    });
  }

  /**
   * Checks inputs as `forward` would for these outputs (dtypes, shapes, id ranges, bounds),
   * without running anything. Throws a `ModelInputError`.
   */
  validateInputs(inputs: Record<string, tf.Tensor>, outputs?: readonly string[]): void {
    this.checker.check(inputs, this.plan(inputs, outputs).inputs);
  }

  /** Releases the variables. */
  dispose(): void {
    if (this.disposed) return;
    this.releaseCaches();
    if (this.ownsVariables) for (const v of this.variables.values()) v.dispose();
    this.disposed = true;
  }

  /** Frees the transposed weights inference keeps (they are made again when next needed). */
  releaseCaches(): void {
    for (const { transposed } of this.transposedWeights.values()) transposed.dispose();
    this.transposedWeights.clear();
  }

  /**
   * What an op implementation sees of `node` during one evaluation. `offsets` (step-wise decoding)
   * says where each input's time axis starts; absent means 0.
   * @internal used by the step-wise evaluator in `generate/`.
   */
  context(
    node: Node,
    training: boolean,
    rowsAllowed: Map<tf.Tensor, tf.Tensor>,
    offsets?: readonly number[],
  ): OpRunContext {
    return new NodeContext(node, training, rowsAllowed, offsets, this.ir, this.variables, training ? undefined : this.transposedWeights);
  }

  private checkShape(node: Node, valueId: number, out: RtValue, env: DimEnv): void {
    if (isMask(out)) return;
    const value = this.ir.values[valueId];
    const want = concreteShape(value.shape, env);
    const ok = want.length === out.rank && want.every((d, i) => d === undefined || d === out.shape[i]);
    if (!ok) {
      throw new ModelRuntimeError(
        `computed a tensor of shape [${out.shape.join(', ')}], but the compiler inferred ${renderShape(value.shape)} = [${want.map((d) => d ?? '?').join(', ')}]`,
        node.module,
        node.op,
      );
    }
  }

  /** The nodes needed for the requested outputs, in graph order, and the inputs they read. */
  private plan(given: Record<string, tf.Tensor>, requested: readonly string[] | undefined): Plan {
    const all = [...this.ir.outputs, ...this.ir.losses];
    let targets: ModelOutput[];
    if (requested) {
      targets = requested.map((name) => {
        const t = all.find((o) => o.name === name);
        if (!t) throw new Error(`the model \`${this.ir.name}\` has no output or loss named \`${name}\` (it has ${all.map((o) => `\`${o.name}\``).join(', ')})`);
        return t;
      });
    } else {
      targets = [...this.ir.outputs];
      for (const loss of this.ir.losses) {
        if (this.planFor([loss]).inputs.every((i) => given[i.name] !== undefined)) targets.push(loss);
      }
    }
    return this.planFor(targets);
  }

  /** The attention chains of a plan (found once per plan). */
  private attentionChains(plan: Plan): Map<number, AttentionChain> {
    let chains = this.chainsByPlan.get(plan);
    if (!chains) {
      chains = findAttentionChains(this.ir, plan.nodes);
      this.chainsByPlan.set(plan, chains);
    }
    return chains;
  }

  /** @internal The nodes (in graph order) and inputs that `targets` need. */
  planFor(targets: ModelOutput[]): Plan {
    const key = targets.map((t) => t.name).join('\0');
    const cached = this.plans.get(key);
    if (cached) return cached;
    const needed = upstreamValues(this.ir, targets.map((t) => t.value), this.nodeById);
    const nodes = this.ir.nodes.filter((n) => n.outputs.some((o) => needed.has(o)));
    const inputs = this.ir.inputs.filter((i) => needed.has(i.value));
    const plan = { nodes, inputs, targets };
    this.plans.set(key, plan);
    return plan;
  }
}

/** The caller's variables for the IR's parameters (`BuildOptions.variables`), checked for names and shapes. */
function adoptVariables(ir: ModelIR, given: ReadonlyMap<string, tf.Variable>): Map<string, tf.Variable> {
  const vars = new Map<string, tf.Variable>();
  for (const p of ir.params) {
    const v = given.get(p.name);
    if (!v) throw new Error(`no variable was given for the parameter \`${p.name}\` of \`${ir.name}\``);
    if (v.shape.length !== p.shape.length || v.shape.some((d, i) => d !== p.shape[i])) {
      throw new Error(`the variable given for \`${p.name}\` is [${v.shape.join(', ')}], but the parameter is [${p.shape.join(', ')}]`);
    }
    vars.set(p.name, v);
  }
  return vars;
}

/** Binds symbolic dims from the inputs' shapes without validating anything (validate: false). */
function bindWithoutChecks(ir: ModelIR, given: Record<string, tf.Tensor>, inputs: ModelInput[]): DimEnv {
  const env: DimEnv = new Map();
  for (const input of inputs) {
    const x = given[input.name];
    if (!x) continue;
    ir.values[input.value].shape.forEach((d, axis) => {
      if (d.kind === 'sym' && !env.has(d.name)) env.set(d.name, x.shape[axis]);
    });
  }
  return env;
}

/** Builds a runnable tfjs model from a checked model's IR. Select a backend first (`selectBackend`). */
export function buildModel(ir: ModelIR, options: BuildOptions = {}): TfjsModel {
  return new TfjsModel(ir, options);
}

/**
 * What an op implementation sees of one node (see `TfjsModel.context`): made for every node of
 * every evaluation, so its methods live on the prototype and the IR facts are looked up on demand.
 */
class NodeContext implements OpRunContext {
  constructor(
    readonly node: Node,
    readonly training: boolean,
    readonly rowsAllowed: Map<tf.Tensor, tf.Tensor>,
    readonly offsets: readonly number[] | undefined,
    private readonly ir: ModelIR,
    private readonly variables: ReadonlyMap<string, tf.Variable>,
    readonly transposedWeights: TransposedWeights | undefined,
  ) {}

  private ins: readonly TensorValue[] | undefined;
  private outs: readonly TensorValue[] | undefined;

  get inputs(): readonly TensorValue[] {
    return (this.ins ??= this.node.inputs.map((id) => this.ir.values[id]));
  }

  get outputs(): readonly TensorValue[] {
    return (this.outs ??= this.node.outputs.map((id) => this.ir.values[id]));
  }

  fail(message: string): never {
    throw new ModelRuntimeError(message, this.node.module, this.node.op);
  }

  hasParam(role: string): boolean {
    return this.node.params[role] !== undefined;
  }

  param(role: string): tf.Tensor {
    const name = this.node.params[role];
    const v = name === undefined ? undefined : this.variables.get(name);
    if (!v) return this.fail(`has no parameter \`${role}\``);
    return v;
  }
}
