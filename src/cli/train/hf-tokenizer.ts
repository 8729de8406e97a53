/**
 * A Hugging Face `tokenizer.json` (BPE, WordPiece or Unigram, with its normalizer, pre-tokenizer
 * and decoder) as a tfmc tokenizer, through `@huggingface/tokenizers`, the tokenizer
 * library of transformers.js. `tfmc import hf` copies a checkpoint's tokenizer.json beside the
 * spec; `train`, `generate` and `predict` take it with `--tokenizer FILE`, and a run directory
 * trained with it keeps it as its own `tokenizer.json`, unchanged.
 *
 * Like tfmc's other tokenizers, `encode` gives the text's tokens without special tokens: the
 * commands add the start and end tokens where a task needs them (a sequence-to-sequence target).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Tokenizer as HfLibraryTokenizer } from '@huggingface/tokenizers';
import { TfmcFileError } from '../../diagnostics/file-error.js';

interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
}

/** The shape of a Hugging Face tokenizer.json (what tells it from tfmc's own tokenizer files). */
export function isHfTokenizerJson(json: unknown): boolean {
  const model = (json as { model?: { type?: unknown; vocab?: unknown } } | null)?.model;
  return typeof model === 'object' && model !== null && model.vocab !== undefined;
}

// Special tokens by their usual names, first match wins (tokenizer_config.json says it when present).
const BOS_NAMES = ['<s>', '<|begin_of_text|>', '<bos>', '[CLS]', '<|endoftext|>'];
const EOS_NAMES = ['</s>', '<|end_of_text|>', '<eos>', '[SEP]', '<|endoftext|>'];
const PAD_NAMES = ['<pad>', '[PAD]', '<|pad|>'];

/** Has the shape of `Tokenizer` (tokenizer.ts, which imports this file: no import back, so no cycle). */
export class HfTokenizer {
  readonly kind = 'hf';
  readonly vocabSize: number;
  readonly pad: number;
  readonly bos: number;
  readonly eos: number;
  private readonly lib: HfLibraryTokenizer;
  private readonly modelType: string;
  private readonly unkId: number | undefined;

  /** Throws an Error with a one-line reason when the JSON is not a tokenizer the library reads. */
  constructor(
    readonly json: Record<string, unknown>,
    config: Record<string, unknown> = {},
  ) {
    if (!isHfTokenizerJson(json)) throw new Error('not a Hugging Face tokenizer.json (it has no "model" with a "vocab")');
    const model = json.model as { type?: string; unk_token?: unknown; unk_id?: unknown };
    this.modelType = String(model.type ?? 'BPE');
    if (!['BPE', 'WordPiece', 'Unigram'].includes(this.modelType)) throw new Error(`its model is ${JSON.stringify(model.type)}; BPE, WordPiece and Unigram are read`);
    try {
      this.lib = new HfLibraryTokenizer(json, config);
    } catch (e) {
      throw new Error(`the tokenizer library cannot read it: ${(e as Error).message}`);
    }
    const vocab = this.lib.get_vocab(true);
    this.vocabSize = Math.max(-1, ...vocab.values()) + 1;
    const specials = ((json.added_tokens ?? []) as AddedToken[]).filter((t) => t.special !== false);
    const byName = (names: readonly string[], configKey: string): number | undefined => {
      const configured = tokenText(config[configKey]);
      if (configured !== undefined && vocab.has(configured)) return vocab.get(configured);
      for (const n of names) if (specials.some((t) => t.content === n)) return vocab.get(n);
      return undefined;
    };
    this.eos = byName(EOS_NAMES, 'eos_token') ?? specials[0]?.id ?? 0;
    this.bos = byName(BOS_NAMES, 'bos_token') ?? this.eos;
    this.pad = byName(PAD_NAMES, 'pad_token') ?? this.eos;
    this.unkId = typeof model.unk_token === 'string' ? vocab.get(model.unk_token) : typeof model.unk_id === 'number' ? model.unk_id : undefined;
  }

  describe(): string {
    return `a Hugging Face ${this.modelType} tokenizer.json of ${this.vocabSize.toLocaleString('en-US')} tokens`;
  }

  encode(text: string): number[] {
    return this.lib.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    return this.lib.decode([...ids], { skip_special_tokens: true });
  }

  /** The words of `text` that contain a piece the vocabulary lacks (they encode with the unknown token). */
  unknown(text: string): string[] {
    if (this.unkId === undefined) return [];
    return [...new Set(text.split(/\s+/).filter((w) => w !== '' && this.encode(w).includes(this.unkId!)))];
  }

  /** The tokenizer.json itself, so a run directory's tokenizer is the Hugging Face file. */
  toJSON(): object {
    return this.json;
  }
}

function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  const content = (v as { content?: unknown } | null)?.content;
  return typeof content === 'string' ? content : undefined;
}

/** Reads a tokenizer.json (and the tokenizer_config.json beside it, if any); `TFM6104` when it cannot be used. */
export function readHfTokenizer(file: string, shown = file): HfTokenizer {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TfmcFileError('TFM6104', `${shown}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `not valid JSON (${(e as Error).message})`}`);
  }
  // Which tokens start, end and pad: tokenizer_config.json beside it says, when it is there and readable.
  let config: Record<string, unknown> = {};
  const configFile = join(dirname(file), 'tokenizer_config.json');
  if (basename(file) === 'tokenizer.json' && existsSync(configFile)) {
    try {
      config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    } catch {
      config = {};
    }
  }
  try {
    return new HfTokenizer(json as Record<string, unknown>, config);
  } catch (e) {
    throw new TfmcFileError('TFM6104', `${shown}: ${(e as Error).message}`);
  }
}
