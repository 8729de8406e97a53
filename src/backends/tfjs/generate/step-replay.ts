/**
 * Decode steps replayed from a tape of native kernel calls (native/tape.ts).
 *
 * Once the key/value caches have room, a decode step of the cached stepper (one new position per
 * row, every self-attention in the decode kernel) computes tensors of the same shapes from the
 * same weights at every step; only three things change: the new tokens (the ids tensor), the
 * position (read by `position_embedding`, `rope` and the like: {@link readsPositions}) and the
 * cache length (the decode kernel's `length`). So one step is recorded and the next ones replay
 * it: the tokens are written into the recorded ids buffer, the nodes that read the position run
 * again as nodes (their output copied into the recorded buffer), the decode kernel gets the new
 * length, and every other kernel runs again on its recorded buffers, with none of the engine's
 * and the executor's work around it. A new tape is recorded when the caches grow or are
 * reordered (beam search); a step the tape cannot take (anything recording met that it cannot
 * replay) runs the ordinary way, and the reason is kept (`refused`).
 *
 * `TFMC_DECODE_REPLAY=0` turns replay off (to compare the two; they give the same bits).
 */
import * as tf from '@tensorflow/tfjs';
import { readsPositions, stepOffsets, type IncrementalPlan } from '../../../ir/incremental.js';
import type { TfjsModel } from '../executor.js';
import { runNode } from '../kernels.js';
import { isMask, type RtValue } from '../run-context.js';
import { DECODE_ATTENTION } from '../native/decode.js';
import type { WasmHeapBackend } from '../native/heap.js';
import { loadAddon } from '../native/addon.js';
import { nativeKernelsActive } from '../native/kernels.js';
import { Tape, TapeMismatch, TapeRecorder } from '../native/tape.js';
import type { AttentionChain, KvCaches } from './kv-cache.js';

/** A node that reads its position: rerun at each replay, its output copied into the recorded buffer. */
interface PositionalNode {
  index: number;
  inputs: tf.TensorInfo[];
  output: tf.TensorInfo;
}

interface Recorded {
  tape: Tape<PositionalNode>;
  /** Times replayed. */
  uses: number;
  /** The ids tensor the tokens are written into, the logits returned, and the caches' version the tape holds. */
  ids: tf.TensorInfo;
  logits: tf.TensorInfo;
  version: number;
}

export class StepReplay {
  /** Why steps are not replayed (once refused, never tried again for this stepper). */
  refused: string | undefined;
  /** Steps replayed so far. */
  replayed = 0;
  private recorded: Recorded | undefined;
  private recorder: TapeRecorder<PositionalNode> | undefined;
  private recordingAt = 0;
  /** Tapes released in a row without a replay. */
  private unused = 0;

  constructor(
    private readonly model: TfjsModel,
    private readonly plan: IncrementalPlan,
    private readonly chains: readonly AttentionChain[],
  ) {
    if (!nativeKernelsActive() || tf.getBackend() !== 'wasm') this.refused = 'not on the native backend';
    else if (typeof process !== 'undefined' && process.env.TFMC_DECODE_REPLAY === '0') this.refused = 'TFMC_DECODE_REPLAY=0';
    else {
      // Every history must live in a decode kernel's cache: any other grows a tensor at each step.
      const cached = new Set(chains.flatMap((c) => [c.k, c.v]));
      const other = [...plan.histories.keys()].find((id) => !cached.has(id));
      if (other !== undefined) this.refused = `value ${other} has a history outside the decode kernel's cache`;
    }
  }

  /** Whether the next step (`start` positions cached) can be replayed. */
  ready(caches: KvCaches, start: number): boolean {
    const r = this.recorded;
    return r !== undefined && this.refused === undefined && r.version === caches.version && caches.haveRoom(this.chains, start);
  }

  /** Whether to record the coming step: nothing recorded (or the caches changed since) and the caches have room. */
  wantsRecording(caches: KvCaches, start: number): boolean {
    if (this.refused !== undefined || !caches.haveRoom(this.chains, start)) return false;
    if (this.recorded && this.recorded.version === caches.version) return false;
    this.release();
    return this.refused === undefined;
  }

  /** Starts recording the step at `start` (after its ids tensor is made). */
  startRecording(start: number): void {
    this.recorder = new TapeRecorder<PositionalNode>(tf.backend() as unknown as WasmHeapBackend, loadAddon());
    this.recordingAt = start;
    this.recorder.start();
  }

  /** Runs node `index` of the step being recorded: opaque when it reads its position. */
  node(index: number, run: () => { ins: RtValue[]; outs: RtValue[] }): void {
    const recorder = this.recorder;
    if (recorder) recorder.where = ` (in \`${this.plan.nodes[index].node.op}\` of \`${this.plan.nodes[index].node.module}\`)`;
    if (!recorder || !readsPositions(this.plan.nodes[index].node.op)) {
      run();
      return;
    }
    recorder.opaque(run, ({ ins, outs }) => {
      const tensors = [...ins, ...outs].filter((v): v is tf.Tensor => !isMask(v));
      if (tensors.length !== ins.length + outs.length || outs.length !== 1) recorder.refuse(`\`${this.plan.nodes[index].node.op}\` takes or makes a mask`);
      return { index, inputs: ins as tf.Tensor[], output: outs[0] as tf.Tensor };
    });
  }

  /**
   * Stops recording (also after a failed step: `logits` undefined); the tape is kept when it can
   * be replayed. Returns the logits to hand out: a copy when the tape keeps their buffer (replays
   * write it again).
   */
  finishRecording<T extends tf.Tensor>(ids: tf.Tensor | undefined, logits: T | undefined, caches: KvCaches): T | undefined {
    const recorder = this.recorder;
    if (!recorder) return logits;
    this.recorder = undefined;
    if (!ids || !logits) recorder.refuse('the step failed');
    const result = recorder.finish();
    if (!(result instanceof Tape)) {
      this.refused = result.failure;
      return logits;
    }
    const why = this.unreplayable(result, ids!, logits!);
    if (why) {
      result.dispose();
      this.refused = why;
      return logits;
    }
    result.keep(ids!); // the next tokens are written into it
    this.recorded = { tape: result, uses: 0, ids: { dataId: ids!.dataId, shape: ids!.shape, dtype: ids!.dtype }, logits: { dataId: logits!.dataId, shape: logits!.shape, dtype: logits!.dtype }, version: caches.version };
    const own = copyOf(logits!) as T;
    logits!.dispose();
    return own;
  }

  /**
   * Replays the recorded step for `tokens` (one per row) at `start`: the logits `[rows, vocab]`,
   * or undefined when the tape could not take it (then it is refused; the caller runs the step).
   */
  replay(tokens: readonly (readonly number[])[], start: number): tf.Tensor2D | undefined {
    const r = this.recorded!;
    const backend = tf.backend() as unknown as WasmHeapBackend;
    const flat = tokens.flat();
    if (flat.length !== r.ids.shape.reduce((a, b) => a * b, 1)) return undefined;
    new Int32Array(backend.wasm.HEAPU8.buffer, backend.getMemoryOffset(r.ids.dataId), flat.length).set(flat);
    try {
      r.tape.replay(new Map([[DECODE_ATTENTION, (attrs) => ({ ...attrs, length: start })]]), (p) => this.rerun(p, start));
    } catch (e) {
      if (!(e instanceof TapeMismatch)) throw e;
      this.refused = e.message;
      this.release();
      return undefined;
    }
    this.replayed++;
    r.uses++;
    return copyOf(r.logits) as tf.Tensor2D;
  }

  dispose(): void {
    this.release();
    if (this.recorder) this.recorder.finish();
    this.recorder = undefined;
  }

  private release(): void {
    const r = this.recorded;
    if (!r) return;
    this.recorded = undefined;
    // Beam search replaces the caches at almost every step: recording each step would only cost.
    this.unused = r.uses === 0 ? this.unused + 1 : 0;
    if (this.unused >= 3) this.refused ??= 'the caches are replaced at every step (beam search reorders them)';
    r.tape.dispose();
  }

  /** Why the recorded tape cannot be replayed, if it cannot. */
  private unreplayable(tape: Tape<PositionalNode>, ids: tf.Tensor, logits: tf.Tensor): string | undefined {
    if (ids.dtype !== 'int32') return 'the ids are not int32';
    if (!tape.keeps(logits)) return 'the logits are not made by the recorded kernels';
    if (logits.dtype !== 'float32') return `the logits are ${logits.dtype}`;
    for (const e of tape.entries) {
      if (e.kind === 'call' && e.name === DECODE_ATTENTION && Number(e.attrs.length) !== this.recordingAt) return 'a decode kernel was given another length';
      if (e.kind !== 'opaque') continue;
      const { output, inputs } = e.payload;
      // Its output is copied into at each replay: a buffer of the step's own, not one it was given.
      if (!tape.keeps(output) || inputs.some((t) => t.dataId === output.dataId)) return `\`${this.plan.nodes[e.payload.index].node.op}\` returns a tensor made before the step`;
      if (output.dtype !== 'float32' && output.dtype !== 'int32') return `\`${this.plan.nodes[e.payload.index].node.op}\` makes ${output.dtype}`;
    }
    return undefined;
  }

  /** A node that reads its position, run for `start`; its output copied into the recorded one. */
  private rerun(p: PositionalNode, start: number): void {
    const step = this.plan.nodes[p.index];
    const backend = tf.backend() as unknown as WasmHeapBackend;
    tf.tidy(() => {
      const ins = p.inputs.map((info) => {
        backend.incRef(info.dataId); // the view's disposal gives it back
        return tf.engine().makeTensorFromTensorInfo(info);
      });
      // One new position per row.
      const [out] = runNode(step.node, ins, this.model.context(step.node, false, new Map(), stepOffsets(step, start, 1)));
      if (!(out instanceof tf.Tensor) || out.dtype !== p.output.dtype || out.shape.join() !== p.output.shape.join()) throw new TapeMismatch(`\`${step.node.op}\` changed its output's shape`);
      copyData(backend, out, p.output);
    });
  }
}

/** A tensor with its own buffer holding `t`'s values (Identity and clone would share it). */
function copyOf(t: tf.TensorInfo): tf.Tensor {
  const backend = tf.backend() as unknown as WasmHeapBackend;
  const out = backend.makeOutput(t.shape, t.dtype);
  copyData(backend, t, out);
  return tf.engine().makeTensorFromTensorInfo(out);
}

/** Copies the values of `from` into `to` (same size; float32 or int32: 4 bytes each) within the heap. */
function copyData(backend: WasmHeapBackend, from: tf.TensorInfo, to: tf.TensorInfo): void {
  const [src, dst] = [backend.getMemoryOffset(from.dataId), backend.getMemoryOffset(to.dataId)];
  backend.wasm.HEAPU8.copyWithin(dst, src, src + from.shape.reduce((a, b) => a * b, 1) * 4);
}
