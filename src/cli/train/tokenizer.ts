/**
 * Tokenizers of `tfmc train`: text ↔ token ids, saved into the run directory (`tokenizer.json`)
 * so `tfmc generate` and `tfmc predict` encode and decode exactly as training did.
 *
 * The character tokenizer is built in: ids 0–3 are the special tokens (padding, start, end,
 * unknown), then every distinct character of the training text in code-point order, so the same
 * text always gives the same vocabulary.
 */
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;

export interface Tokenizer {
  readonly kind: string;
  /** Number of ids (specials included): every id is < vocabSize. */
  readonly vocabSize: number;
  encode(text: string): number[];
  /** Text of the ids; special tokens are left out. */
  decode(ids: readonly number[]): string;
  /** The JSON stored as `tokenizer.json`. */
  toJSON(): object;
}

export class CharTokenizer implements Tokenizer {
  readonly kind = 'char';
  private readonly ids = new Map<string, number>();

  constructor(readonly chars: readonly string[]) {
    chars.forEach((c, i) => this.ids.set(c, i + SPECIAL_TOKENS.length));
  }

  /** The vocabulary of these texts: every distinct character, in code-point order. */
  static fromTexts(texts: Iterable<string>): CharTokenizer {
    const seen = new Set<string>();
    for (const t of texts) for (const c of t) seen.add(c);
    return new CharTokenizer([...seen].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  get vocabSize(): number {
    return SPECIAL_TOKENS.length + this.chars.length;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const c of text) out.push(this.ids.get(c) ?? UNK);
    return out;
  }

  decode(ids: readonly number[]): string {
    let s = '';
    for (const id of ids) if (id >= SPECIAL_TOKENS.length && id < this.vocabSize) s += this.chars[id - SPECIAL_TOKENS.length];
    return s;
  }

  toJSON(): object {
    return { kind: this.kind, specials: [...SPECIAL_TOKENS], chars: this.chars };
  }
}

/** Rebuilds a tokenizer from its `tokenizer.json`; throws an Error with a one-line reason when it is not one. */
export function tokenizerFromJSON(json: unknown): Tokenizer {
  const j = json as { kind?: unknown; chars?: unknown };
  if (j && j.kind === 'char' && Array.isArray(j.chars) && j.chars.every((c) => typeof c === 'string')) {
    return new CharTokenizer(j.chars as string[]);
  }
  throw new Error(`not a tfmc tokenizer (kind ${JSON.stringify(j?.kind)})`);
}
