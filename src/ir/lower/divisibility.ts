/**
 * Divisibility mistakes ("`d_model` = 768 is not divisible by `heads` = 7"), for an integer default
 * that divides inexactly (`d_k: int = d_model / heads`, TFM3003) and for a failed
 * `expect a % b == 0` (TFM4003): reported where the divisor was set when that is in the user's
 * spec, with the nearby divisors that would work and, when one of them is another config key's
 * value, the question whether the two were swapped (`heads` and `layers`).
 */
import type { Label } from '../../diagnostics/diagnostic.js';
import { nearbyDivisors } from '../ops/helpers.js';
import type { ValueOrigin } from '../values.js';
import type { Env, Lowering } from './lowering.js';

/** One side of the division: how the spec writes it, its value, and where a config value was set. */
export interface Operand {
  name: string;
  value: number;
  origin?: ValueOrigin;
}

/**
 * Reports `x` not divisible by `y`. `fallback` is the primary label when the divisor was not set
 * in the user's spec; `requirement` labels the division or expectation that needs it.
 */
export function reportNotDivisible(ev: Lowering, code: 'TFM3003' | 'TFM4003', x: Operand, y: Operand, env: Env, fallback: Label, requirement: Label): void {
  const setHere = (o: ValueOrigin, v: number): Label => ({ file: o.file, span: o.span, message: `\`${o.name}\` = ${v} is set ${o.cli ? `by \`--set ${o.cli}\`` : 'here'}` });
  const secondary: Label[] = x.origin ? [setHere(x.origin, x.value), requirement] : [requirement];
  const primary = y.origin && !ev.isLibraryFile(y.origin.file) ? setHere(y.origin, y.value) : fallback;
  const tries = nearbyDivisors(x.value, y.value);
  const swapped = y.origin && configInts(env).find(([name, value]) => name !== y.origin!.name && name !== x.name && tries.includes(value));
  const swapHint = swapped ? ` (${swapped[1]} is \`${swapped[0]}\`'s value: were \`${y.origin!.name}\` and \`${swapped[0]}\` swapped?)` : '';
  ev.reporter.error(code, `\`${x.name}\` = ${x.value} is not divisible by \`${y.name}\` = ${y.value}`, primary, {
    secondary,
    help: tries.length ? `${x.value} is divisible by ${tries.join(' and ')}: try ${y.name} = ${tries.join(' or ')}${swapHint}` : undefined,
  });
}

/** The model's integer config values visible from `env`, in scope order. */
function configInts(env: Env): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const name of env.scope.names()) {
    const b = env.scope.lookup(name);
    if (b?.kind === 'config' && b.value.kind === 'int') out.push([name, b.value.value]);
  }
  return out;
}
