/**
 * Step-wise evaluation for autoregressive decoding (the key/value cache), planned on the IR.
 *
 * Decoding appends tokens to one input (the *time input*, e.g. `ids: [batch, seq]`); its sequence
 * symbol `seq` is the *time axis*. Running the whole graph on the whole sequence at every step
 * costs O(T²) per step in attention and O(T) in everything else. Instead each step feeds only the
 * new tokens and every value carries one of these states:
 *
 * - `static`: does not depend on the time input (an encoder's output, its key/value projections):
 *   computed at the first step and reused.
 * - `new`: its time axis holds only the new positions (most of the decoder).
 * - `full`: its time axis holds every position so far. A `new` value that some op needs whole
 *   (the keys and values of self-attention, the ids a padding mask is built from) is kept in a
 *   *history* and grown by the new rows at each step: that history is the key/value cache.
 * - `dynamic`: depends on the time input but has no time axis (a padding mask over the target).
 *
 * A value with two time axes (self-attention scores `[B, H, Tq, Tk]`) has its second axis always
 * `full`. This is exact only if no position depends on later ones: self-attention scores over the
 * time axis must pass a causal mask before anything reduces over the keys, so the plan refuses
 * (and the caller falls back to full recomputation) when they do not, and for ops it cannot step
 * (recurrences, convolutions over time, `[CLS]` insertion).
 *
 * Whether a mask limits the keys is read from how it was built ({@link maskReach}): `causal` and
 * `window(w)` do, so does `a & b` when either side does and `a | b` when both do; `!a`, padding
 * and `same_segment` alone do not. `prefix(len)` lets queries see later keys inside the prefix:
 * the plan accepts it with {@link IncrementalPlan.restartBelow}, since positions inside the prefix
 * change as it fills (a prompt shorter than the prefix): until `len` positions are in, each step
 * reruns the whole sequence, and only then are the keys and values cached.
 */
import { dimSymbols, resolve } from './dims.js';
import type { ModelIR, Node, TensorValue } from './types.js';

export type StepState = 'static' | 'new' | 'full' | 'dynamic';

/**
 * How a node must receive one input at each step: as it is, grown to its history (`full`), cut to
 * the new rows (`new`), or cut to the last row (`last`: only the last position of what the node
 * computes is ever read, see {@link cutToLastPosition}).
 */
export type InputNeed = 'as-is' | 'full' | 'new' | 'last';

export interface StepNode {
  node: Node;
  /** Computed once at the first step and reused. */
  static: boolean;
  /** Per input: whether it must be grown to its history (`full`) or cut to the new rows (`new`). */
  needs: InputNeed[];
  /** Per input: the state it is delivered in (`new` inputs start at the step's offset in time). */
  delivered: StepState[];
}

export interface IncrementalPlan {
  ok: true;
  timeSymbol: string;
  nodes: StepNode[];
  /** Value ids whose `new` rows are appended to a history along `historyAxis` at each step. */
  histories: Map<number, number>;
  /** Static tensor values read by non-static nodes or outputs: kept from the first step. */
  keepStatic: Set<number>;
  state: Map<number, StepState>;
  /** The time axis of every value that has one (its first, for two). */
  timeAxis: Map<number, number>;
  /**
   * While fewer positions than this are cached, a step must rerun the whole sequence: a prefix
   * mask of this length lets earlier positions see later keys until the prefix is full (0: never).
   */
  restartBelow: number;
}

export interface NotIncremental {
  ok: false;
  /** Why the model cannot be stepped (shown to the user, who gets exact but slower decoding). */
  reason: string;
}

/** Ops that act on each position alone (along the time axis): output row t depends on input rows t. */
const POSITIONWISE = new Set([
  'relu', 'gelu', 'gelu_tanh', 'silu', 'tanh', 'sigmoid', 'dropout', 'add', 'sub', 'mul', 'div', 'scalar', 'embedding',
  'split_heads', 'merge_heads', 'repeat_heads', 'linear', 'layer_norm', 'rms_norm', 'transpose',
]);
/** Positionwise ops that mix the last axis, which therefore must not be the time axis. */
const MIXES_LAST_AXIS = new Set(['linear', 'layer_norm', 'rms_norm', 'split_heads', 'merge_heads']);
/**
 * Ops that cut or join along one axis (`attrs.axis`, non-negative): positionwise when that axis is
 * not a time axis, as in partial rotary (the rotated part of each head's features).
 */
const ALONG_AXIS = new Set(['slice', 'concat']);
/** Ops that read positions as numbers: they are told where the new rows start. */
const POSITIONAL = new Set(['position_embedding', 'rope']);
/** Biases over (query, key) positions, `[1, H, Tq, Tk]`: told where the new queries start, and given every key. */
const PAIRWISE_POSITIONS = new Set(['relative_position_bias', 'alibi_bias']);
/**
 * Where each input's time axis starts at a step whose `n` new positions start at `start`: the
 * new rows at `start`, a cut to the last row at the last new position, anything else at 0.
 */
export function stepOffsets(step: StepNode, start: number, n: number): number[] {
  return step.delivered.map((d, i) => (step.needs[i] === 'last' ? start + n - 1 : d === 'new' ? start : 0));
}

/** Whether `op` reads where its new rows start (`StepNode.delivered`): its result changes from step to step with the same inputs. */
export function readsPositions(op: string): boolean {
  return POSITIONAL.has(op) || PAIRWISE_POSITIONS.has(op);
}
/** Mask ops without inputs to grow (`padding_mask` and `segment_mask` need their ids whole). */
const MASK_OPS = new Set(['causal_mask', 'window_mask', 'prefix_mask', 'lengths_mask', 'mask_and', 'mask_or', 'mask_not', 'mask_input']);

/**
 * How far a mask lets a query see: only keys at or before it (`causal`), also the keys of a
 * prefix (`prefix`: exact step-wise once the prefix is full, see `restartBelow`), or anywhere.
 */
export type MaskReach = 'causal' | 'prefix' | 'open';

/** The reach of mask value `id`, from the ops that built it (`producers`: value id → node). */
export function maskReach(producers: ReadonlyMap<number, Node>, id: number): MaskReach {
  const node = producers.get(id);
  if (!node) return 'open';
  const order: MaskReach[] = ['causal', 'prefix', 'open'];
  const rank = (r: MaskReach) => order.indexOf(r);
  switch (node.op) {
    case 'causal_mask':
    case 'window_mask':
      return 'causal';
    case 'prefix_mask':
      return 'prefix';
    case 'mask_and': // the tighter side bounds the intersection
      return order[Math.min(...node.inputs.map((i) => rank(maskReach(producers, i))))];
    case 'mask_or': // the looser side bounds the union
      return order[Math.max(...node.inputs.map((i) => rank(maskReach(producers, i))))];
    default:
      return 'open';
  }
}

/**
 * Plans step-wise evaluation of `nodes` (in graph order, e.g. the nodes an output needs) with
 * `timeInput` growing along its axis 1.
 */
export function planIncremental(ir: ModelIR, nodes: readonly Node[], timeInput: string, outputs: readonly number[]): IncrementalPlan | NotIncremental {
  const input = ir.inputs.find((i) => i.name === timeInput);
  if (!input) return { ok: false, reason: `the model has no input \`${timeInput}\`` };
  const inputValue = ir.values[input.value];
  const timeDim = inputValue.shape[1] ? resolve(inputValue.shape[1]) : undefined;
  if (!timeDim || timeDim.kind !== 'sym') return { ok: false, reason: `\`${timeInput}\` has no symbolic sequence axis to grow` };
  const T = timeDim.name;

  const state = new Map<number, StepState>();
  const timeAxis = new Map<number, number>();
  const secondTimeAxis = new Map<number, number>();
  /** Scores over (time, time) not yet limited by a causal mask. */
  const open = new Set<number>();
  const fail = (node: Node | undefined, why: string): NotIncremental => ({
    ok: false,
    reason: node ? `${why} (\`${node.op}\`${node.module ? ` in \`${node.module}\`` : ''})` : why,
  });

  // Time axes of every value, from the inferred shapes.
  for (const v of ir.values) {
    const axes: number[] = [];
    for (let a = 0; a < v.shape.length; a++) {
      const d = resolve(v.shape[a]);
      if (d.kind === 'sym' && d.name === T) axes.push(a);
      else if (dimSymbols(d).has(T)) return fail(undefined, `${describe(v)} has a size derived from \`${T}\` (${T} + …), which cannot grow one row at a time`);
    }
    if (axes.length > 2) return fail(undefined, `${describe(v)} has more than two \`${T}\` axes`);
    if (axes.length >= 1) timeAxis.set(v.id, axes[0]);
    if (axes.length === 2) secondTimeAxis.set(v.id, axes[1]);
  }

  const read = new Set(nodes.flatMap((n) => n.inputs));
  for (const i of ir.inputs) {
    if (!read.has(i.value)) continue;
    if (i.name === timeInput) state.set(i.value, 'new');
    else if (timeAxis.has(i.value)) return fail(undefined, `the input \`${i.name}\` shares the sequence symbol \`${T}\` with \`${timeInput}\``);
    else state.set(i.value, 'static');
  }

  const producers = new Map<number, Node>();
  for (const n of ir.nodes) for (const o of n.outputs) producers.set(o, n);

  const steps: StepNode[] = [];
  const histories = new Map<number, number>();
  let restartBelow = 0;
  const readers = new Map<number, number>(); // value → count of non-static readers

  for (const node of nodes) {
    const ins = node.inputs.map((id) => state.get(id) ?? 'static');
    const isStatic = ins.every((s) => s === 'static');
    const needs: InputNeed[] = node.inputs.map(() => 'as-is');
    const delivered: StepState[] = [...ins];
    const setOut = (s: StepState) => node.outputs.forEach((o) => state.set(o, s));
    if (isStatic) {
      setOut('static');
      steps.push({ node, static: true, needs, delivered });
      continue;
    }
    const need = (i: number, what: 'full' | 'new'): NotIncremental | undefined => {
      const id = node.inputs[i];
      const s = ins[i];
      if (what === 'full' && s === 'new') {
        if (secondTimeAxis.has(id)) return fail(node, `it needs every position of ${describe(ir.values[id])}, which has two time axes`);
        histories.set(id, timeAxis.get(id)!);
        needs[i] = 'full';
        delivered[i] = 'full';
      } else if (what === 'new' && s === 'full') {
        needs[i] = 'new';
        delivered[i] = 'new';
      }
      return undefined;
    };
    const outId = node.outputs[0];
    const outHasTime = timeAxis.has(outId);

    if (POSITIONWISE.has(node.op) || POSITIONAL.has(node.op) || ALONG_AXIS.has(node.op)) {
      if (ALONG_AXIS.has(node.op)) {
        const axis = node.attrs.axis;
        const along = node.inputs.find((id) => timeAxis.get(id) === axis || secondTimeAxis.get(id) === axis);
        if (along !== undefined) return fail(node, `it cuts or joins ${describe(ir.values[along])} along the time axis`);
      }
      if (MIXES_LAST_AXIS.has(node.op)) {
        const x = ir.values[node.inputs[0]];
        const last = x.shape.length - 1;
        if (timeAxis.get(x.id) === last || secondTimeAxis.get(x.id) === last) return fail(node, `it mixes the time axis of ${describe(x)}`);
      }
      const anyNew = ins.includes('new');
      if (anyNew) {
        for (let i = 0; i < ins.length; i++) if (ins[i] === 'full') need(i, 'new');
      }
      if (node.op === 'transpose' && secondTimeAxis.has(node.inputs[0])) return fail(node, 'it swaps the query and key axes of attention scores');
      setOut(!outHasTime ? 'dynamic' : anyNew ? 'new' : ins.includes('full') ? 'full' : 'dynamic');
      if (node.inputs.some((id) => open.has(id))) node.outputs.forEach((o) => open.add(o));
    } else if (node.op === 'matmul') {
      const [aId, bId] = node.inputs;
      const a = ir.values[aId];
      const b = ir.values[bId];
      const aK = a.shape.length - 1;
      const bK = b.shape.length - 2;
      const bN = b.shape.length - 1;
      const aTime = [timeAxis.get(aId), secondTimeAxis.get(aId)];
      const bTime = [timeAxis.get(bId), secondTimeAxis.get(bId)];
      const contractsTime = aTime.includes(aK) || bTime.includes(bK);
      if (contractsTime && open.has(aId)) return fail(node, 'self-attention over the sequence has no causal mask, so earlier positions see later ones');
      if (bTime.some((x) => x !== undefined && x !== bK && x !== bN)) return fail(node, `its right operand ${describe(b)} has the time axis among its batch axes`);
      if (aTime.some((x) => x !== undefined && x !== aK && x !== a.shape.length - 2)) return fail(node, `its left operand ${describe(a)} has the time axis among its batch axes`);
      // Keys (n) and contracted positions (k) are needed whole.
      if (bTime[0] !== undefined) {
        const r = need(1, 'full');
        if (r) return r;
      }
      if (aTime[0] === aK) {
        const r = need(0, 'full');
        if (r) return r;
      }
      const aM = a.shape.length - 2;
      const outState: StepState = !outHasTime ? 'dynamic' : aTime[0] === aM ? (delivered[0] === 'new' ? 'new' : 'full') : 'full';
      setOut(outState);
      if (secondTimeAxis.has(outId)) open.add(outId);
    } else if (node.op === 'softmax' || node.op === 'log_softmax' || node.op === 'mean' || node.op === 'take') {
      const x = ir.values[node.inputs[0]];
      const axis = attrAxis(node, x.shape.length);
      if (open.has(x.id) && secondTimeAxis.get(x.id) === axis) return fail(node, 'self-attention over the sequence has no causal mask, so earlier positions see later ones');
      if (timeAxis.get(x.id) === axis) {
        const r = need(0, 'full');
        if (r) return r;
      }
      setOut(!outHasTime ? 'dynamic' : delivered[0] === 'new' ? 'new' : delivered[0] === 'full' ? 'full' : 'dynamic');
      if (open.has(x.id)) node.outputs.forEach((o) => open.add(o));
    } else if (node.op === 'masked') {
      const [scoresId, maskId] = node.inputs;
      setOut(ins[0] === 'static' ? 'dynamic' : ins[0]);
      const reach = maskReach(producers, maskId);
      if (open.has(scoresId) && reach === 'open') open.add(outId);
      if (secondTimeAxis.has(scoresId) && reach === 'prefix') restartBelow = Math.max(restartBelow, longestPrefix(producers, maskId));
    } else if (node.op === 'padding_mask' || node.op === 'segment_mask') {
      const r = need(0, 'full');
      if (r) return r;
      setOut('dynamic');
    } else if (MASK_OPS.has(node.op)) {
      setOut('dynamic');
    } else if (PAIRWISE_POSITIONS.has(node.op)) {
      // Queries as they come, keys whole: `[1, H, Tq, Tk]`.
      const r = need(1, 'full');
      if (r) return r;
      setOut(delivered[0] === 'new' ? 'new' : 'full');
    } else {
      return fail(node, 'it cannot be evaluated one step at a time');
    }
    steps.push({ node, static: false, needs, delivered });
    for (const id of node.inputs) readers.set(id, (readers.get(id) ?? 0) + 1);
  }

  const keepStatic = new Set<number>();
  for (const [id] of readers) if (state.get(id) === 'static') keepStatic.add(id);
  for (const id of outputs) if (state.get(id) === 'static') keepStatic.add(id);
  // Nodes producing masks are re-run at every step (masks are closures over tensors of one step),
  // so the static tensors they read are kept too.
  for (const s of steps) {
    if (s.static && s.node.outputs.some((o) => ir.values[o].dtype === 'mask')) s.static = false;
  }
  for (const s of steps) {
    if (!s.static) for (const id of s.node.inputs) if (state.get(id) === 'static') keepStatic.add(id);
  }
  for (const id of outputs) {
    if (!timeAxis.has(id)) return fail(undefined, `the output ${describe(ir.values[id])} has no \`${T}\` axis to read the next token from`);
  }
  cutToLastPosition(ir, steps, outputs, timeAxis, secondTimeAxis, producers);
  return { ok: true, timeSymbol: T, nodes: steps, histories, keepStatic, state, timeAxis, restartBelow };
}

/**
 * A step reads only the last position of the outputs (the next token's logits), so the ops between
 * the last mixing of positions and the outputs need only their last row: the output head, the
 * final norm, and the last layer's MLP and the queries' side of its attention (its keys and values
 * are needed whole, for the cache). On a prompt of n tokens these ops then run on one row instead
 * of n; for GPT-2 small's 50,257-wide head that is a third of a 128-token prompt's work.
 *
 * Walks the steps backwards and marks the inputs such ops read `last`: a value is cut when every
 * non-static reader wants only its last row, and a node wants only the last row of an input when
 * only the last row of its output is read and that row depends on no other row of that input
 * (positionwise ops, the rows of a product, a softmax or mask over the keys). Values whose time
 * axis does not line up with the output's (a bias over the keys) are left whole.
 */
function cutToLastPosition(
  ir: ModelIR,
  steps: StepNode[],
  outputs: readonly number[],
  timeAxis: ReadonlyMap<number, number>,
  secondTimeAxis: ReadonlyMap<number, number>,
  producers: ReadonlyMap<number, Node>,
): void {
  const lastOnly = new Set(outputs);
  /** Per value: readers that need more than its last row (or read it with no way to cut). */
  const wantsAll = new Set<number>();
  for (let s = steps.length - 1; s >= 0; s--) {
    const step = steps[s];
    if (step.static) continue;
    const { node } = step;
    const cut = node.outputs.length === 1 && lastOnly.has(node.outputs[0]) && !wantsAll.has(node.outputs[0]) ? cuttableInputs(ir, node, timeAxis, secondTimeAxis, producers) : undefined;
    node.inputs.forEach((id, i) => {
      if (!timeAxis.has(id)) return;
      if (cut?.has(i) && step.needs[i] !== 'full') {
        step.needs[i] = 'last';
        lastOnly.add(id);
      } else wantsAll.add(id);
    });
  }
}

/** Ops whose output row t (along the time axis) is computed from input rows t alone. */
const ROWWISE = new Set([...POSITIONWISE].filter((op) => op !== 'embedding'));

/**
 * The inputs of `node` of which only the last row is needed when only the last row of its output
 * is: those whose time axis is the output's (aligned from the right, as broadcasting does).
 */
function cuttableInputs(
  ir: ModelIR,
  node: Node,
  timeAxis: ReadonlyMap<number, number>,
  secondTimeAxis: ReadonlyMap<number, number>,
  producers: ReadonlyMap<number, Node>,
): Set<number> | undefined {
  const out = ir.values[node.outputs[0]];
  const outAxis = timeAxis.get(out.id);
  if (outAxis === undefined) return undefined;
  const fromRight = (id: number, axis: number) => ir.values[id].shape.length - axis;
  const aligned = (id: number) => timeAxis.get(id) !== undefined && fromRight(id, timeAxis.get(id)!) === fromRight(out.id, outAxis);
  const rowsAxis = out.shape.length - 2;
  switch (node.op) {
    case 'matmul':
      // The rows of a product are the rows of its left operand.
      return outAxis === rowsAxis && aligned(node.inputs[0]) && timeAxis.get(node.inputs[0]) === ir.values[node.inputs[0]].shape.length - 2 ? new Set([0]) : undefined;
    case 'softmax':
    case 'log_softmax':
    case 'masked': {
      // Over the last axis (the keys); a mask is applied to the last queries by its own rule, but a
      // prefix mask takes queries fewer than keys for positions already cached (an error inside the prefix).
      const x = node.inputs[0];
      if (node.op === 'masked' && longestPrefix(producers, node.inputs[1]) > 0) return undefined;
      const axis = node.op === 'masked' ? -1 : attrAxis(node, ir.values[x].shape.length);
      if (axis === timeAxis.get(x)) return undefined;
      return aligned(x) ? new Set([0]) : undefined;
    }
    default: {
      if (!ROWWISE.has(node.op) && !ALONG_AXIS.has(node.op)) return undefined;
      const cut = new Set<number>();
      for (let i = 0; i < node.inputs.length; i++) {
        const id = node.inputs[i];
        if (!timeAxis.has(id)) continue;
        // An input with a time axis elsewhere (a bias over the keys) would be cut on the wrong axis.
        if (!aligned(id)) return undefined;
        if (secondTimeAxis.has(id) !== secondTimeAxis.has(out.id)) return undefined;
        cut.add(i);
      }
      return cut;
    }
  }
}

/** A node's `axis` attribute counted from the front for a rank-`rank` input; -1 when it has none. */
function attrAxis(node: Node, rank: number): number {
  const raw = node.attrs.axis;
  return typeof raw === 'number' ? (raw < 0 ? raw + rank : raw) : -1;
}

/** The longest `prefix(len)` that mask value `id` is built from (0 if none). */
function longestPrefix(producers: ReadonlyMap<number, Node>, id: number): number {
  const node = producers.get(id);
  if (!node) return 0;
  if (node.op === 'prefix_mask') return typeof node.attrs.len === 'number' ? node.attrs.len : 0;
  if (node.op !== 'mask_and' && node.op !== 'mask_or' && node.op !== 'mask_not') return 0;
  return Math.max(0, ...node.inputs.map((i) => longestPrefix(producers, i)));
}

function describe(v: TensorValue): string {
  return v.name ? `\`${v.name}\`` : `a value at line ${v.source.span.start.line}`;
}
