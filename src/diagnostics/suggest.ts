/** Help that fixes a misspelt name: "did you mean `heads`?", with the edit that writes it. */
import { didYouMean, suggestionList } from '../util/did-you-mean.js';
import type { Help } from './diagnostic.js';
import type { Span } from './spans.js';

/**
 * The did-you-mean help for `input` written at `at`, whose edit replaces it with the closest
 * candidate; `otherwise` (plain advice) when no candidate is close.
 */
export function didYouMeanHelp(input: string, candidates: Iterable<string>, at: { file: string; span: Span }, otherwise?: string): Help | undefined {
  const list = [...candidates];
  const synonym = SYNONYMS[input.toLowerCase()]?.find((s) => list.includes(s));
  if (synonym) return { message: `did you mean \`${synonym}\`? (tfmc's name for \`${input}\`)`, edits: [{ file: at.file, span: at.span, text: synonym }] };
  const message = didYouMean(input, list);
  if (message === undefined) return otherwise === undefined ? undefined : { message: otherwise };
  const best = suggestionList(input, list)[0];
  return { message, edits: [{ file: at.file, span: at.span, text: best }] };
}

/** Help for a literal written the way another language writes it (`True`, `yes`, `None`): the `.tfm` form. */
export function foreignLiteralHelp(input: string, at: { file: string; span: Span }): Help | undefined {
  const foreign = FOREIGN_LITERALS[input];
  if (!foreign) return undefined;
  return foreign.text ? { message: foreign.message, edits: [{ file: at.file, span: at.span, text: foreign.text }] } : { message: foreign.message };
}

/** Literals of other languages (Python, YAML, JSON) and what `.tfm` writes instead. */
const FOREIGN_LITERALS: Record<string, { message: string; text?: string }> = Object.fromEntries([
  ...['True', 'yes', 'on', 'TRUE'].map((n) => [n, { message: 'a boolean is written `true`', text: 'true' }]),
  ...['False', 'no', 'off', 'FALSE'].map((n) => [n, { message: 'a boolean is written `false`', text: 'false' }]),
  ...['None', 'null', 'nil', 'undefined'].map((n) => [n, { message: '`.tfm` has no null: leave the argument out to take its default' }]),
]);

/**
 * Names other frameworks use for what tfmc calls otherwise, too far apart in spelling for the
 * edit distance (`gelu_new` is Hugging Face's tanh GELU): keyed in lower case.
 */
const SYNONYMS: Record<string, string[]> = {
  gelu_new: ['gelu_tanh'],
  gelu_pytorch_tanh: ['gelu_tanh'],
  gelu_fast: ['gelu_tanh'],
  approximate_gelu: ['gelu_tanh'],
  swish: ['silu'],
  prenorm: ['pre'],
  pre_norm: ['pre'],
  pre_ln: ['pre'],
  postnorm: ['post'],
  post_norm: ['post'],
  post_ln: ['post'],
  rmsnorm: ['rms', 'RMSNorm'],
  layernorm: ['layer', 'LayerNorm'],
  layernormalization: ['LayerNorm'],
  dense: ['Linear'],
  multiheadattention: ['MultiHeadAttention'],
  mha: ['MultiHeadAttention'],
  ffn: ['FeedForward'],
  mlp: ['FeedForward'],
  sinusoid: ['sinusoidal'],
  absolute: ['learned'],
  rope: ['rotary'],
  epsilon: ['eps'],
  layer_norm_eps: ['eps'],
};
