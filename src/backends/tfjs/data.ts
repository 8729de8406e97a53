/**
 * Data for the model API: a batch is the model's inputs by name, each a `tf.Tensor` or plain
 * (nested) arrays of numbers; a dataset is a sequence of batches. Arrays are converted with the
 * dtype the spec declares for the input, and anything that cannot be (a ragged array, a fraction
 * where token ids are expected) is a {@link ModelInputError} naming the input.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelIR } from '../../ir/types.js';
import { ModelInputError } from './errors.js';
import { unravel } from './inputs.js';
import { setEntry } from '../../util/own-entry.js';

/** One input's data: a tensor, nested arrays (`number[][]` for `[batch, seq]`), or booleans for a bool input. */
export type InputValue = tf.Tensor | number | boolean | NestedArray;
export interface NestedArray extends ReadonlyArray<number | boolean | NestedArray> {}

/** A model's inputs by name. */
export type Batch = Record<string, InputValue>;

/**
 * What `fit` and `evaluate` iterate over: an array of batches, any (async) iterable of batches,
 * or a function returning one for each epoch (use an array or a function when training for more
 * than one epoch: a generator object can be iterated only once).
 */
export type Dataset = readonly Batch[] | Iterable<Batch> | AsyncIterable<Batch> | ((epoch: number) => Iterable<Batch> | AsyncIterable<Batch>);

/**
 * Converts a batch to tensors with the dtypes the model declares. Returns the tensors and those
 * that were created here (the caller disposes them).
 */
export function toTensors(ir: ModelIR, batch: Batch, describe: (input: string) => string): { feeds: Record<string, tf.Tensor>; created: tf.Tensor[] } {
  const feeds: Record<string, tf.Tensor> = {};
  const created: tf.Tensor[] = [];
  if (batch === null || typeof batch !== 'object' || Array.isArray(batch) || batch instanceof tf.Tensor) {
    throw new ModelInputError('(batch)', 'an object of inputs by name', typeof batch, `expected an object with the model's inputs by name (${ir.inputs.map((i) => `\`${i.name}\``).join(', ')}), got ${Array.isArray(batch) ? 'an array' : typeof batch}`);
  }
  try {
    for (const [name, value] of Object.entries(batch)) {
      if (value instanceof tf.Tensor) {
        setEntry(feeds, name, value);
        continue;
      }
      const input = ir.inputs.find((i) => i.name === name);
      if (!input) {
        throw new ModelInputError(name, '', '', `the model \`${ir.name}\` has no input named \`${name}\` (its inputs: ${ir.inputs.map((i) => `\`${i.name}\``).join(', ')})`);
      }
      const dtype = ir.values[input.value].dtype;
      const t = fromArray(name, value, dtype, () => describe(name));
      created.push(t);
      setEntry(feeds, name, t);
    }
  } catch (e) {
    tf.dispose(created);
    throw e;
  }
  return { feeds, created };
}

/** `mask` data is booleans or 0 and 1 (true = may attend), made a bool tensor. */
function fromArray(name: string, value: unknown, declared: 'int32' | 'float32' | 'bool' | 'mask', expected: () => string): tf.Tensor {
  const dtype = declared === 'mask' ? 'bool' : declared;
  if (value === undefined || value === null) {
    throw new ModelInputError(name, expected(), 'nothing', `missing: expected ${expected()}`);
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const arr = value as unknown as ArrayLike<number>;
    checkValues(name, arr, [arr.length], declared, expected);
    return tf.tensor(arr as Float32Array, [arr.length], dtype);
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    checkValues(name, [value as number], [], declared, expected);
    return tf.scalar(value as number, dtype);
  }
  if (!Array.isArray(value)) {
    throw new ModelInputError(name, expected(), typeof value, `expected ${expected()} as a tf.Tensor or nested arrays of numbers, got ${typeof value}`);
  }
  const shape = shapeOf(name, value, expected);
  const flat = new Array<number>();
  flatten(value, flat);
  checkValues(name, flat, shape, declared, expected);
  return tf.tensor(flat, shape, dtype);
}

/** The shape of nested arrays, requiring every row of an axis to have the same length. */
function shapeOf(name: string, value: unknown[], expected: () => string): number[] {
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const check = (v: unknown, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (Array.isArray(v)) throw ragged(`[${path.join(', ')}] is an array, but [${path.slice(0, -1).concat(0).join(', ')}] is a number`);
      return;
    }
    if (!Array.isArray(v)) throw ragged(`[${path.join(', ')}] is a number where an array of ${shape[depth]} was expected`);
    if (v.length !== shape[depth]) throw ragged(`row [${path.join(', ')}] has ${v.length} elements, but row [${path.map(() => 0).join(', ')}] has ${shape[depth]} (pad the rows to one length)`);
    v.forEach((x, i) => check(x, depth + 1, [...path, i]));
  };
  const ragged = (detail: string) => new ModelInputError(name, expected(), 'a ragged array', `expected ${expected()}, got a ragged array: ${detail}`);
  check(value, 0, []);
  return shape;
}

function flatten(v: unknown, out: number[]): void {
  if (Array.isArray(v)) for (const x of v) flatten(x, out);
  else out.push(typeof v === 'boolean' ? Number(v) : (v as number));
}

function checkValues(name: string, data: ArrayLike<number | boolean>, shape: number[], dtype: string, expected: () => string): void {
  for (let i = 0; i < data.length; i++) {
    const raw = data[i];
    const x = typeof raw === 'boolean' ? Number(raw) : raw;
    const bad =
      typeof x !== 'number'
        ? `a ${typeof x}`
        : dtype === 'int32' && !Number.isInteger(x)
          ? `${x}, which is not an integer`
          : dtype === 'float32' && Number.isNaN(x)
            ? 'NaN'
            : dtype === 'mask' && x !== 0 && x !== 1
              ? `${x}, which is not a mask value (booleans, or 0 and 1: true / 1 = may attend)`
              : undefined;
    if (bad !== undefined) {
      const where = shape.length ? ` at [${unravel(i, shape).join(', ')}]` : '';
      throw new ModelInputError(name, expected(), String(x), `expected ${expected()}, got ${bad}${where}`);
    }
  }
}


/** Iterates a dataset for one epoch. */
export async function* iterate(data: Dataset, epoch: number, shuffleSeed?: number): AsyncGenerator<Batch> {
  const source = typeof data === 'function' ? data(epoch) : data;
  if (Array.isArray(source) && shuffleSeed !== undefined) {
    const order = permutation(source.length, mixSeed(shuffleSeed, epoch));
    for (const i of order) yield source[i] as Batch;
    return;
  }
  if (Symbol.asyncIterator in (source as object)) {
    for await (const b of source as AsyncIterable<Batch>) yield b;
    return;
  }
  if (Symbol.iterator in (source as object)) {
    for (const b of source as Iterable<Batch>) yield b;
    return;
  }
  throw new TypeError('a dataset must be an array of batches, an (async) iterable of batches, or a function of the epoch returning one');
}

/** Options of {@link batchesOf}. */
export interface BatchesOfOptions {
  batchSize: number;
  /** Shuffle the examples each epoch (with `seed`, reproducibly). Default false. */
  shuffle?: boolean;
  seed?: number;
  /**
   * Rows of different lengths are padded on the right to the longest row of their batch with this
   * value (one for all columns, or per column). Without it, ragged rows are an error.
   */
  pad?: number | Record<string, number>;
  /** Drop a last, smaller batch. Default false. */
  dropRemainder?: boolean;
}

/**
 * Groups examples into batches. `columns` holds, per input name, one entry per example (a number,
 * or an array such as a token sequence); all columns must have the same number of examples.
 * Returns a dataset (a function of the epoch) for `fit` and `evaluate`.
 */
export function batchesOf(columns: Record<string, ReadonlyArray<number | NestedArray>>, options: BatchesOfOptions): (epoch: number) => Batch[] {
  const names = Object.keys(columns);
  if (names.length === 0) throw new RangeError('batchesOf needs at least one column');
  const n = columns[names[0]].length;
  for (const name of names) {
    if (columns[name].length !== n) throw new RangeError(`batchesOf: column \`${name}\` has ${columns[name].length} examples, but \`${names[0]}\` has ${n}`);
  }
  const size = options.batchSize;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batchSize must be a positive integer, got ${size}`);
  const padFor = (name: string): number | undefined => (typeof options.pad === 'number' ? options.pad : options.pad?.[name]);
  return (epoch: number) => {
    const order = options.shuffle ? permutation(n, mixSeed(options.seed ?? 0, epoch)) : [...Array(n).keys()];
    const batches: Batch[] = [];
    for (let start = 0; start < n; start += size) {
      const idx = order.slice(start, start + size);
      if (options.dropRemainder && idx.length < size) break;
      const batch: Batch = {};
      for (const name of names) {
        const rows = idx.map((i) => columns[name][i]);
        const pad = padFor(name);
        batch[name] = pad === undefined ? (rows as NestedArray) : padRows(rows, pad);
      }
      batches.push(batch);
    }
    return batches;
  };
}

/** Right-pads 1-d rows to the longest one. */
export function padRows(rows: ReadonlyArray<number | NestedArray>, pad: number): NestedArray {
  if (!rows.every((r) => Array.isArray(r))) return rows as NestedArray;
  const len = Math.max(...rows.map((r) => (r as NestedArray).length));
  return rows.map((r) => {
    const row = r as number[];
    return row.length === len ? row : [...row, ...new Array<number>(len - row.length).fill(pad)];
  });
}

/** A small seeded PRNG (mulberry32): uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mixSeed(seed: number, epoch: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + epoch * 0x27d4eb2f) >>> 0;
}

/** A seeded random permutation of 0 … n−1 (Fisher–Yates). */
export function permutation(n: number, seed: number): number[] {
  const r = rng(seed);
  const out = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
