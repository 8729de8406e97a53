/**
 * Applying an op: its arguments are bound and its shape rule runs against a `LoweringOpContext`,
 * through which it reports errors, emits IR nodes and declares parameters.
 */
import type { Edit, Label } from '../../diagnostics/diagnostic.js';
import type * as A from '../../syntax/ast.js';
import { renderShape, resolve, type Dim } from '../dims.js';
import type { SourceRef } from '../source-ref.js';
import type { AttrValue, TensorValue } from '../types.js';
import { ERROR, type ConstDimOrigin, type LayerModule, type OpContext, type OpDef, type Value, type ValueOrigin } from '../values.js';
import { reportNotDivisible, type Operand } from './divisibility.js';
import { bindArgs } from './arguments.js';
import { quotedName } from './quoted-name.js';
import { editableOrigin, type Env, type Lowering } from './lowering.js';
import { upperBound } from './tensor-types.js';

/** Applies a function op, giving it an `OpContext` for its shape rule. */
export function applyOp(ev: Lowering, op: OpDef, values: Record<string, Value>, sources: Record<string, SourceRef>, call: A.Expr, env: Env, layer?: LayerModule, inputs?: Record<string, Value>, inputSources?: Record<string, SourceRef>): Value {
  for (const k in values) if (values[k].kind === 'error') return ERROR;
  for (const k in inputs) if (inputs[k].kind === 'error') return ERROR;
  // A layer's application: where its inputs were written, then (`layer.argSources`) its configuration.
  const ctx = new LoweringOpContext(ev, env, ev.ref(env, call), inputSources ?? sources, layer, listSources(values), values);
  if (op.kind === 'function') return op.apply(ctx, values);
  return op.apply(ctx, values, inputs ?? {});
}

export function applyFunction(ev: Lowering, op: OpDef, args: readonly A.Arg[], call: A.Expr, env: Env): Value {
  if (op.kind !== 'function') return ERROR;
  const { values, sources } = bindArgs(ev, op.args, args, env, call, quotedName(op.name));
  return values ? applyOp(ev, op, values, sources, call, env) : ERROR;
}

const NO_ITEMS: Record<string, SourceRef[]> = Object.freeze({});

/** Where each item of the list arguments was written. */
function listSources(values: Record<string, Value>): Record<string, SourceRef[]> {
  let out: Record<string, SourceRef[]> | undefined;
  for (const k in values) {
    const v = values[k];
    if (v.kind === 'list' || v.kind === 'shape') (out ??= {})[k] = v.sources;
  }
  return out ?? NO_ITEMS;
}

/** The `OpContext` an op's shape rule sees while the evaluator applies it. */
class LoweringOpContext implements OpContext {
  constructor(
    private readonly ev: Lowering,
    private readonly env: Env,
    readonly callSite: SourceRef,
    private readonly sources: Record<string, SourceRef>,
    private readonly layer?: LayerModule,
    private readonly items: Record<string, SourceRef[]> = {},
    /** A function op's argument values (a layer's are on `layer.args`). */
    private readonly values: Record<string, Value> = {},
  ) {}

  itemSource(name: string, i: number): SourceRef {
    return this.items[name]?.[i] ?? this.argSource(name);
  }

  get modulePath(): string {
    return this.layer?.path ?? this.env.prefix;
  }

  get bindingName(): string | undefined {
    return this.env.direct && this.ev.ref(this.env, this.env.direct.expr).span === this.callSite.span ? this.env.direct.name : undefined;
  }

  producer(t: TensorValue): { op: string; attrs: Record<string, AttrValue>; inputs: TensorValue[]; site?: SourceRef } | undefined {
    const n = this.ev.graph.nodes[t.producer];
    return n && { op: n.op, attrs: n.attrs, inputs: n.inputs.map((id) => this.ev.graph.values[id]), site: this.ev.graph.sites[n.id] };
  }

  sizeFix(name: string, needed: number, had: number): { message: string; edits: Edit[] } | undefined {
    // Written inside the standard library (or defaulted): the fix is where the user set the value passed in.
    const at = this.userArg(name) ?? editableOrigin(this.ev, this.argOrigin(name));
    if (!at) return undefined;
    const written = this.ev.sourceText(at);
    const key = this.env.scope.configKeyFor(needed);
    const diff = needed - had;
    const text = key ?? (written !== undefined && /^[\w\s()*\/^+-]+$/.test(written) && Math.abs(diff) <= 2 ? `${written} ${diff > 0 ? '+' : '-'} ${Math.abs(diff)}` : String(needed));
    return { message: `make it ${needed}: \`${text}\``, edits: [{ file: at.file, span: at.span, text }] };
  }

  textAt(ref: SourceRef): string | undefined {
    return this.ev.sourceText(ref);
  }

  /** Whether the user wrote argument `name` (not a default, not inside the standard library). */
  userArg(name: string): SourceRef | undefined {
    const at = this.sources[name] ?? this.layer?.argSources[name];
    return at && at.span !== this.callSite.span && !this.ev.isLibraryFile(at.file) ? at : undefined;
  }

  valueSite(name: string, message?: string): Label {
    const o = editableOrigin(this.ev, this.argOrigin(name));
    if (o) return { file: o.file, span: o.span, message: message ?? `\`${o.name}\` is set here` };
    return { ...this.argSource(name), message };
  }

  argOrigin(name: string): ValueOrigin | undefined {
    const v = this.layer?.args[name] ?? this.values[name];
    return v && (v.kind === 'int' || v.kind === 'float') ? v.origin : undefined;
  }

  notDivisible(x: Operand, y: Operand, requirement: Label): void {
    reportNotDivisible(this.ev, 'TFM3003', x, y, this.env, this.callSite, requirement);
  }

  intNamed(name: string): number | undefined {
    const b = this.env.scope.lookup(name);
    if (b?.value.kind !== 'int') return undefined;
    if (b.use) b.use.used = true;
    return b.value.value;
  }

  claimName(name: string): boolean {
    if (this.env.moduleNames.has(name)) return false;
    this.env.moduleNames.add(name);
    return true;
  }

  argSource(name: string): SourceRef {
    return this.sources[name] ?? this.layer?.argSources[name] ?? this.callSite;
  }

  error(code: Parameters<OpContext['error']>[0], message: string, extra: Parameters<OpContext['error']>[2] = {}): void {
    this.ev.reporter.error(code, message, extra.primary ?? this.callSite, { secondary: extra.secondary, notes: extra.notes, help: extra.help });
  }

  shapeLabel(t: TensorValue, prefix?: string): Label {
    return { ...t.source, message: prefix ?? `this is \`${renderShape(t.shape)}\`` };
  }

  emit(opName: string, inputs: TensorValue[], outputs: Parameters<OpContext['emit']>[2], attrs: Record<string, AttrValue> = {}, params: Record<string, string> = {}): TensorValue[] {
    const outs = this.ev.graph.emit(opName, inputs, outputs, attrs, params, this.modulePath, this.callSite);
    const site = this.ev.reporter.userSite;
    if (site && outs.length) this.ev.graph.sites[outs[0].producer] = site;
    return outs;
  }

  param(role: string, shape: number[], init: string): string {
    return this.declare(role, shape, init, false);
  }

  buffer(role: string, shape: number[], init: string): string {
    return this.declare(role, shape, init, true);
  }

  private declare(role: string, shape: number[], init: string, buffer: boolean): string {
    const owner = this.modulePath;
    const name = owner ? `${owner}.${role}` : role;
    const existing = this.ev.graph.params.get(name);
    if (existing) {
      if (existing.shape.join() !== shape.join()) {
        this.ev.reporter.error('TFM3012', `a shared layer is applied to inputs of different shapes: \`${name}\` is \`[${existing.shape.join(', ')}]\` from its first use, but this use needs \`[${shape.join(', ')}]\``, this.callSite, {
          secondary: [{ ...existing.source, message: 'first applied here' }],
        });
      }
      return name;
    }
    for (const d of shape) if (!(Number.isInteger(d) && d > 0)) return name; // reported by the caller
    this.ev.graph.params.set(name, { name, shape, init, module: owner, source: this.callSite, ...(buffer && { buffer: true as const }) });
    return name;
  }

  upperBound(d: Dim): { max: number; source: SourceRef } | undefined {
    return upperBound(this.ev, d);
  }

  dimFix(d: Dim, needed: number, spelled?: string): { at: SourceRef; edits: Edit[] } | undefined {
    const r = resolve(d);
    if (r.kind !== 'const' || !r.origin) return undefined;
    if (!this.ev.isLibraryFile(r.origin.file)) {
      const at = { file: r.origin.file, span: r.origin.span };
      return { at, edits: [{ ...at, text: spelled ?? this.env.scope.configKeyFor(needed) ?? String(needed) }] };
    }
    const set = editableOrigin(this.ev, r.origin.set);
    if (!set) return undefined;
    const at = { file: set.file, span: set.span };
    return { at, edits: [{ ...at, text: String(needed) }] };
  }

  isUserFile(file: string): boolean {
    return !this.ev.isLibraryFile(file);
  }

  argDimOrigin(name: string, what: string): ConstDimOrigin {
    const set = this.argOrigin(name);
    return { ...this.argSource(name), what, ...(set && { set }) };
  }

  boundFix(sym: string, max: number): { declared: SourceRef; bound: string; edits: Edit[] } | undefined {
    const decl = this.ev.symbolDecls.get(sym);
    if (!decl) return undefined;
    // Spelled as the config key holding that value when there is one (`frames <= max_frames`).
    const bound = `${sym} <= ${this.env.scope.configKeyFor(max) ?? max}`;
    return { declared: decl.type, bound, edits: [{ file: decl.end.file, span: decl.end.span, text: `${decl.hasWhere ? ',' : ' where'} ${bound}` }] };
  }

  moduleParam(module: Value, role: string): { name: string; shape: number[] } | undefined {
    if (module.kind !== 'module' || module.module.kind !== 'layer') return undefined;
    const m = module.module;
    const name = `${m.path}.${role}`;
    const p = this.ev.graph.params.get(name);
    if (p) return { name, shape: p.shape };
    // A table that is tied before its own first use: its shape follows from its arguments.
    if (m.op.name === 'Embedding' && role === 'weight') {
      const rows = m.args.num;
      const dim = m.args.dim;
      if (rows?.kind === 'int' && dim?.kind === 'int') {
        this.ev.graph.params.set(name, { name, shape: [rows.value, dim.value], init: 'embedding', module: m.path, source: m.source });
        return { name, shape: [rows.value, dim.value] };
      }
    }
    return undefined;
  }
}
