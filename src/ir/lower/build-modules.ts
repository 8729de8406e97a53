/**
 * Building modules from constructor calls: a primitive layer (`Linear(d, 4 * d)`), a block with
 * its parameters bound (`EncoderLayer(d_model, heads)`) and a `repeat` stack. Each takes its path
 * in the module tree here; it runs only when applied (apply-modules.ts).
 */
import type * as A from '../../syntax/ast.js';
import { didYouMean } from '../../util/did-you-mean.js';
import type { SourceRef } from '../source-ref.js';
import { describeValue, ERROR, type ArgSpec, type BlockModule, type LayerModule, type LayerOpDef, type ModuleValue, type RepeatModule, type Value } from '../values.js';
import { bindArgs, checkArgType, MAX_REPEAT } from './arguments.js';
import { quotedName } from './quoted-name.js';
import { reportNotDivisible } from './divisibility.js';
import { exprText } from './expr-text.js';
import { fmt, fmtInt } from './format-numbers.js';
import { editableOrigin, type Env, type Lowering } from './lowering.js';
import { Scope } from './scope.js';
import { didYouMeanHelp } from '../../diagnostics/suggest.js';

const PARAM_TYPES = ['int', 'float', 'bool', 'layer', 'tensor'];

function namedType(name: string): ArgSpec['type'] {
  return name === 'int' ? 'int' : name === 'float' ? 'float' : name === 'bool' ? 'bool' : name === 'tensor' ? 'tensor' : name === 'layer' ? 'module' : 'string';
}

/** The nesting depth of a module path (`decoder.layers.3` is 2). */
function depthOf(path: string): number {
  let n = 0;
  for (let i = path.indexOf('.'); i >= 0; i = path.indexOf('.', i + 1)) n++;
  return n;
}

/** `repeat n { body }`: a stack whose layers are built from the body when it is first applied. */
export function evalRepeat(ev: Lowering, e: A.RepeatExpr, env: Env): Value {
  const c = ev.evalExpr(e.count, env);
  if (c.kind === 'error') return ERROR;
  if (c.kind !== 'int') {
    const set = c.kind === 'float' ? editableOrigin(ev, c.origin) : undefined;
    const whole = c.kind === 'float' && Number.isInteger(c.value) && c.value > 0;
    ev.reporter.error(c.kind === 'float' ? 'TFM3011' : 'TFM4001', `a repeat count must be a whole number, but this is ${c.kind === 'float' ? `the float ${fmt(c.value)}${Number.isInteger(c.value) ? '.0' : ''}` : describeValue(c)}`, set ? { file: set.file, span: set.span, message: `\`${set.name}\` is set here` } : ev.ref(env, e.count), {
      secondary: set ? [{ ...ev.ref(env, e.count), message: 'used as a repeat count here' }] : [],
      help: set && whole ? { message: `write the integer \`${c.value}\``, edits: [{ file: set.file, span: set.span, text: String(c.value) }] } : undefined,
    });
    return ERROR;
  }
  if (c.value <= 0) {
    const set = editableOrigin(ev, c.origin);
    const at = set ? { file: set.file, span: set.span, message: `\`${set.name}\` = ${c.value} is set here` } : ev.ref(env, e.count);
    ev.reporter.error('TFM3010', `a repeat count must be positive, but this is ${c.value}`, at, {
      secondary: set ? [{ ...ev.ref(env, e.count), message: 'the stack repeats this many layers' }] : [],
      help: { message: 'a stack needs at least one layer', edits: [{ file: at.file, span: at.span, text: '1' }] },
    });
    return ERROR;
  }
  if (c.value > MAX_REPEAT) {
    // The graph holds every layer: an absurd count would exhaust memory instead of failing.
    ev.reporter.error('TFM4008', `a repeat count of ${fmtInt(c.value)} is beyond the supported ${fmtInt(MAX_REPEAT)} layers`, ev.ref(env, e.count), {
      help: 'real stacks have tens to hundreds of layers: check the config value',
    });
    return ERROR;
  }
  const path = newModulePath(env, e, 'layers');
  const build = (index: number, layerPath: string): ModuleValue | undefined => {
    const saved = [env.forcedPath, env.direct, env.stmtName] as const;
    env.forcedPath = layerPath;
    env.direct = undefined;
    try {
      const v = ev.evalExpr(e.body, env);
      if (v.kind === 'module') {
        // The one layer of a shared stack lives at the stack's path, which names the stack.
        const info = e.shared ? ev.graph.modules.get(path) : undefined;
        if (info) {
          info.layer = layerKind(v.module);
          if (v.module.kind === 'layer') info.primitive = true;
        }
        return v.module;
      }
      if (v.kind !== 'error') {
        ev.reporter.error('TFM2018', `the body of \`repeat\` must build a layer or block, but this is ${describeValue(v)}`, ev.ref(env, e.body), {
          help: 'write the block to stack, e.g. `repeat layers { EncoderLayer(d_model, heads) }`',
        });
      }
      return undefined;
    } finally {
      [env.forcedPath, env.direct, env.stmtName] = saved;
    }
    void index;
  };
  const m: RepeatModule = { kind: 'repeat', path, source: ev.ref(env, e), applied: 0, count: c.value, shared: e.shared, body: e.body, build, layers: [] };
  ev.graph.module({ path, kind: e.shared ? `repeat ${c.value} shared` : `repeat ${c.value}`, depth: depthOf(path), source: m.source });
  return { kind: 'module', module: m };
}

function layerKind(m: ModuleValue): string {
  if (m.kind === 'layer') return m.op.name;
  if (m.kind === 'block') return m.block.decl.name.name;
  return m.shared ? `repeat ${m.count} shared` : `repeat ${m.count}`;
}

/** Per scope of module names (`Env.moduleNames`): the next suffix to try for each base name. */
const nextSuffix = new WeakMap<Set<string>, Map<string, number>>();

/** The path of a new module: forced (repeat layer), the `let` name, or the statement's name. */
function newModulePath(env: Env, e: A.Expr, kind: string): string {
  if (env.forcedPath !== undefined) {
    const p = env.forcedPath;
    env.forcedPath = undefined;
    return p;
  }
  let base: string;
  if (env.direct && env.direct.expr === e) base = env.direct.name;
  else base = env.stmtName && env.stmtName !== 'out' ? env.stmtName : kind.toLowerCase();
  let name = base;
  if (env.moduleNames.has(name)) {
    // Names are never released, so the next free suffix of `base` is past the last one taken:
    // probing from 1 each time made `h = Linear(d)(h)` written n times cost n² (issue 15).
    let next = nextSuffix.get(env.moduleNames);
    if (!next) nextSuffix.set(env.moduleNames, (next = new Map()));
    let i = next.get(base) ?? 1;
    while (env.moduleNames.has((name = `${base}_${i}`))) i++;
    next.set(base, i + 1);
  }
  env.moduleNames.add(name);
  return env.prefix ? `${env.prefix}.${name}` : name;
}

/** A primitive layer with its configuration bound (`Linear(d_model, 4 * d_model)`). */
export function makeLayer(ev: Lowering, op: LayerOpDef, values: Record<string, Value>, sources: Record<string, SourceRef>, e: A.Expr, env: Env): Value {
  const path = newModulePath(env, e, op.name);
  const m: LayerModule = { kind: 'layer', op, args: values, argSources: sources, path, source: ev.ref(env, e), applied: 0 };
  ev.graph.module({ path, kind: op.name, depth: depthOf(path), source: m.source, primitive: true });
  return { kind: 'module', module: m };
}

/** A block with its parameters bound (defaults evaluated in order); its body runs when it is applied. */
export function makeBlock(ev: Lowering, block: BlockModule['block'], e: A.CallExpr, env: Env): Value {
  const decl = block.decl;
  const name = quotedName(decl.name.name);
  const blockEnvScope = new Scope(ev.globalsOf(block.file));
  for (const p of decl.params) {
    if (p.type?.kind === 'NamedType' && !PARAM_TYPES.includes(p.type.name.name) && p.type.name.name) {
      ev.reporter.error('TFM2001', `unknown parameter type \`${p.type.name.name}\``, { file: block.file, span: p.type.span }, {
        help: didYouMeanHelp(p.type.name.name, PARAM_TYPES, { file: block.file, span: p.type.span }, `parameter types are ${PARAM_TYPES.map((t) => `\`${t}\``).join(', ')} and enum(...)`),
      });
      return ERROR;
    }
  }
  const specs: ArgSpec[] = decl.params.map((p) => ({
    name: p.name.name,
    type: p.type?.kind === 'EnumType' ? 'enum' : p.type?.kind === 'NamedType' ? namedType(p.type.name.name) : 'string',
    members: p.type?.kind === 'EnumType' ? p.type.members.map((m) => m.name) : undefined,
    default: p.default ? { kind: 'error' } : undefined, // placeholder: defaults are evaluated below, in order
    doc: '',
  }));
  const { values, sources } = bindArgs(ev, specs, e.args, env, e, name, (n) => {
    const p = decl.params.find((q) => q.name.name === n);
    return p ? { file: block.file, span: p.name.span } : undefined;
  });
  if (!values) return ERROR;
  // Defaults may refer to earlier parameters: `d_k: int = d_model / heads`.
  const params = new Map<string, Value>();
  const defaultEnv: Env = { ...ev.childEnv(env, block.file, blockEnvScope, env.prefix), isModel: false };
  for (const p of decl.params) {
    let v = values[p.name.name];
    const given = sources[p.name.name] && !(sources[p.name.name].span === e.span && p.default);
    if (!given && p.default) {
      const spec = specs.find((s) => s.name === p.name.name)!;
      const raw = ev.evalExpr(p.default, defaultEnv, spec.type === 'enum' ? { members: spec.members } : { symbols: !p.type });
      if (spec.type === 'int' && raw.kind === 'float' && p.default.kind === 'BinaryExpr' && p.default.op === '/') {
        notDivisible(ev, p.default, defaultEnv, e, env);
        return ERROR;
      }
      v = checkArgType(ev, { ...spec, default: undefined }, raw, { file: block.file, span: p.default.span }, name);
    }
    if (v.kind === 'error') return ERROR;
    // A number passed to a block remembers where it was written, so a mistake found deep inside
    // the block (`Dropout(10)`) is reported at the argument or config line that set it.
    if (given && (v.kind === 'int' || v.kind === 'float') && !v.origin && !ev.isLibraryFile(sources[p.name.name].file)) {
      const at = sources[p.name.name];
      const origin = { file: at.file, span: at.span, name: p.name.name };
      v = v.kind === 'int' ? { kind: 'int', value: v.value, origin } : { ...v, origin };
    }
    params.set(p.name.name, v);
    blockEnvScope.set(p.name.name, { value: v, kind: 'param', source: { file: block.file, span: p.name.span } });
  }
  const path = newModulePath(env, e, decl.name.name);
  const m: BlockModule = { kind: 'block', block, params, path, source: ev.ref(env, e), applied: 0 };
  ev.graph.module({ path, kind: decl.name.name, depth: depthOf(path), source: m.source });
  return { kind: 'module', module: m };
}

/** TFM3003: an integer parameter defaults to an inexact division (`d_k = d_model / heads` with 512 and 6). */
function notDivisible(ev: Lowering, div: A.BinaryExpr, defaultEnv: Env, call: A.Expr, env: Env): void {
  const l = ev.quiet(() => ev.evalExpr(div.left, defaultEnv));
  const r = ev.quiet(() => ev.evalExpr(div.right, defaultEnv));
  if (l.kind !== 'int' || r.kind !== 'int') return;
  const x = { name: div.left.kind === 'NameExpr' ? div.left.name : exprText(div.left), value: l.value, origin: l.origin };
  const y = { name: div.right.kind === 'NameExpr' ? div.right.name : exprText(div.right), value: r.value, origin: r.origin };
  reportNotDivisible(ev, 'TFM3003', x, y, env, { ...ev.ref(env, call), message: `${x.name} = ${x.value}, ${y.name} = ${y.value}` }, {
    file: defaultEnv.file,
    span: div.span,
    message: `\`${exprText(div)}\` must be a whole number`,
  });
}
