/**
 * How an op is declared: `functionOp(name, doc, { args, apply })` and `layerOp(name, doc, { config,
 * inputs, apply })` turn a signature table and a shape rule into an {@link OpDef}.
 *
 * A signature table has one line per argument, in call order (the order is what positional
 * arguments, hover and completion follow): `name: [type, doc]` or `name: [type, doc, default]`.
 * A type is `'int'`, `'float'`, `'bool'`, `'string'`, an enum's members (`['learned',
 * 'sinusoidal']`), `'tensor'`, or `'tensor?'` / `'module?'` / `'int?'` for one that may be omitted.
 * A tensor's third entry is not a default but what it must be:
 *
 *     x: ['tensor', 'float32 `[B, T, F]`', { dtype: 'float32', rank: 3, shape: '`[batch, seq, features]`' }],
 *
 * and a layer's input may also name the config argument its last axis must equal (`width: 'dim'`).
 * The constructor checks these before the shape rule runs, with the shared messages of
 * `helpers.ts` — every dtype, then every rank, then every width, in argument order, stopping at the
 * first failure — and then calls the rule with its arguments unpacked: numbers, booleans, strings,
 * `TensorValue`s (undefined for an omitted `tensor?`), and a `module?` as its value. An op then
 * reads as its signature table and its shape rule:
 *
 *     export const rope = functionOp('rope', 'Rotary position embedding on `[B, heads, T, d]` (d even).', {
 *       args: {
 *         x: ['tensor', 'float32 `[B, heads, T, d]`', { dtype: 'float32', rank: 4, shape: '`[batch, heads, seq, d_k]`' }],
 *         base: ['float', 'frequency base', 10000],
 *       },
 *       apply(ctx, { x, base }) { ... return one(ctx, 'rope', [x], 'float32', x.shape, { base }); },
 *     });
 *
 * and the kernels of the node ops it emits go in its file's `kernels`; `index.ts` collects both.
 */
import { bool, enumName, num, requireFloat, requireInt, requireRank, requireWidth, subjectOf, tensor } from './helpers.js';
import type { Dim } from '../dims.js';
import type { SourceRef } from '../source-ref.js';
import type { TensorValue } from '../types.js';
import { ERROR, type ArgSpec, type FlopsInput, type FunctionOpDef, type LayerOpDef, type OpContext, type Value } from '../values.js';

/** What a tensor argument must be; `shape` names its axes in the rank message. */
export type TensorNeeds = {
  readonly dtype?: 'float32' | 'int32';
  /** A layer input only: the config argument its last axis must equal. */
  readonly width?: string;
} & ({ readonly rank?: undefined; readonly shape?: undefined } | { readonly rank: number | { readonly min: number }; readonly shape: string });

/** One line of a signature table: type, doc, and a default (or, for a tensor, its requirements). */
export type ArgRow =
  | readonly ['int' | 'float', string, number?]
  | readonly ['bool', string, boolean?]
  | readonly ['string', string]
  | readonly [readonly string[], string, string?]
  | readonly ['tensor', string, TensorNeeds?]
  | readonly ['tensor?' | 'module?' | 'int?', string]
  | readonly ['shape' | 'ints' | 'tensors' | 'parts' | 'operand', string];

/** A number given where a tensor could be (`select(c, x, 0.0)`): `float` when written as a float (`0.0`). */
export interface NumberArg {
  readonly value: number;
  readonly float: boolean;
}

/** Whether an `operand` argument is a number rather than a tensor. */
export function isNumberArg(v: TensorValue | NumberArg): v is NumberArg {
  return 'float' in v;
}

/** A shape argument: its dimensions and where each was written. */
export interface ShapeArg {
  readonly dims: readonly Dim[];
  readonly sources: readonly SourceRef[];
}

export type ArgTable = { readonly [name: string]: ArgRow };

/** What the shape rule receives for one row. */
type Unpacked<R> = R extends readonly ['int' | 'float', ...unknown[]]
  ? number
  : R extends readonly ['bool', ...unknown[]]
    ? boolean
    : R extends readonly ['string', ...unknown[]]
      ? string
      : R extends readonly [infer M extends readonly string[], ...unknown[]]
        ? M[number]
        : R extends readonly ['tensor', ...unknown[]]
          ? TensorValue
          : R extends readonly ['tensor?', ...unknown[]]
            ? TensorValue | undefined
            : R extends readonly ['module?', ...unknown[]]
              ? Extract<Value, { kind: 'module' }> | undefined
              : R extends readonly ['int?', ...unknown[]]
                ? number | undefined
                : R extends readonly ['shape', ...unknown[]]
                  ? ShapeArg
                  : R extends readonly ['ints', ...unknown[]]
                    ? number[]
                    : R extends readonly ['tensors' | 'parts', ...unknown[]]
                      ? TensorValue[]
                      : R extends readonly ['operand', ...unknown[]]
                        ? TensorValue | NumberArg
                        : never;

export type Unpack<T extends ArgTable> = { readonly [K in keyof T]: Unpacked<T[K]> };

interface Declaration<O extends boolean> {
  /**
   * Behind an operator or a built-in value (`+`, `@`, `&`, `causal`) rather than a name a spec
   * calls: `index.ts` lists it in `OPERATOR_OPS` under its export name.
   */
  operator?: O;
  /** How messages name the op when not by `name` (`@` for matmul). */
  shownAs?: string;
  flops?: (x: FlopsInput) => number;
}

export interface FunctionDeclaration<A extends ArgTable, O extends boolean> extends Declaration<O> {
  args: A;
  apply(ctx: OpContext, args: Unpack<A>): Value;
}

export interface LayerDeclaration<C extends ArgTable, I extends ArgTable> extends Declaration<false> {
  /** Arguments of the constructor, `Linear(512, bias: false)`. */
  config: C;
  /** Arguments of an application, `layer(x)`. */
  inputs: I;
  apply(ctx: OpContext, config: Unpack<C>, inputs: Unpack<I>): Value;
}

/** A function op: `name` is what a spec calls (`split_heads`), `doc` its one-line description. */
export function functionOp<const A extends ArgTable, O extends boolean = false>(name: string, doc: string, d: FunctionDeclaration<A, O>): FunctionOpDef & { readonly operator: O } {
  checkWidths(name, d.args, {});
  const shownAs = d.shownAs ?? name;
  const rows = tableRows(d.args);
  return {
    kind: 'function',
    name,
    doc,
    args: specs(d.args),
    operator: (d.operator ?? false) as O,
    apply(ctx, values) {
      const args = unpack(rows, values);
      if (!args || !meetsNeeds(ctx, shownAs, rows, args, NO_CONFIG, subjectOf)) return ERROR;
      return d.apply(ctx, args as Unpack<A>);
    },
    ...(d.flops && { flops: d.flops }),
  };
}

/** A layer op: constructed with `config` (`Linear(512)`), then applied to `inputs`. */
export function layerOp<const C extends ArgTable, const I extends ArgTable>(name: string, doc: string, d: LayerDeclaration<C, I>): LayerOpDef {
  checkWidths(name, d.inputs, d.config);
  const shownAs = d.shownAs ?? name;
  // A layer applied to one input calls it "its input", whatever its name (`ids`, `images`).
  const subject = Object.keys(d.inputs).length === 1 ? () => 'its input' : subjectOf;
  const configRows = tableRows(d.config);
  const inputRows = tableRows(d.inputs);
  return {
    kind: 'layer',
    name,
    doc,
    config: specs(d.config),
    inputs: specs(d.inputs),
    apply(ctx, configValues, inputValues) {
      const config = unpack(configRows, configValues);
      const inputs = unpack(inputRows, inputValues);
      if (!config || !inputs || !meetsNeeds(ctx, shownAs, inputRows, inputs, config, subject)) return ERROR;
      return d.apply(ctx, config as Unpack<C>, inputs as Unpack<I>);
    },
    ...(d.flops && { flops: d.flops }),
  };
}

/** A declaration mistake, caught when the op module loads: a `width` must name an int config argument. */
function checkWidths(op: string, inputs: ArgTable, config: ArgTable): void {
  for (const [arg, [, , needs]] of Object.entries(inputs)) {
    const width = (needs as TensorNeeds | undefined)?.width;
    if (width !== undefined && config[width]?.[0] !== 'int') throw new Error(`\`${op}\`: the width of \`${arg}\` must name an int config argument, not \`${width}\``);
  }
}

/** The `ArgSpec`s of a table, in its order. */
function specs(table: ArgTable): ArgSpec[] {
  return Object.entries(table).map(([name, [type, doc, third]]): ArgSpec => {
    if (typeof type !== 'string') return { name, type: 'enum', members: type, ...(third !== undefined && { default: { kind: 'enum', name: third as string } }), doc };
    switch (type) {
      case 'tensor?':
        return { name, type: 'tensor', default: null, doc };
      case 'module?':
        return { name, type: 'module', default: null, doc };
      case 'int?':
        return { name, type: 'int', default: null, doc };
      case 'int':
      case 'float':
        return { name, type, ...(third !== undefined && { default: { kind: type, value: third as number } }), doc };
      case 'bool':
        return { name, type, ...(third !== undefined && { default: { kind: 'bool', value: third as boolean } }), doc };
      case 'string':
      case 'tensor':
      case 'shape':
      case 'ints':
      case 'tensors':
      case 'parts':
      case 'operand':
        return { name, type, doc };
    }
  });
}

const NO_CONFIG: Record<string, unknown> = Object.freeze({});

/** A signature table's rows, listed once when the op is declared (every application reads them). */
interface TableRows {
  all: ReadonlyArray<readonly [string, ArgRow[0]]>;
  /** The tensor arguments with requirements, in order. */
  needs: ReadonlyArray<readonly [string, TensorNeeds]>;
}

function tableRows(table: ArgTable): TableRows {
  const all = Object.entries(table).map(([name, [type]]) => [name, type] as const);
  const needs = Object.entries(table).flatMap(([name, [type, , third]]) => (type === 'tensor' && third ? [[name, third as TensorNeeds] as const] : []));
  return { all, needs };
}

/** The rule's view of bound argument values; undefined when a required tensor is missing. */
function unpack(rows: TableRows, values: Record<string, Value>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [name, type] of rows.all) {
    const v = values[name];
    if (typeof type !== 'string') out[name] = enumName(v);
    else if (type === 'int' || type === 'float') out[name] = num(v);
    else if (type === 'bool') out[name] = bool(v);
    else if (type === 'string') out[name] = v?.kind === 'string' ? v.value : '';
    else if (type === 'module?') out[name] = v?.kind === 'module' ? v : undefined;
    else if (type === 'int?') out[name] = v?.kind === 'int' ? v.value : undefined;
    else if (type === 'shape') {
      if (v?.kind !== 'shape') return undefined;
      out[name] = { dims: v.dims, sources: v.sources } satisfies ShapeArg;
    } else if (type === 'parts' && v?.kind === 'tensor') {
      out[name] = [v.tensor];
    } else if (type === 'ints' || type === 'tensors' || type === 'parts') {
      if (v?.kind !== 'list') return undefined;
      out[name] = v.items.map((x) => (x.kind === 'int' ? x.value : x.kind === 'tensor' ? x.tensor : undefined));
      if ((out[name] as unknown[]).includes(undefined)) return undefined;
    } else if (type === 'operand') {
      const t = tensor(v);
      if (t) out[name] = t;
      else if (v?.kind === 'int' || v?.kind === 'float') out[name] = { value: v.value, float: v.kind === 'float' } satisfies NumberArg;
      else return undefined;
    }
    else {
      const t = tensor(v);
      if (!t && type === 'tensor') return undefined;
      out[name] = t;
    }
  }
  return out;
}

/** Checks the declared dtypes, then ranks, then widths of the tensor inputs; reports the first failure. */
function meetsNeeds(
  ctx: OpContext,
  shownAs: string,
  rows: TableRows,
  args: Record<string, unknown>,
  config: Record<string, unknown>,
  subject: (arg: string) => string,
): boolean {
  const { needs } = rows;
  const t = (name: string) => args[name] as TensorValue;
  for (const [name, { dtype }] of needs) {
    if (dtype === 'float32' && !requireFloat(ctx, t(name), name, shownAs, subject(name))) return false;
    if (dtype === 'int32' && !requireInt(ctx, t(name), name, shownAs, subject(name))) return false;
  }
  for (const [name, { rank, shape }] of needs) if (rank !== undefined && !requireRank(ctx, t(name), rank, name, shownAs, shape, subject(name))) return false;
  for (const [name, { width }] of needs) if (width !== undefined && !requireWidth(ctx, t(name), config[width] as number, shownAs, width, name)) return false;
  return true;
}
