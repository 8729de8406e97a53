/**
 * A tape of native kernel calls: recorded once, replayed on the same buffers.
 *
 * A cached decode step runs the same kernels on tensors of the same shapes at every step; only
 * the new token, the position and the cache length change. On the native backend GPT-2 small's
 * kernels take ~25 ms a step at two threads, and the bookkeeping around them (tfmc's nodes, the
 * tfjs engine, an allocation per output) another ~4 ms, while the memory bus idles. A tape
 * records each native kernel call of one step with its inputs, attributes and outputs, and keeps
 * every buffer made while recording; a replay calls the same kernel functions again, on the same
 * buffers, through a backend whose `makeOutput` hands back the recorded outputs.
 *
 * What a tape cannot replay its owner (generate/step-replay.ts) marks as *opaque* sections: the
 * owner reruns them at each replay (nodes that read the position). Recording fails when anything
 * else makes a tensor (a wasm kernel, a tensor written from JavaScript) or a kernel runs another
 * one: replaying would then skip work. A replay that meets anything but the recorded outputs
 * throws {@link TapeMismatch}; its owner then runs the step the ordinary way, which writes the
 * same values (kernels are deterministic for a fixed thread count).
 */
import * as tf from '@tensorflow/tfjs';
import { HEAP_COPYING_KERNELS } from './decode.js';
import type { KernelArgs, WasmHeapBackend } from './heap.js';

/** A registered kernel's computation (ours, with its fallback to the wasm kernel). */
export type KernelRun = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/** One call of an addon function: the function and its arguments (the heap first). */
type AddonCall = [fn: (...args: unknown[]) => unknown, args: unknown[], result: unknown];

interface Call {
  kind: 'call';
  name: string;
  run: KernelRun;
  inputs: Record<string, tf.TensorInfo | undefined>;
  attrs: Record<string, unknown>;
  outputs: tf.TensorInfo[];
  /** Its outputs are its inputs' buffers (a reshape, an identity): nothing to compute again. */
  alias: boolean;
  /**
   * The addon calls the kernel made, when they are all it did to the heap: a replay makes them
   * directly (on the same offsets), without the kernel's JavaScript. Undefined: the kernel runs.
   */
  direct?: AddonCall[];
}

interface Opaque<P> {
  kind: 'opaque';
  payload: P;
}

export type TapeEntry<P> = Call | Opaque<P>;

/** A replay met something other than what was recorded. */
export class TapeMismatch extends Error {}

/** The backend the wasm kernels use, with `write` (where every tensor buffer is made). */
interface WritableBackend extends WasmHeapBackend {
  write(values: unknown, shape: number[], dtype: tf.DataType): object;
}

let active: TapeRecorder<unknown> | undefined;

/** The native kernels' registered functions call this (kernels.ts): a recorder, when one is active, logs the call. */
export function throughTape(name: string, run: KernelRun, args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  return active ? active.kernel(name, run, args) : run(args);
}

/** Records the native kernel calls made between `start` and `finish`; opaque sections carry the owner's payload `P`. */
export class TapeRecorder<P> {
  private readonly entries: TapeEntry<P>[] = [];
  private readonly kept: object[] = [];
  private failure: string | undefined;
  private depth = 0;
  private opaqueDepth = 0;
  private made = 0;
  /** What the owner is running now, for the failure's message (`a tensor was made … in \`rms_norm\``). */
  where = '';

  /** The addon calls of the kernel being recorded. */
  private calls: AddonCall[] = [];
  private readonly unpatch: Array<() => void> = [];

  /** `addon`: the native addon the kernels call (its functions are watched while recording). */
  constructor(
    private readonly backend: WasmHeapBackend,
    private readonly addon: object,
  ) {}

  /** Starts recording (one recorder at a time). */
  start(): void {
    if (active) throw new Error('a tape is already recording');
    active = this as TapeRecorder<unknown>;
    const addon = this.addon as Record<string, unknown>;
    for (const [key, f] of Object.entries(addon)) {
      if (typeof f !== 'function') continue;
      const fn = f as (...args: unknown[]) => unknown;
      addon[key] = (...args: unknown[]) => {
        const result = fn.apply(addon, args);
        if (this.depth > 0 && this.opaqueDepth === 0) this.calls.push([fn, args, result]);
        return result;
      };
      this.unpatch.push(() => (addon[key] = fn));
    }
    const backend = this.backend as WritableBackend;
    const write = Object.getPrototypeOf(backend).write as WritableBackend['write'];
    // An own property over the prototype's: every buffer the wasm backend makes goes through it.
    backend.write = (values, shape, dtype) => {
      const dataId = write.call(backend, values, shape, dtype);
      this.onMade(dataId);
      return dataId;
    };
  }

  /** Stops recording: the tape, or why there is none (then every kept buffer is released). */
  finish(): Tape<P> | { failure: string } {
    active = undefined;
    delete (this.backend as Partial<WritableBackend>).write;
    for (const undo of this.unpatch.splice(0)) undo();
    const tape = new Tape(this.backend, this.entries, this.kept);
    if (this.failure === undefined && this.entries.length > 0) return tape;
    tape.dispose();
    return { failure: this.failure ?? 'nothing was recorded' };
  }

  /** Marks a failure (the owner met something it cannot replay). */
  refuse(why: string): void {
    this.failure ??= why;
  }

  /** Runs `section` unrecorded; the replay hands `payload(result)` back to the owner at this point. */
  opaque<T>(section: () => T, payload: (result: T) => P): T {
    this.opaqueDepth++;
    let result: T;
    try {
      result = section();
    } finally {
      this.opaqueDepth--;
    }
    this.entries.push({ kind: 'opaque', payload: payload(result) });
    return result;
  }

  /** @internal {@link throughTape}'s recording side. */
  kernel(name: string, run: KernelRun, args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
    if (this.opaqueDepth > 0) return run(args);
    if (this.depth > 0) {
      this.refuse(`${name} runs inside another native kernel${this.where}`);
      return run(args);
    }
    const before = this.made;
    const heap = this.backend.wasm.HEAPU8.buffer;
    this.calls = [];
    this.depth++;
    let out: tf.TensorInfo | tf.TensorInfo[];
    try {
      out = run(args);
    } finally {
      this.depth--;
    }
    const calls = this.calls;
    // Direct replay needs every call to take the heap first, and the heap not to have moved meanwhile.
    const direct = calls.length > 0 && calls.every(([, a]) => a[0] === heap) && this.backend.wasm.HEAPU8.buffer === heap && !HEAP_COPYING_KERNELS.has(name) ? calls : undefined;
    const outputs = Array.isArray(out) ? out : [out];
    const inputs = { ...args.inputs };
    const given = new Set(Object.values(inputs).map((t) => t?.dataId));
    const alias = outputs.every((o) => given.has(o.dataId));
    // A result that is neither fresh nor an input (a buffer kept between calls) cannot be replayed.
    if (!alias && (outputs.some((o) => given.has(o.dataId)) || this.made - before < outputs.length)) this.refuse(`${name} returns a buffer it did not make`);
    this.entries.push({ kind: 'call', name, run, inputs, attrs: { ...(args.attrs ?? {}) }, outputs, alias, direct });
    return out;
  }

  private onMade(dataId: object): void {
    // Kept until the tape is disposed: no buffer of the step is freed and reused meanwhile.
    this.backend.incRef(dataId);
    this.kept.push(dataId);
    this.made++;
    if (this.depth === 0 && this.opaqueDepth === 0) this.refuse(`a tensor was made outside the native kernels${this.where}`);
  }
}

/** Recorded kernel calls and opaque sections, with the buffers they use. */
export class Tape<P> {
  private readonly keptIds: Set<object>;
  private disposed = false;

  constructor(
    private readonly backend: WasmHeapBackend,
    readonly entries: readonly TapeEntry<P>[],
    private readonly kept: object[],
  ) {
    this.keptIds = new Set(kept);
  }

  /** Whether the tape keeps this buffer (it was made while recording, or given to {@link keep}). */
  keeps(t: tf.TensorInfo): boolean {
    return this.keptIds.has(t.dataId);
  }

  /** Keeps `t`'s buffer until the tape is disposed (a buffer made before recording that replays write). */
  keep(t: tf.TensorInfo): void {
    if (this.keptIds.has(t.dataId)) return;
    this.backend.incRef(t.dataId);
    this.kept.push(t.dataId);
    this.keptIds.add(t.dataId);
  }

  /**
   * Runs the calls again in order, `opaque` for each opaque section; the kernels named in
   * `attrsOf` run as kernels with the attributes it makes of the recorded ones, the others as
   * their recorded addon calls where they have them. Throws {@link TapeMismatch}.
   */
  replay(attrsOf: ReadonlyMap<string, (attrs: Record<string, unknown>) => Record<string, unknown>>, opaque: (payload: P) => void): void {
    if (this.disposed) throw new TapeMismatch('the tape was disposed');
    const real = this.backend;
    let heap = real.wasm.HEAPU8.buffer;
    let queue: tf.TensorInfo[] = [];
    const backend: WasmHeapBackend = Object.create(real);
    backend.makeOutput = (shape, dtype) => {
      const out = queue.shift();
      if (!out || out.dtype !== dtype || out.shape.length !== shape.length || out.shape.some((d, i) => d !== shape[i])) throw new TapeMismatch('a kernel made an output it did not make when recorded');
      return out;
    };
    backend.disposeData = (dataId) => (this.keptIds.has(dataId) ? false : real.disposeData(dataId));
    for (const e of this.entries) {
      if (e.kind === 'opaque') {
        opaque(e.payload);
        heap = real.wasm.HEAPU8.buffer; // what it allocated may have grown the heap
        continue;
      }
      if (e.alias) continue;
      const change = attrsOf.get(e.name);
      if (e.direct && !change) {
        for (const [fn, args, result] of e.direct) {
          args[0] = heap;
          // A kernel that took another way when recorded (a gather out of range) would now.
          if (fn(...args) !== result) throw new TapeMismatch(`${e.name} answered otherwise`);
        }
        continue;
      }
      queue = [...e.outputs];
      const out = e.run({ inputs: e.inputs, backend, attrs: change ? change(e.attrs) : e.attrs });
      const outs = Array.isArray(out) ? out : [out];
      if (queue.length > 0 || outs.length !== e.outputs.length || outs.some((o, i) => o.dataId !== e.outputs[i].dataId)) throw new TapeMismatch(`${e.name} did not write its recorded outputs`);
    }
  }

  /** Releases the buffers made while recording. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const engine = tf.engine() as unknown as { removeDataId(dataId: object, backend: unknown): void };
    for (const dataId of this.kept) if (this.backend.disposeData(dataId)) engine.removeDataId(dataId, this.backend);
  }
}
