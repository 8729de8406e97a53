/**
 * The primitive ops, by the name a spec calls them, collected from the family files (`families.ts`):
 * every exported op, and each family's `kernels`. An op marked `operator: true` is reached through
 * an operator or a built-in value instead of its name, under the name it is exported as.
 */
import * as families from './families.js';
import type { FunctionOpDef, OpDef } from '../values.js';
import type { Kernel, Kernels } from './kernel.js';

type Families = typeof families;

/** The export names of the ops declared with `operator: true` (`add`, `matmul`, `causal`, ...). */
type OperatorName = {
  [F in keyof Families]: { [K in keyof Families[F]]: Families[F][K] extends { readonly operator: true } ? K : never }[keyof Families[F]];
}[keyof Families];

const exported: Array<[string, unknown]> = Object.values(families).flatMap((family) => Object.entries(family));
const ops = exported.filter((e): e is [string, OpDef] => isOpDef(e[1]));

function isOpDef(v: unknown): v is OpDef {
  return typeof v === 'object' && v !== null && 'kind' in v && (v.kind === 'function' || v.kind === 'layer') && 'apply' in v;
}

/** A map from the entries, refusing a key twice (two families declaring the same op). */
function table<T>(what: string, entries: Array<[string, T]>): ReadonlyMap<string, T> {
  const out = new Map<string, T>();
  for (const [key, value] of entries) {
    if (out.has(key)) throw new Error(`two ${what} are named \`${key}\``);
    out.set(key, value);
  }
  return out;
}

/** Ops a spec can name. */
export const PUBLIC_OPS: ReadonlyMap<string, OpDef> = table(
  'ops',
  ops.filter(([, op]) => !op.operator).map(([, op]) => [op.name, op]),
);

/** Ops behind operators and built-in values (`+`, `@`, `&`, `causal`), by export name. */
export const OPERATOR_OPS = Object.fromEntries(ops.filter(([, op]) => op.operator)) as { readonly [K in OperatorName]: FunctionOpDef };

/** Every op by IR name (what `Node.op` holds is derived from these). */
export const ALL_OPS: ReadonlyMap<string, OpDef> = table('ops', [...PUBLIC_OPS, ...Object.values<OpDef>(OPERATOR_OPS).map((o): [string, OpDef] => [o.name, o])]);

/**
 * How every IR node op is computed, by `Node.op`: the one table the tfjs executor, the TypeScript
 * emitter and the PyTorch emitter read (`kernel.ts`).
 */
export const KERNELS: ReadonlyMap<string, Kernel> = table(
  'kernels',
  Object.values(families).flatMap((family) => ('kernels' in family ? Object.entries(family.kernels as Kernels) : [])),
);
