/**
 * Checking the data given to a model against its declared inputs, and binding the symbolic
 * dimensions (`batch`, `seq`) to the sizes at hand. Every problem is a {@link ModelInputError}
 * naming the input, what was expected and what was given.
 */
import * as tf from '@tensorflow/tfjs';
import { evalDim, renderDim, renderShape, resolve, type Dim } from '../../ir/dims.js';
import type { DType, ModelIR, ModelInput } from '../../ir/types.js';
import { ModelInputError } from './errors.js';

/** Sizes of the symbolic dimensions for one call. */
export type DimEnv = Map<string, number>;

/** A range check on integer data: token ids for an embedding, class targets for a loss. */
interface RangeRule {
  /** Valid values are min (default 0) ≤ v < limit … */
  min?: number;
  limit: number;
  /** … or exactly this one (an ignore index). */
  except?: number;
  /** For the message: `token ids of \`wte\``. */
  what: string;
}

const TF_DTYPE: Record<DType, tf.DataType> = { int32: 'int32', float32: 'float32', bool: 'bool', mask: 'bool' };
/** A mask input may also be given as numbers, each 0 or 1 (1 = may attend). */
const MASK_NUMBERS: readonly tf.DataType[] = ['int32', 'float32'];

export class InputChecker {
  private readonly rules = new Map<number, RangeRule[]>();

  constructor(private readonly ir: ModelIR) {
    for (const input of ir.inputs) {
      const range = ir.values[input.value].range;
      if (range) this.addRule(input.value, { min: range.min, limit: range.max, what: `values declared \`in [${range.min}, ${range.max})\`` });
    }
    for (const node of ir.nodes) {
      if (node.op === 'embedding' && typeof node.attrs.num === 'number') {
        this.addRule(node.inputs[0], { limit: node.attrs.num, what: `token ids of \`${node.module || 'the embedding'}\` (${node.attrs.num} rows)` });
      } else if (node.op === 'cross_entropy') {
        const logits = ir.values[node.inputs[0]];
        const classes = constOf(logits.shape[logits.shape.length - 1]);
        const ignore = typeof node.attrs.ignore_index === 'number' ? node.attrs.ignore_index : undefined;
        if (classes !== undefined) this.addRule(node.inputs[1], { limit: classes, except: ignore, what: `targets of a loss over ${classes} classes` });
      }
    }
  }

  private addRule(valueId: number, rule: RangeRule): void {
    if (!this.ir.inputs.some((i) => i.value === valueId)) return;
    const list = this.rules.get(valueId) ?? [];
    list.push(rule);
    this.rules.set(valueId, list);
  }

  /** What an input should be, e.g. `int32 [batch, seq] with seq <= 64`. */
  expected(input: ModelInput, env?: DimEnv): string {
    const v = this.ir.values[input.value];
    const shape = renderShape(v.shape);
    const notes: string[] = [];
    for (const d of v.shape) {
      const r = resolve(d);
      if (r.kind === 'sym') {
        const known = env?.get(r.name);
        if (known !== undefined) notes.push(`${r.name} = ${known}`);
        for (const b of this.ir.bounds) {
          if (b.dim !== r.name) continue;
          if (b.max !== undefined) notes.push(`${r.name} <= ${b.max}`);
          if (b.min !== undefined) notes.push(`${r.name} >= ${b.min}`);
        }
      }
    }
    const dtype = v.dtype === 'mask' ? 'mask (bool, or 0/1; true = may attend)' : v.dtype;
    return `${dtype} ${shape}${notes.length ? ` with ${[...new Set(notes)].join(', ')}` : ''}`;
  }

  /**
   * Checks the inputs a call needs (`required`) and rejects names the model does not have.
   * Returns the sizes of the symbolic dimensions.
   */
  check(given: Record<string, unknown>, required: readonly ModelInput[]): DimEnv {
    const names = new Set(this.ir.inputs.map((i) => i.name));
    for (const name of Object.keys(given)) {
      if (!names.has(name)) {
        throw new ModelInputError(name, '', '', `the model \`${this.ir.name}\` has no input named \`${name}\` (its inputs: ${this.ir.inputs.map((i) => `\`${i.name}\``).join(', ')})`);
      }
    }
    const env: DimEnv = new Map();
    const boundBy = new Map<string, string>();
    for (const input of required) {
      const x = given[input.name];
      const v = this.ir.values[input.value];
      if (x === undefined || x === null) {
        throw new ModelInputError(input.name, this.expected(input, env), 'nothing', `missing: expected ${this.expected(input, env)}`);
      }
      if (!(x instanceof tf.Tensor)) {
        throw new ModelInputError(input.name, this.expected(input, env), typeof x, `expected a tf.Tensor (${this.expected(input, env)}), got ${describeValue(x)}`);
      }
      const got = `${x.dtype} [${x.shape.join(', ')}]`;
      if (x.dtype !== TF_DTYPE[v.dtype] && !(v.dtype === 'mask' && MASK_NUMBERS.includes(x.dtype))) throw new ModelInputError(input.name, this.expected(input, env), got, `expected ${this.expected(input, env)}, got ${got}: the dtype differs`);
      if (x.rank !== v.shape.length) {
        throw new ModelInputError(input.name, this.expected(input, env), got, `expected ${this.expected(input, env)} (rank ${v.shape.length}), got ${got} (rank ${x.rank})`);
      }
      v.shape.forEach((d, axis) => {
        const size = x.shape[axis];
        const r = resolve(d);
        if (size === 0) throw new ModelInputError(input.name, this.expected(input, env), got, `expected ${this.expected(input, env)}, got ${got}: axis ${axis} is empty`);
        if (r.kind === 'const' && r.value !== size) {
          throw new ModelInputError(input.name, this.expected(input, env), got, `expected ${this.expected(input, env)}, got ${got}: axis ${axis} must be ${r.value}`);
        }
        if (r.kind === 'sym') {
          const known = env.get(r.name);
          if (known === undefined) {
            env.set(r.name, size);
            boundBy.set(r.name, input.name);
          } else if (known !== size) {
            throw new ModelInputError(
              input.name,
              this.expected(input, env),
              got,
              `expected ${this.expected(input, env)}, got ${got}: \`${r.name}\` is ${known} in \`${boundBy.get(r.name)}\` but ${size} here`,
            );
          }
        }
      });
    }
    // Derived dims (`seq + 1`) once every symbol is bound, then the declared bounds.
    for (const input of required) {
      const x = given[input.name] as tf.Tensor;
      this.ir.values[input.value].shape.forEach((d, axis) => {
        const r = resolve(d);
        if (r.kind !== 'expr') return;
        const want = evalDim(r, (s) => env.get(s));
        if (want !== undefined && want !== x.shape[axis]) {
          throw new ModelInputError(input.name, this.expected(input, env), `${x.dtype} [${x.shape.join(', ')}]`, `axis ${axis} must be ${renderDim(r)} = ${want}, got ${x.shape[axis]}`);
        }
      });
    }
    for (const b of this.ir.bounds) {
      const size = env.get(b.dim);
      if (size === undefined) continue;
      if ((b.max !== undefined && size > b.max) || (b.min !== undefined && size < b.min)) {
        const input = required.find((i) => i.name === boundBy.get(b.dim))!;
        const x = given[input.name] as tf.Tensor;
        const limit = b.max !== undefined && size > b.max ? `at most ${b.max}` : `at least ${b.min}`;
        throw new ModelInputError(input.name, this.expected(input), `${x.dtype} [${x.shape.join(', ')}]`, `\`${b.dim}\` is ${size}, but the model allows ${limit} (expected ${this.expected(input)})`);
      }
    }
    for (const input of required) this.checkRanges(input, given[input.name] as tf.Tensor);
    return env;
  }

  private checkRanges(input: ModelInput, x: tf.Tensor): void {
    if (this.ir.values[input.value].dtype === 'mask' && x.dtype !== 'bool') return checkMaskNumbers(input, x);
    const rules = this.rules.get(input.value);
    if (!rules) return;
    const data = x.dataSync();
    for (const rule of rules) {
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        const min = rule.min ?? 0;
        if ((v >= min && v < rule.limit) || v === rule.except) continue;
        const where = unravel(i, x.shape);
        const allowed = `${min} ≤ id < ${rule.limit}${rule.except !== undefined ? ` or ${rule.except}` : ''}`;
        throw new ModelInputError(input.name, allowed, String(v), `value ${v} at [${where.join(', ')}] is out of range: ${rule.what} must be ${allowed}`);
      }
    }
  }
}

/** A mask given as numbers holds only 0 and 1: anything else (an additive −∞ mask, say) would be read wrongly. */
function checkMaskNumbers(input: ModelInput, x: tf.Tensor): void {
  const data = x.dataSync();
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === 0 || v === 1) continue;
    throw new ModelInputError(
      input.name,
      'booleans, or 0 and 1',
      String(v),
      `value ${v} at [${unravel(i, x.shape).join(', ')}] is not a mask value: a mask holds booleans, or 0 and 1 (true / 1 = may attend); an additive mask (0 / −∞) is a float32 input added to the scores`,
    );
  }
}

function constOf(d: Dim | undefined): number | undefined {
  if (!d) return undefined;
  const r = resolve(d);
  return r.kind === 'const' ? r.value : undefined;
}

/** The multi-index of flat position `index` in a row-major tensor of `shape` (for error messages). */
export function unravel(index: number, shape: number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = index % shape[i];
    index = Math.floor(index / shape[i]);
  }
  return out;
}

function describeValue(x: unknown): string {
  if (Array.isArray(x)) return 'an array (convert it with tf.tensor(...))';
  if (ArrayBuffer.isView(x)) return 'a typed array (convert it with tf.tensor(...))';
  return typeof x;
}

/** A shape the IR inferred, evaluated with the sizes of this call; unknown axes are undefined. */
export function concreteShape(shape: readonly Dim[], env: DimEnv): Array<number | undefined> {
  return shape.map((d) => evalDim(d, (s) => env.get(s)));
}
