/**
 * Divisibility mistakes ("`d_model` = 768 is not divisible by `heads` = 7"): an integer default
 * that divides inexactly (`d_k: int = d_model / heads`, TFM3003), a size computed by an inexact
 * division (`(image / patch) ^ 2 + 1`, TFM3003) and a failed `expect a % b == 0` (TFM4003).
 *
 * The report goes where the value to change was set, when that is in the user's spec. Which side
 * to change is a judgement: sizes people choose are round (768, 224, 16), so the side with fewer
 * factors of two is blamed — `heads = 10` against 256, but `image = 222` against a 16-pixel patch
 * (a pretrained patch size cannot change; the image size can) — unless the divisor exceeds the
 * dividend (`kv_heads` = 64 for 32 heads), which no multiple can fix sensibly. The help's edit writes the nearest
 * value that divides (or, when the blamed values of two keys look swapped, swaps them back).
 * A value given by `--set` is the user's latest, deliberate choice: when only one side came from
 * the command line, that side is blamed, and the help says which `--set` to give instead (the spec
 * is not edited for it).
 */
import type { Edit, Help, Label } from '../../diagnostics/diagnostic.js';
import { nearbyDivisors, nearestMultiples } from '../ops/helpers.js';
import type { ValueOrigin } from '../values.js';
import { editableOrigin, type Env, type Lowering } from './lowering.js';

/** One side of the division: how the spec writes it, its value, and where a config value was set. */
export interface Operand {
  name: string;
  value: number;
  origin?: ValueOrigin;
}

/**
 * Reports `x` not divisible by `y`. `fallback` is the primary label when the value to change was
 * not set in the user's spec; `requirement` labels the division or expectation that needs it.
 * `env` (when given) lets the help spot two config values typed into each other's lines.
 */
export function reportNotDivisible(ev: Lowering, code: 'TFM3003' | 'TFM4003', x: Operand, y: Operand, env: Env | undefined, fallback: Label, requirement: Label): void {
  const editable = (o: Operand) => editableOrigin(ev, o.origin) !== undefined;
  const fromCli = (o: Operand) => o.origin?.cli !== undefined;
  const setHere = (o: ValueOrigin, v: number): Label => ({ file: o.file, span: o.span, message: `\`${o.name}\` = ${v} is set ${o.cli ? `by \`--set ${o.cli}\`` : 'here'}` });
  const message = `\`${x.name}\` = ${x.value} is not divisible by \`${y.name}\` = ${y.value}`;
  if (fromCli(x) !== fromCli(y)) {
    const [blamed, other] = fromCli(x) ? [x, y] : [y, x];
    const secondary: Label[] = [...(other.origin && !ev.isLibraryFile(other.origin.file) ? [setHere(other.origin, other.value)] : []), requirement];
    ev.reporter.error(code, message, setHere(blamed.origin!, blamed.value), { secondary, help: cliHelp(x, y, fromCli(x)) });
    return;
  }
  // A divisor larger than its dividend (`kv_heads` = 64 for 32 heads) is wrong whatever its factors.
  const blameX = editable(x) && (!editable(y) || (y.value <= x.value && twos(x.value) < twos(y.value)));
  const [blamed, other] = blameX ? [x, y] : [y, x];
  const primary = editable(blamed) ? setHere(blamed.origin!, blamed.value) : y.origin && !ev.isLibraryFile(y.origin.file) ? setHere(y.origin, y.value) : fallback;
  const secondary: Label[] = [...(other.origin && editable(blamed) ? [setHere(other.origin, other.value)] : x.origin && !blameX ? [setHere(x.origin, x.value)] : []), requirement];
  ev.reporter.error(code, message, primary, {
    secondary,
    help: blameX ? multipleHelp(x, y) : divisorHelp(x, y, env, editable(y)),
  });
}

/** The `--set` to give instead, for the side that came from the command line (the dividend when `dividend`). */
function cliHelp(x: Operand, y: Operand, dividend: boolean): Help | undefined {
  const key = (dividend ? x : y).origin!.cli!.split('=')[0];
  if (dividend) {
    const choices = nearestMultiples(x.value, y.value);
    return { message: `give a multiple of ${y.value}: ${choices.map((v) => `\`--set ${key}=${v}\``).join(' or ')}` };
  }
  const tries = nearbyDivisors(x.value, y.value);
  if (!tries.length) return undefined;
  return { message: `${x.value} is divisible by ${tries.join(' and ')}: give ${tries.map((v) => `\`--set ${key}=${v}\``).join(' or ')}` };
}

/** Factors of two in n: 768 has 8, 222 has 1, 15 has none. */
function twos(n: number): number {
  let k = 0;
  while (n > 0 && n % 2 === 0 && k < 53) {
    n /= 2;
    k++;
  }
  return k;
}

/** Change the dividend to a multiple of the divisor (`image` = 222 → 224 for 16-pixel patches). */
function multipleHelp(x: Operand, y: Operand): Help {
  const [best, alt] = nearestMultiples(x.value, y.value);
  return {
    message: `make \`${x.name}\` a multiple of ${y.value}: ${best}${alt !== undefined ? ` (or ${alt})` : ''}`,
    edits: [{ file: x.origin!.file, span: x.origin!.span, text: String(best) }],
  };
}

/** Change the divisor to a nearby divisor, or swap it back with the config value it was swapped with. */
function divisorHelp(x: Operand, y: Operand, env: Env | undefined, editable: boolean): Help | undefined {
  const tries = nearbyDivisors(x.value, y.value);
  if (!tries.length) return undefined;
  const base = `${x.value} is divisible by ${tries.join(' and ')}: try ${y.name} = ${tries.join(' or ')}`;
  if (!editable) return { message: base };
  const at = (o: ValueOrigin, text: string): Edit => ({ file: o.file, span: o.span, text });
  const swapped = env ? configValues(env).find((c) => c.name !== y.origin!.name && c.name !== x.name && tries.includes(c.value) && c.origin && !c.origin.cli) : undefined;
  if (swapped) {
    return {
      message: `${base} (${swapped.value} is \`${swapped.name}\`'s value: were \`${y.origin!.name}\` and \`${swapped.name}\` swapped?)`,
      edits: [at(y.origin!, String(swapped.value)), at(swapped.origin!, String(y.value))],
    };
  }
  const nearest = [...tries].sort((a, b) => Math.abs(a - y.value) - Math.abs(b - y.value) || twos(b) - twos(a))[0];
  return { message: base, edits: [at(y.origin!, String(nearest))] };
}

/** The model's integer config values visible from `env`, in scope order. */
function configValues(env: Env): Array<{ name: string; value: number; origin?: ValueOrigin }> {
  const out: Array<{ name: string; value: number; origin?: ValueOrigin }> = [];
  for (const name of env.scope.names()) {
    const b = env.scope.lookup(name);
    if (b?.kind === 'config' && b.value.kind === 'int') out.push({ name, value: b.value.value, origin: b.value.origin });
  }
  return out;
}
