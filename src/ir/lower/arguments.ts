/**
 * Call arguments: evaluating them, matching them to the declared ones (positional, then named),
 * filling defaults, and checking each against its declared type.
 */
import type * as A from '../../syntax/ast.js';
import { didYouMean } from '../../util/did-you-mean.js';
import type { SourceRef } from '../source-ref.js';
import { describeValue, ERROR, isNumber, NONE, type ArgSpec, type InexactDivision, type Value, type ValueOrigin } from '../values.js';
import { reportNotDivisible } from './divisibility.js';
import { fmt, fmtInt } from './format-numbers.js';
import { maxLayers } from '../limits.js';
import type { Env, Hint, Lowering } from './lowering.js';
import { evalShape } from './tensor-types.js';
import { constDim } from '../dims.js';
import { exprText } from './expr-text.js';
import { didYouMeanHelp } from '../../diagnostics/suggest.js';

/** Arguments evaluated once (module applications and `repeat`). */
export interface EvaluatedArgs {
  positional: Array<{ value: Value; source: SourceRef }>;
  named: Array<{ name: string; nameSource: SourceRef; value: Value; source: SourceRef }>;
}

/**
 * A table keyed by names a spec chose: nothing on its prototype chain, so `constructor` is not
 * already "given" and `__proto__` is a plain key. Unlike `Object.create(null)`, which V8 keeps as
 * a slow dictionary, these are ordinary fast objects (bindArgs makes two per call).
 */
const NameTable = function NameTable() {} as unknown as new () => object;
NameTable.prototype = Object.create(null);

const NO_HINT: Hint = {};
const SYMBOLS: Hint = { symbols: true };
const enumHints = new WeakMap<ArgSpec, Hint>();

function hintFor(spec: ArgSpec): Hint {
  if (spec.type === 'string') return SYMBOLS;
  if (spec.type !== 'enum') return NO_HINT;
  let h = enumHints.get(spec);
  if (!h) enumHints.set(spec, (h = { members: spec.members }));
  return h;
}

/** The most layers one `repeat` may stack (and a primitive's `layers` argument may ask for): `TFMC_MAX_LAYERS`. */
export const MAX_REPEAT = maxLayers();

/** Sizes that must be positive when passed as an `int` to a primitive. */
const POSITIVE = new Set(['out', 'num', 'dim', 'max_len', 'heads', 'hidden', 'layers', 'patch', 'kernel', 'stride', 'buckets', 'max_distance', 'times', 'dilation', 'groups']);

export function evalArgs(ev: Lowering, args: readonly A.Arg[], env: Env): EvaluatedArgs {
  const out: EvaluatedArgs = { positional: [], named: [] };
  for (const a of args) {
    const value = ev.evalExpr(a.value, env);
    if (a.name) out.named.push({ name: a.name.name, nameSource: ev.ref(env, a.name), value, source: ev.ref(env, a.value) });
    else out.positional.push({ value, source: ev.ref(env, a.value) });
  }
  return out;
}

/**
 * Matches written arguments to declared ones (positional, then by name), evaluating each with
 * its declared type as a hint, filling defaults, and checking types.
 */
export function bindArgs(
  ev: Lowering,
  specs: readonly ArgSpec[],
  args: readonly A.Arg[] | EvaluatedArgs,
  env: Env,
  call: A.Expr,
  calleeName: string,
  declSource?: (name: string) => SourceRef | undefined,
): { values?: Record<string, Value>; sources: Record<string, SourceRef> } {
  // Keyed by argument names the spec chose: no prototype, so `constructor` is not already "given".
  const values = new NameTable() as Record<string, Value>;
  const sources = new NameTable() as Record<string, SourceRef>;
  let ok = true;
  // The written arguments, read in place (no list of them is built: this runs for every call).
  // AST arguments are evaluated lazily, with the declared type as a hint (an enum parameter
  // reads `gelu` as its member, not the function).
  const ast = Array.isArray(args) ? (args as readonly A.Arg[]) : undefined;
  const evaluated = ast ? undefined : (args as EvaluatedArgs);
  const count = ast ? ast.length : evaluated!.positional.length + evaluated!.named.length;
  let positional = 0;
  if (ast) {
    for (const a of ast) if (!a.name) positional++;
  } else positional = evaluated!.positional.length;
  let position = 0;
  for (let i = 0; i < count; i++) {
    const a = ast?.[i];
    const e: { value: Value; source: SourceRef; nameSource?: SourceRef } | undefined = evaluated && (i < positional ? evaluated.positional[i] : evaluated.named[i - positional]);
    const name = a ? a.name?.name : i < positional ? undefined : (e as EvaluatedArgs['named'][number]).name;
    const source = a ? ev.ref(env, a.value) : e!.source;
    let spec: ArgSpec | undefined;
    if (name === undefined) {
      spec = specs[position++];
      if (!spec) {
        ev.reporter.error('TFM2008', `${calleeName} takes ${specs.length} argument${specs.length === 1 ? '' : 's'}, but ${positional} ${positional === 1 ? 'was' : 'were'} given`, { ...source, message: 'unexpected argument' }, {
          help: specs.length ? `its arguments are ${specs.map((s) => `\`${s.name}\``).join(', ')}` : undefined,
        });
        argValue(ev, env, a, e, SYMBOLS);
        ok = false;
        continue;
      }
    } else {
      spec = specs.find((s) => s.name === name);
      if (!spec) {
        const at = nameSourceOf(ev, env, a, e, source);
        ev.reporter.error('TFM2005', `${calleeName} has no argument named \`${name}\``, { ...at, message: 'unknown argument' }, {
          help: didYouMeanHelp(name, specs.map((s) => s.name), at, specs.length ? `its arguments are ${specs.map((s) => `\`${s.name}\``).join(', ')}` : undefined),
        });
        argValue(ev, env, a, e, SYMBOLS);
        ok = false;
        continue;
      }
    }
    if (spec.name in values) {
      ev.reporter.error('TFM2007', `argument \`${spec.name}\` of ${calleeName} is given twice`, nameSourceOf(ev, env, a, e, source), {
        secondary: [{ ...sources[spec.name], message: 'first given here' }],
      });
      ok = false;
      continue;
    }
    const v = argValue(ev, env, a, e, hintFor(spec), spec);
    sources[spec.name] = source;
    values[spec.name] = checkArgType(ev, spec, v, source, calleeName, a?.value);
    if (values[spec.name].kind === 'error') ok = ok && v.kind !== 'error' ? true : ok; // poison flows on
  }
  let callSite: SourceRef | undefined; // where the defaults are "written": one ref for all of them
  for (const spec of specs) {
    if (spec.name in values) continue;
    if (spec.default === undefined) {
      const decl = declSource?.(spec.name);
      ev.reporter.error('TFM2006', `${calleeName} is missing its argument \`${spec.name}\``, { ...ev.ref(env, call), message: `\`${spec.name}\` is required` }, {
        secondary: decl ? [{ ...decl, message: 'declared here' }] : [],
        help: `add \`${spec.name}: ...\`${spec.doc ? ` (${spec.doc})` : ''}`,
      });
      ok = false;
      continue;
    }
    values[spec.name] = spec.default === null ? NONE : spec.default;
    sources[spec.name] = callSite ??= ev.ref(env, call);
  }
  return { values: ok ? values : undefined, sources };
}

/** A written argument's value: already evaluated (`e`), or its expression `a` evaluated now. */
function argValue(ev: Lowering, env: Env, a: A.Arg | undefined, e: { value: Value } | undefined, hint: Hint, spec?: ArgSpec): Value {
  if (e) return e.value;
  // In a shape argument, names are dimensions: a model's `batch`, a block's `B`.
  if (spec?.type === 'shape' && a!.value.kind === 'ListExpr') return evalShape(ev, a!.value, env);
  return ev.evalExpr(a!.value, env, hint);
}

/** Where a mistake about an argument's name goes (its value, `source`, when it has none). */
function nameSourceOf(ev: Lowering, env: Env, a: A.Arg | undefined, e: { nameSource?: SourceRef } | undefined, source: SourceRef): SourceRef {
  if (a) return a.name ? ev.ref(env, a.name) : source;
  return e?.nameSource ?? source;
}

export function checkArgType(ev: Lowering, spec: ArgSpec, v: Value, source: SourceRef, calleeName: string, expr?: A.Expr): Value {
  if (v.kind === 'error') return v;
  const bad = (expected: string, help?: string) => badArg(ev, spec, v, source, calleeName, expected, help);
  switch (spec.type) {
    case 'int':
      if (v.kind === 'float') {
        reportFloat(ev, spec, v, source, calleeName, expr);
        return ERROR;
      }
      if (v.kind !== 'int') return bad('an integer');
      if (spec.name === 'layers' && v.value > MAX_REPEAT) {
        ev.reporter.error('TFM4008', `argument \`layers\` of ${calleeName} is ${fmtInt(v.value)}, beyond the supported ${fmtInt(MAX_REPEAT)}`, source);
        return ERROR;
      }
      if (POSITIVE.has(spec.name) && v.value <= 0) {
        ev.reporter.error('TFM3010', `argument \`${spec.name}\` of ${calleeName} must be positive, but this is ${v.value}`, source, {
          secondary: v.origin && v.origin.file !== source.file || (v.origin && v.origin.span !== source.span) ? [{ file: v.origin!.file, span: v.origin!.span, message: `\`${v.origin!.name}\` = ${v.value} is set ${v.origin!.cli ? `by \`--set ${v.origin!.cli}\`` : 'here'}` }] : [],
        });
        return ERROR;
      }
      return v;
    case 'float':
      return isNumber(v) ? { kind: 'float', value: v.value, origin: v.origin } : bad('a number');
    case 'bool':
      return v.kind === 'bool' ? v : bad('`true` or `false`');
    case 'enum': {
      const members = spec.members ?? [];
      if (v.kind !== 'enum') {
        // `pool: cls` after `let cls = ClsToken(...)`: the binding hides the option of the same name.
        const hidden = expr?.kind === 'NameExpr' && members.includes(expr.name) ? expr.name : undefined;
        const help = hidden && `\`${hidden}\` here names your own binding, which hides the option \`${hidden}\`: rename the binding (e.g. \`${hidden}_${v.kind === 'module' ? 'layer' : 'value'}\`)`;
        return bad(`one of ${members.map((m) => `\`${m}\``).join(', ')}`, help);
      }
      if (members.length && !members.includes(v.name)) {
        ev.reporter.error('TFM4002', `\`${v.name}\` is not a valid \`${spec.name}\` for ${calleeName}`, source, {
          help: didYouMeanHelp(v.name, members, source, `expected one of ${members.map((m) => `\`${m}\``).join(', ')}`),
        });
        return ERROR;
      }
      return v;
    }
    case 'tensor':
      if (v.kind === 'none' && spec.default === null) return v;
      return v.kind === 'tensor' ? v : bad('a tensor', v.kind === 'module' ? 'apply the layer to an input first: `layer(x)`' : undefined);
    case 'module':
      if (v.kind === 'none' && spec.default === null) return v;
      return v.kind === 'module' ? v : bad('a layer');
    case 'string':
      return v;
    case 'shape':
      return v.kind === 'shape' ? v : asShape(ev, v) ?? bad('a list of dimensions, like `[batch, seq, 4, 16]`');
    case 'ints':
      return v.kind === 'list' && v.items.every((x) => x.kind === 'int' || x.kind === 'error') ? v : bad('a list of integers, like `[0, 2, 1, 3]`');
    case 'tensors':
      return v.kind === 'list' && v.items.every((x) => x.kind === 'tensor' || x.kind === 'error') ? v : bad('a list of tensors, like `[a, b, c]`');
    case 'parts':
      return v.kind === 'tensor' || (v.kind === 'list' && v.items.length > 0 && v.items.every((x) => x.kind === 'tensor' || x.kind === 'error')) ? v : bad('a tensor or a list of tensors, like `[a, b, c]`');
    case 'operand':
      return v.kind === 'tensor' || isNumber(v) ? v : bad('a tensor or a number');
  }
}

/** A list of integers (bound to a name before the call) read as a shape. */
function asShape(ev: Lowering, v: Value): Value | undefined {
  if (v.kind !== 'list' || !v.items.every((x) => x.kind === 'int' && x.value > 0)) return undefined;
  return { kind: 'shape', dims: v.items.map((x) => constDim((x as { value: number }).value)), sources: v.sources };
}

function badArg(ev: Lowering, spec: ArgSpec, v: Value, source: SourceRef, calleeName: string, expected: string, help?: string): Value {
  // `norm: "pre"`: the member written as a string.
  const quoted = spec.type === 'enum' && v.kind === 'string' && spec.members?.includes(v.value) ? v.value : undefined;
  const fix = quoted ? { message: `enum values are written without quotes: \`${quoted}\``, edits: [{ ...source, text: quoted }] } : help;
  ev.reporter.error('TFM4001', `argument \`${spec.name}\` of ${calleeName} must be ${expected}, but this is ${describeValue(v)}`, source, { help: fix });
  return ERROR;
}

/**
 * A float where an integer is required. A whole float (`2.5 * d_model` = 640.0) is still a float:
 * the fix is on the line that computed it, where the primary label goes when the value remembers it.
 */
function reportFloat(ev: Lowering, spec: ArgSpec, v: { value: number; origin?: ValueOrigin; division?: InexactDivision }, source: SourceRef, calleeName: string, expr?: A.Expr): void {
  const d = v.division;
  if (d && (d.x.origin || d.y.origin)) {
    // Not whole because a division of config values did not divide: that division is the mistake.
    reportNotDivisible(ev, 'TFM3003', d.x, d.y, undefined, source, { ...d.at, message: `\`${d.x.name} / ${d.y.name}\` must be a whole number for \`${spec.name}\` of ${calleeName}` });
    return;
  }
  const named = v.origin ? `\`${v.origin.name}\`` : 'this';
  const whole = Number.isInteger(v.value);
  const message = whole
    ? `argument \`${spec.name}\` of ${calleeName} must be an integer, but ${named} is the float ${fmt(v.value)}.0`
    : `argument \`${spec.name}\` of ${calleeName} must be a whole number, but ${named} is ${fmt(v.value)}`;
  const integral = whole && expr && !v.origin ? integerForm(expr) : undefined;
  const at = v.origin && !v.origin.cli ? v.origin : source;
  const help = whole
    ? {
        message: integral
          ? `arithmetic with a float gives a float even when the result is whole: compute it with integers, \`${integral}\` (\`/\` of integers that divide exactly is an integer)`
          : `arithmetic with a float gives a float even when the result is whole: write \`${v.value}\`, or compute it with integers (\`/\` of integers that divide exactly is an integer: \`5 * d_model / 2\`, not \`2.5 * d_model\`)`,
        edits: [{ file: at.file, span: at.span, text: integral ?? String(v.value) }],
      }
    : 'round it in the config to the size meant';
  if (v.origin && !v.origin.cli) {
    ev.reporter.error('TFM3011', message, { file: v.origin.file, span: v.origin.span, message: whole ? `\`${v.origin.name}\` is a float` : `\`${v.origin.name}\` is ${fmt(v.value)}` }, {
      secondary: [{ ...source, message: `used as \`${spec.name}\` here` }],
      help,
    });
    return;
  }
  ev.reporter.error('TFM3011', message, v.origin?.cli ? { ...source, message: `set by \`--set ${v.origin.cli}\`` } : source, { help });
}

/**
 * `2.5 * d_model` as integer arithmetic, `5 * d_model / 2`: a float literal that is a fraction
 * p/q with a small q, times an integer expression. Undefined for any other shape of expression.
 */
function integerForm(e: A.Expr): string | undefined {
  if (e.kind !== 'BinaryExpr' || e.op !== '*') return undefined;
  const [lit, other] = e.left.kind === 'FloatLit' ? [e.left, e.right] : e.right.kind === 'FloatLit' ? [e.right, e.left] : [];
  if (!lit || !other || lit.kind !== 'FloatLit') return undefined;
  const text = other.kind === 'BinaryExpr' ? `(${exprText(other)})` : exprText(other);
  for (let q = 1; q <= 16; q++) {
    const p = lit.value * q;
    if (Math.abs(p - Math.round(p)) < 1e-9) {
      const times = Math.round(p) === 1 ? text : `${Math.round(p)} * ${text}`;
      return q === 1 ? times : `${times} / ${q}`;
    }
  }
  return undefined;
}
