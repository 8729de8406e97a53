/**
 * `generate`: autoregressive decoding for decoder-only and encoder-decoder models — greedy,
 * beam search, and sampling with temperature / top-k / top-p — with a key/value cache
 * (`steppers.ts`, planned by `src/ir/incremental.ts`) when the model allows one.
 *
 * The model's roles are found from its IR: the *logits output* `[batch, seq, vocab]` (`logits`,
 * or the only output of that shape), the *time input* whose sequence symbol is the logits'
 * (`ids`, `tgt`), and the *source inputs* the logits also need (an encoder's `src`).
 */
import * as tf from '@tensorflow/tfjs';
import { constValue, resolve } from '../../../ir/dims.js';
import type { ModelIR, ModelOutput } from '../../../ir/types.js';
import { GenerationError } from '../api-errors.js';
import { rng } from '../data.js';
import type { TfjsModel } from '../executor.js';
import { beamSearch, decodeStepwise, type Decoded, type FinishReason } from './search.js';
import { createStepper } from './steppers.js';

export interface GenerateRequest {
  /**
   * Token ids each sequence starts with: one prompt, or one per row (prompts of different lengths
   * are decoded in groups of equal length). An encoder-decoder model may omit it and give
   * `startToken`.
   */
  prompt?: readonly number[] | readonly (readonly number[])[];
  /** The other inputs the logits need (an encoder's source ids), as tensors (one row per prompt, or one row for all). */
  source?: Record<string, tf.Tensor>;
}

export interface GenerateOptions {
  /** New tokens at most (default 32); fewer when the model's maximum length is reached. */
  maxNewTokens?: number;
  /** Default `greedy`, or `sample` when a temperature, top-k or top-p is given. */
  strategy?: 'greedy' | 'beam' | 'sample';
  /** Beam search: beams per prompt (default 4). */
  numBeams?: number;
  /** Beam search: rank hypotheses by score / length^lengthPenalty (default 1). */
  lengthPenalty?: number;
  /** Sampling: divides the logits (default 1); 0 always takes the most likely token, as greedy decoding does. */
  temperature?: number;
  /** Sampling: only the k most likely tokens. */
  topK?: number;
  /** Sampling: only the smallest set of most likely tokens whose probability reaches p. */
  topP?: number;
  /** Sampling: seed of the random choices (default 0: the same call gives the same text). */
  seed?: number;
  /** The token the decoder starts with when no prompt is given (encoder-decoder models). */
  startToken?: number;
  /** A sequence ends when it produces this token (not included in the result). */
  endToken?: number;
  /** Use a key/value cache when the model allows it (default true). */
  cache?: boolean;
  /** The input that grows (default: the one whose sequence axis the logits have). */
  input?: string;
  /** The output holding the next-token logits (default `logits`, or the only `[batch, seq, vocab]` output). */
  output?: string;
  /**
   * Called with each new token (the end token excluded) and the index of its prompt: as soon as it
   * is chosen by greedy decoding and sampling, so text can be shown while it is produced; at the end
   * of the search for beam search (the best hypothesis is known only then).
   */
  onToken?: (token: number, row: number) => void;
}

export interface GenerateResult {
  /** Each prompt followed by its new tokens (the end token excluded). */
  sequences: number[][];
  /** The new tokens only. */
  newTokens: number[][];
  /** `end` when the end token was produced, `length` when the token budget or the model's maximum length ran out. */
  finished: FinishReason[];
  /**
   * For each row that finished with `length`, which limit stopped it: `maxNewTokens`, or
   * `maxLength` (the model's maximum length: a `where seq <= ctx` bound or a positional table,
   * see {@link GenerateResult.maxLength}); `null` for rows that ended with the end token.
   */
  lengthLimit: (LengthLimit | null)[];
  /** The most tokens the growing input holds (prompt included), when the model has such a limit. */
  maxLength?: number;
  /** Σ log-probability (natural log, temperature 1) of each row's new tokens, the end token included. */
  scores: number[];
  /** Whether a key/value cache was used. */
  cached: boolean;
  /** Why no cache was used, when one was asked for. */
  cacheNote?: string;
}

export type LengthLimit = 'maxNewTokens' | 'maxLength';

interface Roles {
  output: ModelOutput;
  timeInput: string;
  sourceInputs: string[];
  vocab: number;
  /** The longest sequence the model accepts on the time input, when it has a limit. */
  maxLength?: number;
}

/** Finds the logits output, the growing input and the source inputs of a model. */
export function decodingRoles(model: TfjsModel, options: Pick<GenerateOptions, 'input' | 'output'> = {}): Roles {
  const ir = model.ir;
  const rank3 = ir.outputs.filter((o) => ir.values[o.value].shape.length === 3 && ir.values[o.value].dtype === 'float32');
  let output: ModelOutput | undefined;
  if (options.output !== undefined) {
    output = ir.outputs.find((o) => o.name === options.output);
    if (!output) throw new GenerationError(`the model \`${ir.name}\` has no output \`${options.output}\` (its outputs: ${names(ir.outputs)})`);
    if (!rank3.includes(output)) throw new GenerationError(`the output \`${output.name}\` is not next-token logits \`[batch, seq, vocab]\``);
  } else {
    output = rank3.find((o) => o.name === 'logits') ?? (rank3.length === 1 ? rank3[0] : undefined);
    if (!output) {
      throw new GenerationError(
        rank3.length
          ? `the model \`${ir.name}\` has several \`[batch, seq, vocab]\` outputs (${names(rank3)}): say which holds the logits with \`output\``
          : `the model \`${ir.name}\` has no \`[batch, seq, vocab]\` output to generate from (its outputs: ${names(ir.outputs)})`,
      );
    }
  }
  const shape = ir.values[output.value].shape.map(resolve);
  const vocab = constValue(shape[2]);
  if (vocab === undefined) throw new GenerationError(`the vocabulary axis of \`${output.name}\` has no fixed size`);
  const time = shape[1];
  const needed = model.planFor([output]).inputs.map((i) => i.name);
  let timeInput = options.input;
  if (timeInput === undefined) {
    timeInput = needed.find((name) => {
      const v = ir.values[ir.inputs.find((i) => i.name === name)!.value];
      const d = v.shape[1] ? resolve(v.shape[1]) : undefined;
      return v.dtype === 'int32' && v.shape.length === 2 && d?.kind === 'sym' && time.kind === 'sym' && d.name === time.name;
    });
    if (timeInput === undefined) throw new GenerationError(`no int32 \`[batch, seq]\` input of \`${ir.name}\` has the sequence axis of \`${output.name}\`: say which input grows with \`input\``);
  } else if (!needed.includes(timeInput)) {
    throw new GenerationError(`\`${output.name}\` does not depend on an input \`${timeInput}\` (it needs ${needed.map((n) => `\`${n}\``).join(', ')})`);
  }
  return { output, timeInput, sourceInputs: needed.filter((n) => n !== timeInput), vocab, maxLength: maxLengthOf(ir, timeInput) };
}

/** The smallest limit on the time input's length: a `where seq <= N` bound or a positional table. */
function maxLengthOf(ir: ModelIR, timeInput: string): number | undefined {
  const v = ir.values[ir.inputs.find((i) => i.name === timeInput)!.value];
  const d = resolve(v.shape[1]);
  if (d.kind !== 'sym') return undefined;
  const limits: number[] = [];
  for (const b of ir.bounds) if (b.dim === d.name && b.max !== undefined) limits.push(b.max);
  for (const node of ir.nodes) {
    if (node.op !== 'position_embedding' || typeof node.attrs.max_len !== 'number') continue;
    const x = ir.values[node.inputs[0]];
    const xd = x.shape[1] ? resolve(x.shape[1]) : undefined;
    if (xd?.kind === 'sym' && xd.name === d.name) limits.push(node.attrs.max_len);
  }
  return limits.length ? Math.min(...limits) : undefined;
}

/** Generates continuations of the prompts. See {@link GenerateOptions}. */
export async function generate(model: TfjsModel, request: GenerateRequest, options: GenerateOptions = {}): Promise<GenerateResult> {
  const roles = decodingRoles(model, options);
  const o = checkOptions(options, roles.vocab);
  const source = request.source ?? {};
  for (const name of roles.sourceInputs) {
    if (!source[name]) throw new GenerationError(`\`${roles.output.name}\` also needs the input \`${name}\` (${model.describeInput(name)}): give it in \`source\``);
  }
  for (const name of Object.keys(source)) {
    if (!roles.sourceInputs.includes(name)) {
      throw new GenerationError(`\`${name}\` is not a source input of \`${roles.output.name}\` (${roles.sourceInputs.length ? `it needs ${roles.sourceInputs.map((n) => `\`${n}\``).join(', ')}` : 'it needs none'}${name === roles.timeInput ? `; \`${name}\` is the growing input: give it as \`prompt\`` : ''})`);
    }
  }
  const sourceRows = roles.sourceInputs.length ? source[roles.sourceInputs[0]].shape[0] : undefined;
  const prompts = promptRows(request.prompt, o.startToken, sourceRows, roles);
  for (const name of roles.sourceInputs) {
    const rows = source[name].shape[0];
    if (rows !== prompts.length && rows !== 1) {
      throw new GenerationError(`\`${name}\` has ${rows} rows but there are ${prompts.length} prompts: give one row per prompt, or one row for all`);
    }
  }

  // Prompts of one length decode together (the batch stays rectangular without padding).
  const groups = new Map<number, number[]>();
  prompts.forEach((p, i) => groups.set(p.length, [...(groups.get(p.length) ?? []), i]));
  const decoded: Decoded[] = new Array(prompts.length);
  const limits: LengthLimit[] = new Array(prompts.length);
  let cached = o.cache;
  let cacheNote: string | undefined;
  const random = rng(o.seed);
  for (const [length, rowsOfGroup] of groups) {
    // The last new token is never fed back, so a prompt of `length` tokens has room for maxLength - length + 1.
    const room = roles.maxLength === undefined ? Infinity : roles.maxLength - length + 1;
    const budget = Math.min(o.maxNewTokens, room);
    for (const i of rowsOfGroup) limits[i] = room <= o.maxNewTokens ? 'maxLength' : 'maxNewTokens';
    const groupPrompts = rowsOfGroup.map((i) => prompts[i]);
    const copies = o.strategy === 'beam' ? o.numBeams : 1;
    const sources = tf.tidy(() => {
      const out: Record<string, tf.Tensor> = {};
      for (const name of roles.sourceInputs) {
        const x = source[name];
        const picked = x.shape[0] === 1 ? tf.tile(x, [rowsOfGroup.length, ...x.shape.slice(1).map(() => 1)]) : tf.gather(x, rowsOfGroup, 0);
        // Beam search: each prompt's row repeated once per beam, prompt-major.
        out[name] = copies === 1 ? picked : tf.gather(picked, rowsOfGroup.flatMap((_, r) => new Array<number>(copies).fill(r)), 0);
      }
      return out;
    });
    const stepper = createStepper({ model, timeInput: roles.timeInput, output: roles.output, sources }, o.cache);
    if (!stepper.cached) {
      cached = false;
      cacheNote ??= stepper.reason;
    }
    try {
      const onToken = options.onToken;
      const loop = { maxNewTokens: budget, endToken: o.endToken, onToken: onToken && ((token: number, r: number) => onToken(token, rowsOfGroup[r])) };
      const results =
        o.strategy === 'beam'
          ? await beamSearch(stepper, groupPrompts, { ...loop, numBeams: o.numBeams, lengthPenalty: o.lengthPenalty })
          : await decodeStepwise(stepper, groupPrompts, {
              ...loop,
              sampling: o.strategy === 'sample' ? { temperature: o.temperature, topK: o.topK, topP: o.topP } : undefined,
              random,
            });
      rowsOfGroup.forEach((i, r) => (decoded[i] = results[r]));
    } finally {
      stepper.dispose();
      tf.dispose(Object.values(sources));
    }
  }
  return {
    sequences: decoded.map((d, i) => [...prompts[i], ...d.tokens]),
    newTokens: decoded.map((d) => d.tokens),
    finished: decoded.map((d) => d.finished),
    lengthLimit: decoded.map((d, i) => (d.finished === 'length' ? limits[i] : null)),
    ...(roles.maxLength !== undefined ? { maxLength: roles.maxLength } : {}),
    scores: decoded.map((d) => d.score),
    cached,
    ...(cacheNote ? { cacheNote } : {}),
  };
}

interface CheckedOptions {
  maxNewTokens: number;
  strategy: 'greedy' | 'beam' | 'sample';
  numBeams: number;
  lengthPenalty: number;
  temperature: number;
  topK?: number;
  topP?: number;
  seed: number;
  startToken?: number;
  endToken?: number;
  cache: boolean;
}

function checkOptions(options: GenerateOptions, vocab: number): CheckedOptions {
  const bad = (name: string, want: string, got: unknown): never => {
    throw new GenerationError(`\`${name}\` must be ${want}, got ${typeof got === 'string' ? `'${got}'` : String(got)}`);
  };
  const int = (name: keyof GenerateOptions, min: number, fallback?: number): number | undefined => {
    const v = options[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) bad(name, `an integer ≥ ${min}`, v);
    return v as number;
  };
  const token = (name: 'startToken' | 'endToken'): number | undefined => {
    const v = options[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= vocab) bad(name, `a token id in 0 … ${vocab - 1} (the model's vocabulary)`, v);
    return v;
  };
  const sampling = options.temperature !== undefined || options.topK !== undefined || options.topP !== undefined;
  const strategy = options.strategy ?? (sampling ? 'sample' : 'greedy');
  if (strategy !== 'greedy' && strategy !== 'beam' && strategy !== 'sample') bad('strategy', "'greedy', 'beam' or 'sample'", strategy);
  if (sampling && strategy !== 'sample') {
    throw new GenerationError(`\`temperature\`, \`topK\` and \`topP\` apply to sampling, but the strategy is '${strategy}'`);
  }
  if ((options.numBeams !== undefined || options.lengthPenalty !== undefined) && strategy !== 'beam') {
    throw new GenerationError(`\`numBeams\` and \`lengthPenalty\` apply to beam search, but the strategy is '${strategy}'`);
  }
  const temperature = options.temperature ?? 1;
  if (typeof temperature !== 'number' || !(temperature >= 0) || !Number.isFinite(temperature)) bad('temperature', 'a number ≥ 0 (0: always the most likely token)', temperature);
  const topP = options.topP;
  if (topP !== undefined && (typeof topP !== 'number' || !(topP > 0 && topP <= 1))) bad('topP', 'a number in (0, 1]', topP);
  const lengthPenalty = options.lengthPenalty ?? 1;
  if (typeof lengthPenalty !== 'number' || !Number.isFinite(lengthPenalty)) bad('lengthPenalty', 'a finite number', lengthPenalty);
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) bad('seed', 'an integer', seed);
  if (options.cache !== undefined && typeof options.cache !== 'boolean') bad('cache', 'true or false', options.cache);
  if (options.onToken !== undefined && typeof options.onToken !== 'function') bad('onToken', 'a function', typeof options.onToken);
  return {
    maxNewTokens: int('maxNewTokens', 1, 32)!,
    strategy,
    numBeams: int('numBeams', 1, 4)!,
    lengthPenalty,
    temperature,
    topK: int('topK', 1),
    topP,
    seed,
    startToken: token('startToken'),
    endToken: token('endToken'),
    cache: options.cache ?? true,
  };
}

function promptRows(prompt: GenerateRequest['prompt'], startToken: number | undefined, sourceRows: number | undefined, roles: Roles): number[][] {
  let rows: number[][];
  if (prompt === undefined) {
    if (startToken === undefined) {
      throw new GenerationError(`give a \`prompt\` (token ids for \`${roles.timeInput}\`) or a \`startToken\` to begin every sequence with`);
    }
    rows = Array.from({ length: sourceRows ?? 1 }, () => [startToken]);
  } else {
    if (!Array.isArray(prompt)) throw new GenerationError(`\`prompt\` must be an array of token ids, or an array of such arrays`);
    rows = prompt.length > 0 && prompt.every((x) => typeof x === 'number') ? [[...(prompt as number[])]] : (prompt as number[][]).map((r) => (Array.isArray(r) ? [...r] : (r as unknown as number[])));
    if (startToken !== undefined) rows = rows.map((r) => [startToken, ...r]);
    if (rows.length === 1 && sourceRows !== undefined && sourceRows > 1) rows = Array.from({ length: sourceRows }, () => [...rows[0]]);
  }
  if (rows.length === 0) throw new GenerationError('`prompt` holds no rows');
  rows.forEach((r, i) => {
    const where = rows.length > 1 ? ` (row ${i})` : '';
    if (!Array.isArray(r) || r.length === 0) throw new GenerationError(`the prompt${where} is empty: give at least one token id (or a \`startToken\`)`);
    const bad = r.find((t) => typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= roles.vocab);
    if (bad !== undefined) throw new GenerationError(`the prompt${where} holds ${String(bad)}, which is not a token id in 0 … ${roles.vocab - 1}`);
    if (roles.maxLength !== undefined && r.length > roles.maxLength) {
      throw new GenerationError(`the prompt${where} has ${r.length} tokens, but \`${roles.timeInput}\` holds at most ${roles.maxLength}`);
    }
  });
  return rows;
}

function names(list: readonly { name: string }[]): string {
  return list.map((o) => `\`${o.name}\``).join(', ') || 'none';
}
