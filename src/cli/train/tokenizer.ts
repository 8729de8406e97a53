/**
 * Tokenizers of `tfmc train`: text ↔ token ids, saved into the run directory (`tokenizer.json`)
 * so `tfmc generate` and `tfmc predict` encode and decode exactly as training did.
 *
 * - `char` (built in): ids 0–3 are the special tokens (padding, start, end, unknown), then every
 *   distinct character of the training text in code-point order, so the same text always gives
 *   the same vocabulary.
 * - `tokens`: for token classification, one id per listed token (`TokenVocabTokenizer`).
 * - `bpe`: GPT-2's byte-level BPE (50,257 tokens; any text, no unknown token) from the
 *   `gpt-tokenizer` package, whose merges ship inside it (no download). `<|endoftext|>` (50256)
 *   is the start, end and padding token, as in GPT-2.
 * - `hf`: a Hugging Face `tokenizer.json` (`--tokenizer FILE`, `hf-tokenizer.ts`), kept in the run
 *   directory as the file itself.
 * - `ids`: no text at all, for data given as token ids (`{"source_ids": [5, 8, 9], ...}`): the
 *   ids are the model's, and the vocabulary's last id is the start, end and padding token.
 */
import { createRequire } from 'node:module';
import { HfTokenizer, isHfTokenizerJson, readHfTokenizer } from './hf-tokenizer.js';
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;

export interface Tokenizer {
  readonly kind: string;
  /** Number of ids (specials included): every id is < vocabSize. */
  readonly vocabSize: number;
  /** Padding of token rows, start of a target sequence, end of a sequence. */
  readonly pad: number;
  readonly bos: number;
  readonly eos: number;
  /** What the vocabulary is made of, for messages (`4 special tokens and 43 distinct characters`). */
  describe(): string;
  encode(text: string): number[];
  /** Text of the ids; special tokens are left out. */
  decode(ids: readonly number[]): string;
  /** The distinct pieces of `text` the vocabulary lacks (each encodes as `<unk>`), in order of appearance. */
  unknown?(text: string): string[];
  /** The JSON stored as `tokenizer.json`. */
  toJSON(): object;
}

/**
 * A vocabulary of pieces after the four special tokens: ids 0–3 are `<pad>`, `<bos>`, `<eos>`,
 * `<unk>`, then one id per piece. A piece it has not seen is `<unk>`. Subclasses say what a piece
 * is (a character, a whole token) and how a text splits into pieces.
 */
abstract class PieceTokenizer implements Tokenizer {
  abstract readonly kind: string;
  readonly pad = PAD;
  readonly bos = BOS;
  readonly eos = EOS;
  private readonly ids = new Map<string, number>();

  protected constructor(
    readonly pieces: readonly string[],
    /** What a piece is called in `describe` (`characters`). */
    private readonly unit: string,
    /** What `decode` puts between pieces. */
    private readonly joiner: string,
  ) {
    pieces.forEach((p, i) => this.ids.set(p, i + SPECIAL_TOKENS.length));
  }

  /** The pieces of a text. */
  abstract split(text: string): string[];

  get vocabSize(): number {
    return SPECIAL_TOKENS.length + this.pieces.length;
  }

  describe(): string {
    return `${SPECIAL_TOKENS.length} special tokens and ${this.pieces.length} distinct ${this.unit}`;
  }

  encodePieces(pieces: readonly string[]): number[] {
    return pieces.map((p) => this.ids.get(p) ?? UNK);
  }

  encode(text: string): number[] {
    return this.encodePieces(this.split(text));
  }

  unknown(text: string): string[] {
    return [...new Set(this.split(text).filter((p) => !this.ids.has(p)))];
  }

  decode(ids: readonly number[]): string {
    return ids
      .filter((id) => id >= SPECIAL_TOKENS.length && id < this.vocabSize)
      .map((id) => this.pieces[id - SPECIAL_TOKENS.length])
      .join(this.joiner);
  }

  abstract toJSON(): object;
}

export class CharTokenizer extends PieceTokenizer {
  readonly kind = 'char';

  constructor(readonly chars: readonly string[]) {
    super(chars, 'characters', '');
  }

  /** The vocabulary of these texts: every distinct character, in code-point order. */
  static fromTexts(texts: Iterable<string>): CharTokenizer {
    const seen = new Set<string>();
    for (const t of texts) for (const c of t) seen.add(c);
    return new CharTokenizer([...seen].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  split(text: string): string[] {
    return [...text];
  }

  toJSON(): object {
    return { kind: this.kind, specials: [...SPECIAL_TOKENS], chars: this.chars };
  }
}

/**
 * The tokenizer of a token classifier (`{"tokens": [...], "labels": [...]}` data): one model
 * position per listed token; the pieces are every distinct token of the training data in
 * code-point order. A text (`tfmc predict --input`) is split on whitespace into tokens.
 */
export class TokenVocabTokenizer extends PieceTokenizer {
  readonly kind = 'tokens';

  constructor(readonly tokens: readonly string[]) {
    super(tokens, 'tokens', ' ');
  }

  static fromTokens(lists: Iterable<readonly string[]>): TokenVocabTokenizer {
    const seen = new Set<string>();
    for (const l of lists) for (const t of l) seen.add(t);
    return new TokenVocabTokenizer([...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** The whitespace-separated tokens of a text. */
  split(text: string): string[] {
    return text.split(/\s+/).filter((t) => t !== '');
  }

  toJSON(): object {
    return { kind: this.kind, specials: [...SPECIAL_TOKENS], tokens: this.tokens };
  }
}

interface BpeCodec {
  encode(text: string): number[];
  decode(ids: number[]): string;
}

export class Gpt2BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe';
  readonly vocabSize = 50257;
  readonly pad = 50256;
  readonly bos = 50256;
  readonly eos = 50256;
  private readonly codec: BpeCodec;

  constructor() {
    // Loaded on first use: its merge table is a few MB that the char tokenizer does not need.
    this.codec = createRequire(import.meta.url)('gpt-tokenizer/encoding/r50k_base') as BpeCodec;
  }

  describe(): string {
    return "GPT-2's byte-level BPE vocabulary";
  }

  encode(text: string): number[] {
    return this.codec.encode(text);
  }

  decode(ids: readonly number[]): string {
    return this.codec.decode(ids.filter((id) => id !== this.eos && id >= 0 && id < this.vocabSize));
  }

  toJSON(): object {
    return { kind: this.kind, encoding: 'r50k_base', package: 'gpt-tokenizer' };
  }
}

/**
 * Token ids given as they are (`source_ids`/`target_ids` data): there is no text. Ids 0 … vocab-2
 * are the data's; the last id, vocab-1, is the start, end and padding token, so the data must
 * leave it free.
 */
export class IdsTokenizer implements Tokenizer {
  readonly kind = 'ids';
  readonly pad: number;
  readonly bos: number;
  readonly eos: number;

  constructor(readonly vocabSize: number) {
    this.pad = this.bos = this.eos = vocabSize - 1;
  }

  describe(): string {
    return `token ids 0 … ${this.vocabSize - 2} and the start/end token ${this.vocabSize - 1}`;
  }

  encode(): number[] {
    throw new Error('a model trained on token ids has no text tokenizer: give token ids');
  }

  /** The ids themselves, separated by spaces (the start/end token left out). */
  decode(ids: readonly number[]): string {
    return ids.filter((id) => id !== this.eos).join(' ');
  }

  toJSON(): object {
    return { kind: this.kind, vocab: this.vocabSize, start: this.bos, end: this.eos, pad: this.pad };
  }
}

/** A new tokenizer of this kind (or the Hugging Face tokenizer.json at this path), built from the training texts where it learns from them. */
export function createTokenizer(kind: string, texts: () => Iterable<string>, shown = kind): Tokenizer {
  if (kind === 'bpe') return new Gpt2BpeTokenizer();
  if (kind.endsWith('.json')) return readHfTokenizer(kind, shown);
  return CharTokenizer.fromTexts(texts());
}

/** Rebuilds a tokenizer from its `tokenizer.json`; throws an Error with a one-line reason when it is not one. */
export function tokenizerFromJSON(json: unknown): Tokenizer {
  if (isHfTokenizerJson(json)) return new HfTokenizer(json as Record<string, unknown>);
  const j = json as { kind?: unknown; chars?: unknown; encoding?: unknown; vocab?: unknown; tokens?: unknown } | null;
  if (j && j.kind === 'char' && Array.isArray(j.chars) && j.chars.every((c) => typeof c === 'string')) {
    return new CharTokenizer(j.chars as string[]);
  }
  if (j && j.kind === 'bpe' && j.encoding === 'r50k_base') return new Gpt2BpeTokenizer();
  if (j && j.kind === 'ids' && typeof j.vocab === 'number' && Number.isInteger(j.vocab) && j.vocab >= 2) return new IdsTokenizer(j.vocab);
  if (j && j.kind === 'tokens' && Array.isArray(j.tokens) && j.tokens.every((x) => typeof x === 'string')) return new TokenVocabTokenizer(j.tokens as string[]);
  throw new Error(`not a tfmc tokenizer (kind ${JSON.stringify(j?.kind)})`);
}
