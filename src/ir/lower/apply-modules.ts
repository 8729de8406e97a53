/**
 * Applying a module to its inputs: a layer emits its op, a block runs its body in a fresh scope
 * with its ports bound (and checked against their declared types), a `repeat` threads its input
 * through each layer, copying a layer that maps its input shape to itself instead of re-running it.
 */
import type { Edit, Label } from '../../diagnostics/diagnostic.js';
import type * as A from '../../syntax/ast.js';
import { spanCover, type Span } from '../../diagnostics/spans.js';
import { constValue, dimEquals, renderDim, renderShape, resolve, unify, unifyBroadcast } from '../dims.js';
import type { SourceRef } from '../source-ref.js';
import type { TensorValue } from '../types.js';
import { ERROR, NONE, type ArgSpec, type BlockModule, type ModuleValue, type RepeatModule, type Value } from '../values.js';
import { bindArgs, MAX_REPEAT, type EvaluatedArgs } from './arguments.js';
import { quotedName } from './quoted-name.js';
import { fmtInt } from './format-numbers.js';
import { GraphTooLarge } from '../limits.js';
import { editableOrigin, type Env, type Lowering } from './lowering.js';
import { applyOp } from './op-context.js';
import { collectLater, Scope } from './scope.js';
import { dtypeOf, evalDim } from './tensor-types.js';

let layerCloning = true;
let layersCopied = 0;
/** How many stack layers were built by copying (tests check the fast path is taken). */
export function layerCopyCount(): number {
  return layersCopied;
}
/** Turns the copying of identical stack layers off (tests compare both ways). */
export function setLayerCloning(on: boolean): void {
  layerCloning = on;
}

function sameShape(a: TensorValue, b: TensorValue): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => dimEquals(d, b.shape[i]));
}

/** Applies a layer, block or stack to its inputs, recording the module's output shape. */
export function applyModule(ev: Lowering, m: ModuleValue, args: EvaluatedArgs, call: A.Expr, env: Env): Value {
  let result: Value;
  if (m.kind === 'layer') {
    const { values, sources } = bindArgs(ev, m.op.inputs, args, env, call, quotedName(m.op.name));
    if (!values) return ERROR;
    result = applyOp(ev, m.op, m.args, m.argSources, call, env, m, values, sources);
  } else if (m.kind === 'block') {
    result = applyBlock(ev, m, args, call, env);
  } else {
    result = applyRepeat(ev, m, args, call, env);
  }
  m.applied++;
  if (result.kind === 'tensor') {
    const info = ev.graph.modules.get(m.path);
    if (info) ev.graph.moduleOutput(info, result.tensor);
  }
  return result;
}

function applyRepeat(ev: Lowering, m: RepeatModule, args: EvaluatedArgs, call: A.Expr, env: Env): Value {
  if (args.positional.length === 0) {
    ev.reporter.error('TFM2006', 'a stack must be applied to an input: `layers(x)`', ev.ref(env, call));
    return ERROR;
  }
  // Stacks inside stacks multiply: the bound is on the layers the outermost one expands to.
  const total = (ev.expanding[ev.expanding.length - 1]?.total ?? 1) * m.count;
  if (total > MAX_REPEAT) return tooManyLayers(ev, m, total);
  ev.expanding.push({ repeat: m, total });
  try {
    return stackLayers(ev, m, args, call, env);
  } catch (err) {
    if (err instanceof GraphTooLarge) err.at = m.source; // the outermost stack wins, being the last to unwind
    throw err;
  } finally {
    ev.expanding.pop();
  }
}

function tooManyLayers(ev: Lowering, m: RepeatModule, total: number): Value {
  const stacks = [...ev.expanding.map((x) => x.repeat), m];
  const outer = stacks[0];
  const product = stacks.map((s) => fmtInt(s.count)).join(' × ');
  ev.reporter.error('TFM4010', `these nested stacks expand to ${fmtInt(total)} layers (${product}), beyond the supported ${fmtInt(MAX_REPEAT)}`, { ...outer.source, message: `expands to ${fmtInt(total)} layers` }, {
    secondary: stacks.slice(1).map((s) => ({ ...s.source, message: `${fmtInt(s.count)} layers per copy of the stack around it` })),
    notes: ['every layer of every stack is a separate part of the graph, so nesting multiplies their number'],
    help: `real models stack tens to hundreds of layers: check the counts (TFMC_MAX_LAYERS raises the limit of ${fmtInt(MAX_REPEAT)})`,
  });
  return ERROR;
}

function stackLayers(ev: Lowering, m: RepeatModule, args: EvaluatedArgs, call: A.Expr, env: Env): Value {
  let carried = args.positional[0];
  for (let i = 0; i < m.count; i++) {
    const fresh = !m.layers[i] && !m.shared;
    const mark = fresh ? ev.graph.mark() : undefined;
    const layer: ModuleValue | undefined = m.layers[i] ?? (m.shared && m.layers[0] ? m.layers[0] : buildLayer(m, i));
    if (!layer) return ERROR;
    m.layers[i] = layer;
    const errors = ev.reporter.errorCount;
    const input = carried.value;
    const out = applyModule(ev, layer, { positional: [carried, ...args.positional.slice(1)], named: args.named }, call, env);
    if (out.kind !== 'tensor') return out.kind === 'error' ? ERROR : out;
    carried = { value: out, source: ev.ref(env, call) };
    // A layer that maps its input shape to itself computes the same graph for every copy:
    // the remaining layers are copies of this one with renamed parameters (a 12-layer stack
    // costs one layer's evaluation).
    if (mark && layerCloning && i + 1 < m.count && input.kind === 'tensor' && ev.reporter.errorCount === errors && sameShape(input.tensor, out.tensor) && input.tensor.dtype === out.tensor.dtype) {
      const end = ev.graph.mark();
      let x = out.tensor;
      layersCopied += m.count - i - 1;
      for (let j = i + 1; j < m.count; j++) x = ev.graph.cloneRange(mark, end, input.tensor.id, x, out.tensor, `${m.path}.${i}`, `${m.path}.${j}`);
      const info = ev.graph.modules.get(m.path);
      if (info) ev.graph.moduleOutput(info, x);
      return { kind: 'tensor', tensor: x };
    }
  }
  return carried.value;
}

function buildLayer(m: RepeatModule, i: number): ModuleValue | undefined {
  return m.build(i, m.shared ? m.path : `${m.path}.${i}`);
}

function applyBlock(ev: Lowering, m: BlockModule, args: EvaluatedArgs, call: A.Expr, env: Env): Value {
  const decl = m.block.decl;
  const name = quotedName(decl.name.name);
  const ports = decl.body.filter((s): s is A.InputDecl => s.kind === 'InputDecl' && s.keyword === 'in');
  const specs: ArgSpec[] = ports.map((p) => ({ name: p.name.name, type: 'tensor', default: p.optional ? null : undefined, doc: '' }));
  const portDecl = (n: string) => {
    const p = ports.find((q) => q.name.name === n);
    return p ? { file: m.block.file, span: p.name.span } : undefined;
  };
  const { values, sources } = bindArgs(ev, specs, args, env, call, name, portDecl);
  if (!values) return ERROR;
  // A block that contains itself would expand forever (or exponentially, if it does so twice).
  const cycleStart = ev.reporter.frames.findIndex((f) => f.decl === decl);
  if (cycleStart >= 0) {
    const chain = [...ev.reporter.frames.slice(cycleStart).map((f) => f.block), decl.name.name].join(' → ');
    ev.reporter.error('TFM2004', `${name} contains itself: ${chain}`, ev.ref(env, call), {
      secondary: [{ file: m.block.file, span: decl.name.span, message: `\`${decl.name.name}\` is defined here` }],
      help: 'a block cannot contain itself; to stack copies, use `repeat n { ... }`',
    });
    return ERROR;
  }
  const scope = new Scope(ev.globalsOf(m.block.file));
  for (const [k, v] of m.params) scope.set(k, { value: v, kind: 'param', source: { file: m.block.file, span: decl.params.find((p) => p.name.name === k)!.name.span } });
  const inner = ev.childEnv(env, m.block.file, scope, m.path);
  if (m.applied > 0) {
    // A shared block re-uses its parameters: same paths, checked against the first application.
  }
  collectLater(decl.body, inner.later, m.block.file);
  const errorsBefore = ev.reporter.errorCount;
  ev.reporter.enter(decl.name.name, decl, ev.ref(env, call));
  ev.reporter.instantiated.add(decl);
  try {
    for (const s of decl.body) {
      if (inner.aborted) break;
      if (s.kind === 'InputDecl' && s.keyword === 'in') {
        if (s.constraints.length) {
          ev.reporter.error('TFM1006', '`where` bounds belong to model inputs, not block ports', { file: m.block.file, span: spanCover(s.constraints[0].span, s.constraints[s.constraints.length - 1].span) }, {
            help: 'bound the model input instead: `input ids: int32[batch, seq] where seq <= ctx`',
          });
        }
        if (s.range) {
          ev.reporter.error('TFM1006', 'value ranges belong to model inputs, not block ports', { file: m.block.file, span: s.range.span }, {
            help: 'declare the range on the model input: `input ids: int32[batch, seq] in [0, vocab)`',
          });
        }
        const v = values[s.name.name];
        const caller = { scope: env.scope, construction: m.source, queries: sources[firstPort(decl)], memory: sources.memory };
        ev.bind(inner, s.name, v.kind === 'none' ? NONE : checkPort(ev, s, v, sources[s.name.name], inner, decl.name.name, caller), 'port');
        continue;
      }
      ev.runStmt(s, inner);
    }
    if (inner.outs.length === 0 && ev.reporter.errorCount === errorsBefore && !inner.aborted) {
      ev.reporter.error('TFM4006', `${name} has no \`out\``, { file: m.block.file, span: decl.name.span }, { help: 'end the block with `out <value>`' });
      for (const r of inner.records ?? []) r.used = true; // its values had nowhere to go: one report
      return ERROR;
    }
    if (inner.outs.length === 0) return ERROR;
    if (inner.outs.length === 1 || inner.outs.every((o) => !o.name)) return inner.outs[inner.outs.length - 1].value;
    const first = inner.outs[0].value;
    if (first.kind !== 'tensor') return first;
    const fields: Record<string, TensorValue> = { ...(first.fields ?? {}) };
    for (const o of inner.outs) if (o.name && o.value.kind === 'tensor') fields[o.name] = o.value.tensor;
    return { kind: 'tensor', tensor: first.tensor, fields };
  } finally {
    ev.reporter.leave();
  }
}

/** Checks an argument against a port's declared dtype and shape (binding its shape variables). */
/**
 * `caller`: the scope the block is applied in and where it was constructed; a fix of a construction
 * argument written there may name the config key that holds the size.
 */
interface Caller {
  scope: Scope;
  construction: SourceRef;
  /** Where the call passed the block's first port (the queries of its attention) and `memory:`, when it did. */
  queries?: SourceRef;
  memory?: SourceRef;
}

function checkPort(ev: Lowering, port: A.InputDecl, v: Value, argSource: SourceRef, env: Env, block: string, caller: Caller): Value {
  if (v.kind !== 'tensor') return v;
  const t = v.tensor;
  const dtype = dtypeOf(ev, port.type, env);
  const declared: Label = { file: env.file, span: port.type.span, message: `\`${port.name.name}\` is declared here` };
  if (dtype && dtype !== t.dtype) {
    ev.reporter.error('TFM3009', `\`${port.name.name}\` of \`${block}\` expects ${dtype}, but this is ${t.dtype}`, { ...argSource, message: `this is ${t.dtype}` }, {
      secondary: [declared],
      help: t.dtype === 'int32' && dtype === 'float32' ? 'embed token ids first: `Embedding(vocab, d_model)(ids)`' : undefined,
    });
    return ERROR;
  }
  const shape = port.type.dims.map((d) => evalDim(ev, d, env, 'block'));
  const isMask = dtype === 'mask';
  const expected = renderShape(shape);
  if (t.shape.length !== shape.length) {
    ev.reporter.error('TFM3004', `\`${port.name.name}\` of \`${block}\` expects rank ${shape.length} \`${expected}\`, but this is \`${renderShape(t.shape)}\``, { ...argSource, message: `this is \`${renderShape(t.shape)}\`` }, {
      secondary: [declared],
    });
    return ERROR;
  }
  for (let i = 0; i < shape.length; i++) {
    const ok = isMask ? unifyBroadcast(t.shape[i], shape[i]).ok : unify(t.shape[i], shape[i]);
    if (!ok) {
      const isMemory = port.name.name === 'memory' || port.name.name === 'kv';
      const got = renderDim(t.shape[i]);
      const want = renderDim(shape[i]);
      const message = isMemory && i === shape.length - 1
        ? `cross-attention memory has width ${got}, but \`${block}\` attends with width ${want}`
        : isMask
          ? `mask of shape \`${renderShape(t.shape)}\` does not fit \`${port.name.name}\` of \`${block}\` (\`${renderShape(shape)}\`)`
          : `\`${port.name.name}\` of \`${block}\` expects \`${renderShape(shape)}\`, but this is \`${renderShape(t.shape)}\``;
      const dimLabels: Label[] = [];
      const r = resolve(t.shape[i]);
      if (r.kind === 'const' && r.origin) dimLabels.push({ file: r.origin.file, span: r.origin.span, message: `${r.value} comes from ${r.origin.what}` });
      const w = resolve(shape[i]);
      if (w.kind === 'const' && w.origin) dimLabels.push({ file: w.origin.file, span: w.origin.span, message: `${w.value} comes from ${w.origin.what}` });
      // The expected size was passed to the block by the user (`ClassifierHead(4 * d_model, ...)`):
      // that argument is what disagrees with the tensor the network computes.
      const set = w.kind === 'const' && r.kind === 'const' && !isMask && !isMemory ? editableOrigin(ev, w.origin?.set) : undefined;
      // Unless the tensor's size is a number the user wrote by hand (`RelativePositionBias(8 * 2)`)
      // where the block's comes from a config key: the hand-written one is the odd one out.
      const literal = set && r.kind === 'const' && r.origin && !r.origin.set && !ev.isLibraryFile(r.origin.file) ? r.origin : undefined;
      if (literal && w.kind === 'const') {
        const text = caller.scope.configKeyFor(w.value) ?? want;
        ev.reporter.error('TFM3004', message, { file: literal.file, span: literal.span, message: `${got} is written here` }, {
          secondary: [{ file: set!.file, span: set!.span, message: `\`${set!.name}\` = ${want} is set here` }, { ...argSource, message: `this is \`${renderShape(t.shape)}\`` }, declared],
          help: { message: `\`${block}\` expects ${want}: \`${text}\``, edits: [{ file: literal.file, span: literal.span, text }] },
        });
        return ERROR;
      }
      if (set && r.kind === 'const') {
        const inConstruction = set.file === caller.construction.file && within(set.span, caller.construction.span);
        const text = (inConstruction ? caller.scope.configKeyFor(r.value) : undefined) ?? String(r.value);
        ev.reporter.error('TFM3004', message, { file: set.file, span: set.span, message: `\`${set.name}\` = ${want} is set here` }, {
          secondary: [{ ...argSource, message: `but this is \`${renderShape(t.shape)}\`` }, declared],
          help: { message: `the input has ${got} features: \`${set.name}: ${text}\``, edits: [{ file: set.file, span: set.span, text }] },
        });
        return ERROR;
      }
      // A mask whose key axis is the attention's query length: the sequences were passed the other way round.
      // It would fit with the query and key lengths exchanged (a causal mask `[1, T, T]` given for
      // cross-attention does not: that is the wrong mask, not swapped arguments).
      const swapped = isMask && i === shape.length - 1 && i >= 1 && dimEquals(t.shape[i], shape[i - 1]) && !dimEquals(shape[i - 1], shape[i])
        && (constValue(t.shape[i - 1]) === 1 || dimEquals(t.shape[i - 1], shape[i]));
      const swapHelp = `queries and keys look swapped: this mask's key axis (${got}) is the attention's query length. In cross-attention the queries come from the layer's input and the keys and values from \`memory:\` — were the two passed the other way round?`;
      const swapFix = swapped ? swapArguments(ev, caller) : undefined;
      if (swapFix) {
        // The two arguments are the cause: the label goes on them, the fix swaps them back.
        ev.reporter.error('TFM3005', message, { file: swapFix.file, span: swapFix.span, message: 'these two look swapped' }, {
          secondary: [{ ...argSource, message: `dimension ${i} is ${got}, expected ${want}` }, declared, ...dimLabels],
          help: { message: swapHelp, edits: swapFix.edits },
        });
        return ERROR;
      }
      ev.reporter.error(isMask ? 'TFM3005' : 'TFM3004', message, { ...argSource, message: `dimension ${i} is ${got}, expected ${want}` }, {
        secondary: [declared, ...dimLabels],
        help: swapped ? swapHelp : isMemory && i === shape.length - 1 ? 'the encoder output fed to cross-attention must have the decoder\'s d_model (or project it with a Linear)' : undefined,
      });
      return ERROR;
    }
  }
  return v;
}

/** The block's first input port: the one a call passes positionally, the queries of its attention. */
function firstPort(decl: A.BlockDecl): string {
  for (const s of decl.body) if (s.kind === 'InputDecl' && s.keyword === 'in') return s.name.name;
  return '';
}

/** Edits that swap the call's first argument and its `memory:` argument, when the user wrote both in one file. */
function swapArguments(ev: Lowering, caller: Caller): { file: string; span: Span; edits: Edit[] } | undefined {
  const { queries: q, memory: m } = caller;
  if (!q || !m || q.file !== m.file || ev.isLibraryFile(q.file) || q.span.start.offset === m.span.start.offset) return undefined;
  const qText = ev.sourceText(q);
  const mText = ev.sourceText(m);
  if (qText === undefined || mText === undefined) return undefined;
  const [first, last] = q.span.start.offset < m.span.start.offset ? [q, m] : [m, q];
  return {
    file: q.file,
    span: spanCover(first.span, last.span),
    edits: [
      { file: q.file, span: q.span, text: mText },
      { file: m.file, span: m.span, text: qText },
    ],
  };
}

function within(inner: Span, outer: Span): boolean {
  return inner.start.offset >= outer.start.offset && inner.end.offset <= outer.end.offset;
}
